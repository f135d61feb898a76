"""LPIPS plumbing: with the same backbone weights, genbench's LPIPS equals the lpips package's."""

from __future__ import annotations

import hashlib

import pytest
import torch
import torchvision

from genbench.errors import UnavailableError
from genbench.features.lpips_net import ALEXNET, BACKBONES, load_lpips
from genbench.features.weights_cache import WeightsSpec


def random_backbone(tmp_path, monkeypatch, net: str = "alex"):
    """A randomly initialised torchvision backbone, written where genbench and lpips each look."""
    spec, constructor = BACKBONES[net]
    torch.manual_seed(0)
    state = getattr(torchvision.models, constructor)().state_dict()
    weights = tmp_path / "weights"
    weights.mkdir(exist_ok=True)
    torch.save(state, weights / spec.filename)
    # The lpips package finds the same file through torch.hub's cache, its own loading path.
    checkpoints = tmp_path / "torch" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    torch.save(state, checkpoints / spec.filename)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    digest = hashlib.sha256((weights / spec.filename).read_bytes()).hexdigest()
    return weights, WeightsSpec(spec.filename, digest, spec.url, spec.purpose)


@pytest.fixture
def random_alexnet(tmp_path, monkeypatch):
    return random_backbone(tmp_path, monkeypatch)


@pytest.mark.parametrize("net", ["alex", "vgg", "squeeze"])
def test_lpips_equals_the_lpips_package_on_the_same_weights(tmp_path, monkeypatch, net):
    import warnings

    import lpips

    weights, spec = random_backbone(tmp_path, monkeypatch, net)
    distance, sha = load_lpips(weights, spec=spec, net=net)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        reference = lpips.LPIPS(net=net, verbose=False).eval()
    generator = torch.Generator().manual_seed(1)
    a, b = torch.rand(4, 3, 64, 64, generator=generator), torch.rand(4, 3, 64, 64, generator=generator)
    with torch.no_grad():
        expected = reference(a * 2 - 1, b * 2 - 1).flatten()
    torch.testing.assert_close(distance(a, b), expected, rtol=1e-5, atol=1e-6)
    assert sha == spec.sha256


def test_lpips_of_an_image_with_itself_is_zero(random_alexnet):
    weights, spec = random_alexnet
    distance, _ = load_lpips(weights, spec=spec)
    x = torch.rand(3, 1, 8, 8)
    assert distance(x, x).abs().max() < 1e-6


def test_missing_backbone_makes_lpips_unavailable_with_the_file_it_needs(tmp_path):
    with pytest.raises(UnavailableError, match=ALEXNET.filename):
        load_lpips(tmp_path)
