"""Feature networks: the digits and Fashion-MNIST networks genbench trains and ships, and ImageNet-scale networks
(Inception-v3, MobileNetV2, DINOv2) from hash-checked local weights."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch

from genbench.features.base import FeatureNetwork
from genbench.registry import Registry

# name → "module:attr" of a loader ``load(weights_dir: Path | None) -> FeatureNetwork``.
FEATURES: Registry[Callable[[Path | None], FeatureNetwork]] = Registry("feature network", "genbench.features")
FEATURES.register("digits-cnn", "genbench.features.digits_net:load")
FEATURES.register("fashion-cnn", "genbench.features.fashion_net:load")
FEATURES.register("inception", "genbench.features.inception:load")
FEATURES.register("mobilenet-v2", "genbench.features.mobilenet:load")
FEATURES.register("dinov2-vit-b14", "genbench.features.dinov2:load_vitb14")
FEATURES.register("dinov2-vit-l14", "genbench.features.dinov2:load_vitl14")


def load_features(name: str, weights_dir: Path | None = None, device: torch.device | None = None) -> FeatureNetwork:
    """The named network, on ``device`` when one is given."""
    net = FEATURES.get(name)(weights_dir)
    return net if device is None else net.to(device)
