"""MobileNetV2: torchvision's architecture and forward, from a hash-checked file, on the caller's 224×224 RGB."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from genbench.errors import InputError, UnavailableError
from genbench.features import FEATURES, load_features
from genbench.features.imagenet import IMAGENET_MEAN, IMAGENET_STD
from genbench.features.mobilenet import MOBILENET_V2
from genbench.features.mobilenet import load as load_mobilenet
from genbench.features.weights_cache import WeightsSpec, weights_dir

# Read at import, before the autouse fixture points $GENBENCH_WEIGHTS at an empty folder: the
# folder `genbench weights get mobilenet-v2` (part of the test command) filled.
REAL_WEIGHTS = weights_dir() / MOBILENET_V2.filename
GET_COMMAND = ".venv/bin/genbench weights get mobilenet-v2"


def random_mobilenet(folder: Path) -> tuple[Path, WeightsSpec]:
    import torchvision

    torch.manual_seed(0)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MOBILENET_V2.filename
    torch.save(torchvision.models.mobilenet_v2().state_dict(), path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return path, WeightsSpec(MOBILENET_V2.filename, digest, MOBILENET_V2.url, MOBILENET_V2.purpose, name="mobilenet-v2")


@pytest.fixture(scope="module")
def random_net(tmp_path_factory):
    """One randomly initialised network for the plumbing tests (built once: CPUs are shared)."""
    folder = tmp_path_factory.mktemp("mobilenet")
    _, spec = random_mobilenet(folder)
    return load_mobilenet(folder, spec=spec), spec


def torchvision_logits(module: torch.nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The oracle: torchvision's own forward on images normalised the documented way."""
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        return module((images - mean) / std)


def test_outputs_are_torchvisions_forward_with_imagenet_normalisation(random_net):
    net, spec = random_net
    images = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    out = net(images, batch_size=1)  # batches are concatenated in order
    assert out["features"].shape == (2, 1280) and out["logits"].shape == (2, 1000)
    torch.testing.assert_close(out["logits"].float(), torchvision_logits(net.module, images), rtol=1e-5, atol=1e-5)
    assert net.name == "mobilenet-v2" and net.sha256 == spec.sha256 and net.dim == 1280 and net.input_size == 224
    assert "ImageNet mean/std" in net.preprocessing and "resized by the caller" in net.preprocessing


def test_greyscale_is_replicated_to_rgb(random_net):
    net, _ = random_net
    grey = torch.rand(1, 1, 224, 224, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(net(grey)["features"], net(grey.expand(-1, 3, -1, -1))["features"])


@pytest.mark.parametrize("images, problem", [
    (torch.rand(1, 3, 64, 64), "shape"),
    (torch.rand(1, 4, 224, 224), "shape"),
    (torch.zeros(1, 3, 224, 224, dtype=torch.uint8), "dtype"),
], ids=["unresized", "rgba", "uint8"])
def test_images_not_in_the_contract_are_refused(random_net, images, problem):
    net, _ = random_net
    with pytest.raises(InputError, match=f"mobilenet-v2 takes .*{problem}" if problem == "dtype" else r"\(N, 3, 224, 224\)"):
        net(images)


def test_missing_weights_name_the_file_and_the_get_command(tmp_path):
    with pytest.raises(UnavailableError) as info:
        load_features("mobilenet-v2", tmp_path)
    message = str(info.value)
    assert MOBILENET_V2.filename in message and MOBILENET_V2.sha256 in message
    assert "genbench weights get mobilenet-v2" in message and MOBILENET_V2.url in message


def test_a_file_that_is_not_a_mobilenet_is_refused_even_with_a_matching_hash(tmp_path):
    path = tmp_path / MOBILENET_V2.filename
    torch.save({"weight": torch.zeros(2)}, path)
    spec = WeightsSpec(MOBILENET_V2.filename, hashlib.sha256(path.read_bytes()).hexdigest(), MOBILENET_V2.url, "test")
    with pytest.raises(UnavailableError, match="not a torchvision MobileNetV2 state dict"):
        load_mobilenet(tmp_path, spec=spec)


def test_registered_with_the_feature_networks():
    assert "mobilenet-v2" in FEATURES.names()
    assert FEATURES.get("mobilenet-v2") is load_mobilenet


def imagenet_crop(image) -> torch.Tensor:
    """torchvision's evaluation crop: shorter side to 256 (antialiased bilinear), centre 224."""
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255
    scale = 256 / min(x.shape[-2:])
    x = F.interpolate(x, size=[round(s * scale) for s in x.shape[-2:]], mode="bilinear", antialias=True,
                      align_corners=False)
    top, left = (x.shape[-2] - 224) // 2, (x.shape[-1] - 224) // 2
    return x[..., top:top + 224, left:left + 224].clamp(0, 1)


CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
CUP_CLASSES = {504, 967, 968}  # coffee mug, espresso, cup


@pytest.mark.skipif(not REAL_WEIGHTS.is_file(),
                    reason=f"{REAL_WEIGHTS} is absent; run `{GET_COMMAND}` (the test command does)")
def test_the_real_release_file_recognises_bundled_photos():
    from skimage import data

    net = load_mobilenet(REAL_WEIGHTS.parent)  # the real spec: the full sha256 must match
    assert net.sha256 == MOBILENET_V2.sha256
    photos = torch.cat([imagenet_crop(data.chelsea()), imagenet_crop(data.coffee())])
    out = net(photos)
    top1 = out["logits"].argmax(-1).tolist()
    assert top1[0] in CAT_CLASSES and top1[1] in CUP_CLASSES, top1
    assert out["features"].shape == (2, 1280)
    assert torch.equal(out["features"], net(photos)["features"])  # deterministic
    # Greyscale photos go through the same network as RGB: the cat is still a cat.
    assert net(photos[:1].mean(1, keepdim=True))["logits"].argmax(-1).item() in CAT_CLASSES
