"""The Fashion-MNIST feature network: a small CNN genbench trains on fashion/train only and ships.

Its 128-dimensional penultimate activations feed FID, KID and precision/recall/density/coverage
on the fashion tasks, and its 10-way logits feed the classifier score, mode coverage and
conditional accuracy. The weights' sha256 goes into every signature that uses it. The test split
is used once, after training, for the accuracy on the model card.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from genbench.features.base import FeatureNetwork
from genbench.training import Recipe, TrainResult
from genbench.weights import load_module, save_module, sha256_file

WEIGHTS = Path(__file__).parent / "weights" / "fashion-cnn.safetensors"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FashionNetConfig:
    width: int = 32
    feature_dim: int = 128
    n_classes: int = 10


def _block(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


class FashionNet(nn.Module):
    """One conv/BN/ReLU layer per stage at 28×28 and 14×14, then a linear map of the whole 7×7 grid.

    The 7×7 grid is flattened rather than averaged: where on the garment a feature sits (a collar,
    a heel, a strap) is what tells the classes apart, and global pooling throws that away.
    """

    def __init__(self, config: FashionNetConfig = FashionNetConfig()) -> None:
        super().__init__()
        w = config.width
        self.body = nn.Sequential(
            *_block(1, w), nn.MaxPool2d(2),                              # (B, w, 14, 14)
            *_block(w, 2 * w), nn.MaxPool2d(2),                          # (B, 2w, 7, 7)
            nn.Flatten(), nn.Linear(2 * w * 49, config.feature_dim, bias=False),
            nn.BatchNorm1d(config.feature_dim), nn.ReLU(),               # (B, D)
        )
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(config.feature_dim, config.n_classes))

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        features = self.body(images * 2 - 1)
        return {"features": features, "logits": self.head(features)}


def load(weights_dir: Path | None = None, weights: Path = WEIGHTS) -> FeatureNetwork:
    """The shipped network (``weights_dir`` is for downloaded networks and is not used here)."""
    net = load_module(FashionNet(), weights).eval()
    return FeatureNetwork("fashion-cnn", sha256_file(weights), FashionNetConfig().feature_dim,
                          "none (28x28 grey, [0,1])", net, net)


def _augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """±2 pixel translations and horizontal flips (clothes are left-right symmetric), per batch."""
    padded = F.pad(images, (2, 2, 2, 2))
    dx, dy, flip = torch.randint(0, 5, (2,), generator=generator).tolist() + [
        int(torch.randint(0, 2, (1,), generator=generator))]
    out = padded[:, :, dy:dy + 28, dx:dx + 28]
    return out.flip(3) if flip else out


@torch.no_grad()
def accuracy(net: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch: int = 1000) -> float:
    net.eval()
    correct = sum(int((net(images[i:i + batch])["logits"].argmax(1) == labels[i:i + batch]).sum())
                  for i in range(0, len(images), batch))
    return correct / len(images)


def train(out_dir: Path, seed: int, epochs: int = 12, batch_size: int = 128, lr: float = 3e-3) -> TrainResult:
    from genbench.data.fashion import load_fashion

    data = load_fashion("train")
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = FashionNet()
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=5e-4)
    steps = epochs * -(-len(data) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(data), generator=generator)
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(net(_augment(data.images[idx], generator))["logits"], data.labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        log.info("epoch %d: last batch loss %.3f", epoch + 1, loss.item())
    weights = out_dir / "fashion-cnn.safetensors"
    save_module(net, weights)
    test = load_fashion("test")
    n_params = sum(p.numel() for p in net.parameters())
    return TrainResult(weights, {
        "parameters": f"{n_params:,}",
        "data": f"fashion/train ({len(data):,} images); accuracy measured once on fashion/test",
        "recipe": f"AdamW lr {lr} one-cycle, weight decay 5e-4, {epochs} epochs, batch {batch_size}, "
                  "±2 px shifts and horizontal flips",
        "train accuracy": f"{accuracy(net, data.images, data.labels):.4f}",
        "test accuracy": f"{accuracy(net, test.images, test.labels):.4f}",
    })


RECIPE = Recipe(
    name="fashion-cnn",
    seed=0,
    description="Feature network for the fashion tasks: 128-d embeddings (FID, KID, PRDC) and 10-way logits.",
    train=train,
    weights_name="fashion-cnn.safetensors",
)
