"""Helpers for tests on a user's image folders: small RGB PNG folders and a tiny RGB feature network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from genbench.features import FEATURES
from genbench.features.base import FeatureNetwork


def tiny_rgb(weights_dir: Path | None = None) -> FeatureNetwork:
    """A fixed random conv net over 32×32 RGB: fast, and enough to tell distributions apart."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3, stride=2), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten()).eval()
    return FeatureNetwork("tiny-rgb", "0" * 64, 16, "test network", lambda x: {"features": net(x), "logits":
                          torch.zeros(len(x), 0)}, net, input_size=32)


if "tiny-rgb" not in FEATURES:
    FEATURES.register("tiny-rgb", tiny_rgb)


def write_images(folder: Path, n: int, seed: int, mean: float = 128, sizes=((48, 40), (64, 64)), nested: bool = True
                 ) -> Path:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        w, h = sizes[i % len(sizes)]
        pixels = np.clip(rng.normal(mean, 40, (h, w, 3)), 0, 255).astype(np.uint8)
        target = folder / f"part{i % 3}" / f"{i:04d}.png" if nested else folder / f"{i:04d}.png"
        target.parent.mkdir(exist_ok=True)
        Image.fromarray(pixels).save(target)
    return folder


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    return {"ref": write_images(tmp_path / "ref", 36, seed=1), "good": write_images(tmp_path / "good", 36, seed=2),
            "far": write_images(tmp_path / "far", 36, seed=3, mean=200)}
