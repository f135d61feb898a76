"""LPIPS plumbing: with the same backbone weights, genbench's LPIPS equals the lpips package's."""

from __future__ import annotations

import hashlib

import pytest
import torch
import torchvision

from genbench.errors import UnavailableError
from genbench.features.lpips_net import ALEXNET, load_lpips
from genbench.features.weights_cache import WeightsSpec


@pytest.fixture
def random_alexnet(tmp_path, monkeypatch):
    torch.manual_seed(0)
    state = torchvision.models.alexnet().state_dict()
    weights = tmp_path / "weights"
    weights.mkdir()
    torch.save(state, weights / ALEXNET.filename)
    # The lpips package finds the same file through torch.hub's cache, its own loading path.
    checkpoints = tmp_path / "torch" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(state, checkpoints / ALEXNET.filename)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    digest = hashlib.sha256((weights / ALEXNET.filename).read_bytes()).hexdigest()
    return weights, WeightsSpec(ALEXNET.filename, digest, ALEXNET.url, ALEXNET.purpose)


def test_lpips_equals_the_lpips_package_on_the_same_weights(random_alexnet):
    import lpips

    weights, spec = random_alexnet
    distance, sha = load_lpips(weights, spec=spec)
    reference = lpips.LPIPS(net="alex", verbose=False).eval()
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
