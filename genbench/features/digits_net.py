"""The digits feature network: a small CNN genbench trains on the digits train split and ships.

Its 64-dimensional penultimate activations feed FID, KID and precision/recall/density/coverage
on digits, and its 10-way logits feed the classifier score and mode coverage. The weights'
sha256 goes into every signature that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from genbench.features.base import FeatureNetwork
from genbench.training import Recipe, TrainResult
from genbench.weights import load_module, save_module, sha256_file

WEIGHTS = Path(__file__).parent / "weights" / "digits-cnn.safetensors"


@dataclass(frozen=True)
class DigitsNetConfig:
    width: int = 32
    feature_dim: int = 64
    n_classes: int = 10


class DigitsNet(nn.Module):
    def __init__(self, config: DigitsNetConfig = DigitsNetConfig()) -> None:
        super().__init__()
        w = config.width
        self.body = nn.Sequential(
            nn.Conv2d(1, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(),          # (B, w, 8, 8)
            nn.Conv2d(w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU(),  # (B, 2w, 8, 8)
            nn.MaxPool2d(2),                                                       # (B, 2w, 4, 4)
            nn.Conv2d(2 * w, config.feature_dim, 3, padding=1), nn.ReLU(),        # (B, D, 4, 4)
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),                                 # (B, D)
        )
        self.head = nn.Linear(config.feature_dim, config.n_classes)

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        features = self.body(images * 2 - 1)
        return {"features": features, "logits": self.head(features)}


def load(weights_dir: Path | None = None, weights: Path = WEIGHTS) -> FeatureNetwork:
    """The shipped network (``weights_dir`` is for downloaded networks and is not used here)."""
    net = load_module(DigitsNet(), weights).eval()
    return FeatureNetwork("digits-cnn", sha256_file(weights), DigitsNetConfig().feature_dim,
                          "none (8x8 grey, [0,1])", net, net)


def _random_shift(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    # ±1 pixel translations: the cheapest augmentation that still teaches position invariance.
    padded = F.pad(images, (1, 1, 1, 1))
    dx, dy = torch.randint(0, 3, (2,), generator=generator).tolist()
    return padded[:, :, dy:dy + 8, dx:dx + 8]


def accuracy(net: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    net.eval()
    with torch.no_grad():
        return (net(images)["logits"].argmax(1) == labels).float().mean().item()


def train(out_dir: Path, seed: int, epochs: int = 40, batch_size: int = 64, lr: float = 2e-3) -> TrainResult:
    from genbench.data.digits import load_digits

    data = load_digits("train")
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = DigitsNet()
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    for _ in range(epochs):
        net.train()
        order = torch.randperm(len(data), generator=generator)
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            batch = _random_shift(data.images[idx], generator)
            loss = F.cross_entropy(net(batch)["logits"], data.labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    weights = out_dir / "digits-cnn.safetensors"
    save_module(net, weights)
    test = load_digits("test")
    n_params = sum(p.numel() for p in net.parameters())
    return TrainResult(weights, {
        "parameters": f"{n_params:,}",
        "data": f"digits/train ({len(data):,} images); accuracy measured once on digits/test",
        "recipe": f"AdamW lr {lr}, weight decay 1e-4, cosine schedule, {epochs} epochs, batch {batch_size}, ±1 px shifts",
        "train accuracy": f"{accuracy(net, data.images, data.labels):.4f}",
        "test accuracy": f"{accuracy(net, test.images, test.labels):.4f}",
    })


RECIPE = Recipe(
    name="digits-cnn",
    seed=0,
    description="Feature network for the digits tasks: 64-d embeddings (FID, KID, PRDC) and 10-way logits.",
    train=train,
    weights_name="digits-cnn.safetensors",
)
