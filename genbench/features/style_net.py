"""The style feature network: a small CNN genbench trains on style-pair training patches and ships.

It learns to tell which of the 14 source images (8 photographs, 6 textures) a 64×64 patch was cut
from, which needs colour and texture statistics. Style metrics use only the Gram matrices of its
intermediate conv layers (Gatys et al., 2016); its logits are a training device, not a metric.
The weights' sha256 goes into every signature that uses it. It is trained on patches from outside
the test windows and is independent of every style-transfer baseline.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from genbench.training import Recipe, TrainResult
from genbench.weights import load_module, save_module, sha256_file

log = logging.getLogger(__name__)

WEIGHTS = Path(__file__).parent / "weights" / "style-cnn.safetensors"


@dataclass(frozen=True)
class StyleNetConfig:
    widths: tuple[int, ...] = (16, 32, 64)  # channels of the three conv blocks; each halves the side
    n_classes: int = 14  # source images of style_pairs.training_patches
    epochs: int = 25
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-4
    shift: int = 4  # random crops of ±shift px from a reflect-padded patch
    holdout: float = 0.2  # fraction held out for the reported accuracy only


class StyleCNN(nn.Module):
    def __init__(self, config: StyleNetConfig = StyleNetConfig()) -> None:
        super().__init__()
        blocks, c_in = [], 3
        for c in config.widths:
            blocks.append(nn.Sequential(nn.Conv2d(c_in, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU()))
            c_in = c
        self.blocks = nn.ModuleList(blocks)  # block i: (B, c_i, 64/2^i, 64/2^i), pooled after
        self.head = nn.Linear(c_in, config.n_classes)

    def activations(self, images: torch.Tensor) -> list[torch.Tensor]:
        """(B, 3, 64, 64) in [0, 1] → each block's output before pooling: (B, 16, 64, 64),
        (B, 32, 32, 32), (B, 64, 16, 16)."""
        h, out = images * 2 - 1, []
        for i, block in enumerate(self.blocks):
            h = block(h if i == 0 else F.max_pool2d(h, 2))
            out.append(h)
        return out

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        last = F.max_pool2d(self.activations(images)[-1], 2)  # (B, 64, 8, 8)
        return self.head(last.mean((2, 3)))  # (B, n_classes) logits


def gram(features: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) → (B, C, C): G = F Fᵀ / (H·W), so the scale does not depend on the image size."""
    b, c, h, w = features.shape
    flat = features.reshape(b, c, h * w)
    return flat @ flat.transpose(1, 2) / (h * w)


@dataclass(frozen=True)
class StyleNet:
    """The frozen, shipped network with its identity; ``gram_features`` is all a metric needs."""

    name: str
    sha256: str
    net: StyleCNN

    def to(self, device: torch.device) -> "StyleNet":
        self.net.to(device)
        return self

    @torch.no_grad()
    def gram_features(self, images: torch.Tensor, batch_size: int = 128) -> list[torch.Tensor]:
        """Images (n, 3, 64, 64) in [0, 1] → the Gram matrices of the three conv blocks,
        (n, 16, 16), (n, 32, 32) and (n, 64, 64), float64 on the CPU."""
        device = next(self.net.parameters()).device
        parts = [[gram(a).double().cpu() for a in self.net.activations(images[i:i + batch_size].to(device))]
                 for i in range(0, len(images), batch_size)]
        return [torch.cat([p[layer] for p in parts]) for layer in range(len(parts[0]))]


def load(weights_dir: Path | None = None, weights: Path = WEIGHTS) -> StyleNet:
    """The shipped network (``weights_dir`` is for downloaded networks and is not used here)."""
    net = load_module(StyleCNN(), weights).eval().requires_grad_(False)
    return StyleNet("style-cnn", sha256_file(weights), net)


def _augment(images: torch.Tensor, shift: int, generator: torch.Generator) -> torch.Tensor:
    # Per-image horizontal/vertical flips and one ±shift crop per batch: style is position- and
    # orientation-free, so the classifier should be too.
    n = len(images)
    hflip, vflip = (torch.rand(2, n, generator=generator) < 0.5)
    images = torch.where(hflip[:, None, None, None], images.flip(3), images)
    images = torch.where(vflip[:, None, None, None], images.flip(2), images)
    padded = F.pad(images, (shift,) * 4, mode="reflect")
    dx, dy = torch.randint(0, 2 * shift + 1, (2,), generator=generator).tolist()
    return padded[:, :, dy:dy + images.shape[2], dx:dx + images.shape[3]]


def accuracy(net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    net.eval()
    with torch.no_grad():
        return (net(images).argmax(1) == labels).float().mean().item()


def _fit(images: torch.Tensor, labels: torch.Tensor, seed: int, config: StyleNetConfig) -> StyleCNN:
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    net = StyleCNN(config)
    opt = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps = config.epochs * math.ceil(len(images) / config.batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    for epoch in range(config.epochs):
        net.train()
        order, total = torch.randperm(len(images), generator=generator), 0.0
        for start in range(0, len(order), config.batch_size):
            idx = order[start:start + config.batch_size]
            loss = F.cross_entropy(net(_augment(images[idx], config.shift, generator)), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        log.debug("style-cnn epoch %d: loss %.4f", epoch, total / len(images))
    return net.eval()


def train(out_dir: Path, seed: int, config: StyleNetConfig = StyleNetConfig()) -> TrainResult:
    from genbench.data.style_pairs import training_patches

    images, labels = training_patches()  # (896, 3, 64, 64), (896,); never the test pairs
    # Held-out accuracy only: a seeded 80/20 split, a network trained on the 80 and discarded.
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    n_held = int(len(images) * config.holdout)
    held, kept = order[:n_held], order[n_held:]
    held_acc = accuracy(_fit(images[kept], labels[kept], seed, config), images[held], labels[held])
    log.info("style-cnn: held-out patch accuracy %.4f (%d patches)", held_acc, n_held)
    net = _fit(images, labels, seed, config)  # the shipped weights see every patch
    weights = out_dir / RECIPE.weights_name
    save_module(net, weights)
    n_params = sum(p.numel() for p in net.parameters())
    return TrainResult(weights, {
        "parameters": f"{n_params:,}",
        "data": f"style_pairs.training_patches ({len(images)} patches from {config.n_classes} images, "
                "test windows excluded)",
        "recipe": f"AdamW lr {config.lr:g}, weight decay {config.weight_decay:g}, cosine schedule, "
                  f"{config.epochs} epochs, batch {config.batch_size}, flips and ±{config.shift} px crops",
        "task": f"{config.n_classes}-way source-image classification; metrics use only the Gram matrices",
        "Gram layers": ", ".join(f"block {i + 1} ({c}×{c})" for i, c in enumerate(config.widths)),
        "held-out patch accuracy": f"{held_acc:.4f} ({n_held} patches, seeded {1 - config.holdout:.0%}/"
                                   f"{config.holdout:.0%} split; patches of one image may overlap)",
        "train accuracy (shipped)": f"{accuracy(net, images, labels):.4f}",
    })


RECIPE = Recipe(
    name="style-cnn",
    seed=0,
    description="Feature network for the style-transfer task: Gram matrices of three conv blocks of a "
    "small CNN trained to tell the 14 source images' patches apart.",
    train=train,
    weights_name="style-cnn.safetensors",
)
