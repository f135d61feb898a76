"""A convolutional VAE (Kingma & Welling, 2014) for 8×8 digits.

The encoder maps an image to a diagonal Gaussian posterior q(z|x); the decoder maps a latent to
per-pixel Bernoulli logits, whose means are the images it returns. It offers ``sample`` (decode
z ~ N(0, I)) and ``reconstruct`` (decode the posterior mean: deterministic). It does not offer
``log_prob``: the ELBO is only a lower bound on the likelihood, not the exact value a task needs.
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

from .common import card_facts, data_fact, fit, load_shipped, train_images

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VAEConfig:
    z: int = 10  # latent size; small, so the prior N(0, I) is well covered and samples stay clean
    width: int = 32  # channels of the first conv; doubled at each downsampling
    epochs: int = 150
    batch_size: int = 64
    lr: float = 1e-3


def conv_encoder(w: int) -> list[nn.Module]:
    """(n, 1, 8, 8) → (n, 16w): the convolutional trunk both VAEs share."""
    return [
        nn.Conv2d(1, w, 3, padding=1), nn.ReLU(),  # (n, w, 8, 8)
        nn.Conv2d(w, 2 * w, 4, 2, 1), nn.ReLU(),  # (n, 2w, 4, 4)
        nn.Conv2d(2 * w, 4 * w, 4, 2, 1), nn.ReLU(),  # (n, 4w, 2, 2)
        nn.Flatten(),  # (n, 16w)
    ]


def conv_decoder(w: int, inputs: int) -> nn.Sequential:
    """(n, inputs) → Bernoulli logits (n, 1, 8, 8)."""
    return nn.Sequential(
        nn.Linear(inputs, 16 * w), nn.ReLU(),
        nn.Unflatten(1, (4 * w, 2, 2)),  # (n, 4w, 2, 2)
        nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1), nn.ReLU(),  # (n, 2w, 4, 4)
        nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.ReLU(),  # (n, w, 8, 8)
        nn.Conv2d(w, 1, 3, padding=1),  # (n, 1, 8, 8) Bernoulli logits
    )


class VAE(nn.Module):
    def __init__(self, config: VAEConfig = VAEConfig()):
        super().__init__()
        self.config = config
        w = config.width
        self.encoder = nn.Sequential(
            *conv_encoder(w),
            nn.Linear(16 * w, 2 * config.z),  # (n, 2z): mean and log-variance
        )
        self.decoder = conv_decoder(w, config.z)

    def posterior(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(n, 1, 8, 8) → mean and log-variance, each (n, z)."""
        mean, logvar = self.encoder(images * 2 - 1).chunk(2, dim=1)
        return mean, logvar

    def negative_elbo(self, images: torch.Tensor) -> torch.Tensor:
        """−ELBO in nats (n,), one reparameterised draw, with the [0, 1] pixels as Bernoulli targets."""
        mean, logvar = self.posterior(images)
        z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()
        recon = F.binary_cross_entropy_with_logits(self.decoder(z), images, reduction="none").flatten(1).sum(1)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        return recon + kl

    @torch.no_grad()
    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        device = next(self.parameters()).device
        mean, _ = self.posterior(images.to(device))
        return torch.sigmoid(self.decoder(mean)).clamp(0, 1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        device = next(self.parameters()).device
        z = torch.randn(n, self.config.z, generator=generator).to(device)  # drawn on CPU for the generator
        return torch.sigmoid(self.decoder(z)).clamp(0, 1)


def load(device: torch.device) -> VAE:
    return load_shipped(VAE(), RECIPE.weights_name, device)


def train(out_dir: Path, seed: int, config: VAEConfig = VAEConfig()) -> TrainResult:
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    images = train_images()
    model = VAE(config)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    steps = config.epochs * math.ceil(len(images) / config.batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    history = fit(model, images, lambda batch: model.negative_elbo(batch).mean(), config.epochs,
                  config.batch_size, order, opt, sched)
    log.info("last epoch: train −ELBO %.2f nats/image (running)", history[-1])
    with torch.no_grad():
        loss = float(model.negative_elbo(images).mean())
        recon_mse = float((model.reconstruct(images) - images).pow(2).mean())
    log.info("vae: train loss %.2f nats/image, reconstruction MSE %.4f", loss, recon_mse)
    weights = out_dir / RECIPE.weights_name
    save_module(model, weights)
    facts = card_facts(model, data_fact(images), config.epochs, config.batch_size,
                       f"Adam, cosine lr from {config.lr:g}")
    facts["latent size"] = str(config.z)
    # soft [0, 1] targets under a Bernoulli decoder: a training loss, not a likelihood on the 17-level grid
    facts["train loss (−ELBO, Bernoulli cross-entropy + KL)"] = f"{loss:.2f} nats/image; not comparable to bits/dim"
    facts["train reconstruction MSE"] = f"{recon_mse:.4f}"
    return TrainResult(weights=weights, facts=facts)


RECIPE = Recipe(
    name="vae",
    seed=0,
    description="A convolutional VAE (10-d Gaussian latent, Bernoulli decoder) trained on digits/train. "
    "Samples decode z ~ N(0, I) to the decoder's mean; reconstructions decode the posterior mean.",
    train=train,
    weights_name="vae.safetensors",
)
