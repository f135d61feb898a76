"""AdaIN arbitrary style transfer (Huang & Belongie, 2017) for 64×64 RGB patches, trained here.

An encoder E maps an image to (n, C, 16, 16) features; adaptive instance normalisation gives the
content features the style features' per-channel mean and standard deviation,

    AdaIN(c, s) = σ(s) · (c − μ(c)) / σ(c) + μ(s),

and a decoder D maps the result back to an image. Unlike the paper, E is not a pretrained VGG: it
is trained here, first with D as an autoencoder, then frozen while D learns the transfer. E is
this baseline's own network, independent of genbench's style-cnn metric network.
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
from genbench.weights import save_module

from .common import count_parameters, fit, load_shipped

log = logging.getLogger(__name__)

EPS = 1e-5  # keeps σ(c) away from zero for channels that are flat over a patch


@dataclass(frozen=True)
class AdaINConfig:
    width: int = 16  # channels of the first conv; doubled at each downsampling
    style_weight: float = 10.0  # λ in L = L_content + λ L_style
    alpha: float = 1.0  # content–style trade-off at test time: decode α·AdaIN(c, s) + (1 − α)·c
    ae_epochs: int = 6  # phase 1: encoder + decoder as an autoencoder
    epochs: int = 12  # phase 2: decoder only, encoder frozen
    batch_size: int = 32
    lr: float = 2e-3


def conv(c_in: int, c_out: int, stride: int = 1) -> nn.Conv2d:
    # reflect padding: zero padding leaves dark borders in the decoded image
    return nn.Conv2d(c_in, c_out, 3, stride, padding=1, padding_mode="reflect")


class Encoder(nn.Module):
    def __init__(self, w: int):
        super().__init__()
        self.layers = nn.ModuleList([
            nn.Sequential(conv(3, w), nn.ReLU()),  # (n, w, 64, 64)
            nn.Sequential(conv(w, 2 * w, 2), nn.ReLU()),  # (n, 2w, 32, 32)
            nn.Sequential(conv(2 * w, 4 * w, 2), nn.ReLU()),  # (n, 4w, 16, 16): the AdaIN features
        ])

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        """(n, 3, 64, 64) in [0, 1] → every layer's activations; the last is the one AdaIN uses."""
        h, out = images * 2 - 1, []
        for layer in self.layers:
            h = layer(h)
            out.append(h)
        return out


def mean_std(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(n, C, H, W) → per-channel mean and std over positions, each (n, C, 1, 1)."""
    mean = features.mean((2, 3), keepdim=True)
    std = (features.var((2, 3), keepdim=True, unbiased=False) + EPS).sqrt()
    return mean, std


def adain(content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    c_mean, c_std = mean_std(content)
    s_mean, s_std = mean_std(style)
    return s_std * (content - c_mean) / c_std + s_mean


class AdaIN(nn.Module):
    def __init__(self, config: AdaINConfig = AdaINConfig()):
        super().__init__()
        self.config = config
        w = config.width
        self.encoder = Encoder(w)
        self.decoder = nn.Sequential(  # mirrors the encoder; upsample + conv avoids checkerboards
            conv(4 * w, 2 * w), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),  # (n, 2w, 32, 32)
            conv(2 * w, w), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),  # (n, w, 64, 64)
            conv(w, 3), nn.Sigmoid(),  # (n, 3, 64, 64) in [0, 1]
        )

    def reconstruction_loss(self, images: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(self.decoder(self.encoder(images)[-1]), images)

    def transfer_loss(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """Huang & Belongie's loss: ‖E(D(t)) − t‖² plus λ × the mean/std mismatch of every encoder
        layer between E(D(t)) and E(style). The encoder is frozen, so gradients reach only D."""
        with torch.no_grad():
            style_feats = self.encoder(style)
            target = adain(self.encoder(content)[-1], style_feats[-1])  # t: (n, 4w, 16, 16)
        out_feats = self.encoder(self.decoder(target))
        content_loss = F.mse_loss(out_feats[-1], target)
        style_loss = sum(F.mse_loss(o_m, s_m) + F.mse_loss(o_s, s_s)
                         for (o_m, o_s), (s_m, s_s) in (
                             (mean_std(o), mean_std(s)) for o, s in zip(out_feats, style_feats)))
        return content_loss + self.config.style_weight * style_loss

    @torch.no_grad()
    def stylize(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """content, style: (n, 3, 64, 64) in [0, 1] on any device → (n, 3, 64, 64) in [0, 1] on
        ``content``'s device."""
        device = next(self.parameters()).device
        c = self.encoder(content.to(device))[-1]
        s = self.encoder(style.to(device))[-1]
        t = self.config.alpha * adain(c, s) + (1 - self.config.alpha) * c
        return self.decoder(t).clamp(0, 1).to(content.device)


def load(device: torch.device) -> AdaIN:
    return load_shipped(AdaIN(), RECIPE.weights_name, device)


def train(out_dir: Path, seed: int, config: AdaINConfig = AdaINConfig()) -> TrainResult:
    from genbench.data.style_pairs import training_patches

    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    images, _ = training_patches()  # (896, 3, 64, 64); never the test pairs
    model = AdaIN(config)
    steps_per_epoch = math.ceil(len(images) / config.batch_size)

    # Phase 1: encoder + decoder as an autoencoder, so E's features keep what D needs to draw.
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.ae_epochs * steps_per_epoch)
    history = fit(model, images, model.reconstruction_loss, config.ae_epochs, config.batch_size, order, opt, sched)
    log.info("adain phase 1: reconstruction MSE %.4f (running, last epoch)", history[-1])

    # Phase 2: E frozen; D learns to invert AdaIN outputs. Styles are random training patches
    # drawn from the same seeded generator, so content/style pairs are random pairs.
    model.encoder.requires_grad_(False)
    opt = torch.optim.Adam(model.decoder.parameters(), lr=config.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.epochs * steps_per_epoch)

    def loss_fn(content: torch.Tensor) -> torch.Tensor:
        style = images[torch.randint(len(images), (len(content),), generator=order)]
        return model.transfer_loss(content, style)

    history = fit(model, images, loss_fn, config.epochs, config.batch_size, order, opt, sched)
    log.info("adain phase 2: transfer loss %.4f (running, last epoch)", history[-1])
    model.encoder.requires_grad_(True)  # so a loaded module matches a fresh one

    weights = out_dir / RECIPE.weights_name
    save_module(model, weights)
    return TrainResult(weights=weights, facts={
        "parameters": f"{count_parameters(model):,}",
        "data": f"style_pairs.training_patches ({len(images)} patches, test windows excluded)",
        "epochs": f"{config.ae_epochs} (autoencoder) + {config.epochs} (decoder, encoder frozen)",
        "batch size": str(config.batch_size),
        "optimiser": f"Adam, cosine lr from {config.lr:g}, per phase",
        "style weight": f"{config.style_weight:g}",
        "alpha (test time)": f"{config.alpha:g}",
        "encoder": "trained here as an autoencoder (not VGG); independent of style-cnn",
        "final training losses": f"transfer {history[-1]:.4f}",
    })


RECIPE = Recipe(
    name="adain",
    seed=0,
    description="AdaIN arbitrary style transfer (Huang & Belongie, 2017): a 3-layer encoder trained as "
    "an autoencoder, then frozen while the decoder learns content + mean/std style losses on random "
    "pairs of style_pairs training patches.",
    train=train,
    weights_name="adain.safetensors",
)
