"""A convolutional VAE (Kingma & Welling, 2014) and a conditional VAE (Sohn et al., 2015) at 28×28.

The encoder maps an image (and, for the cVAE, its label's one-hot) to a diagonal Gaussian q(z|x);
the decoder maps a latent (and the label) to per-pixel Bernoulli logits whose means are the
images returned. The VAE offers ``sample`` and ``reconstruct`` (decoding the posterior mean:
deterministic); the cVAE offers ``sample_labels``. Neither offers ``log_prob``: the ELBO bounds
the likelihood, it is not the exact value a task needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from genbench.data.fashion import N_CLASSES
from genbench.training import Recipe, TrainResult
from genbench.weights import save_module

from .common import check_labels, count_parameters, load_shipped
from .fashion_common import data_fact, onehot, train_for, train_split


@dataclass(frozen=True)
class VAEConfig:
    z: int = 16
    width: int = 32  # channels at 14×14; doubled at 7×7
    images: int = 120_000  # training budget: images seen (two epochs)
    batch_size: int = 128
    lr: float = 2e-3


class FashionVAE(nn.Module):
    """With ``n_classes`` > 0 the label's one-hot is fed to the posterior head and the decoder."""

    def __init__(self, config: VAEConfig = VAEConfig(), n_classes: int = 0):
        super().__init__()
        self.config, self.n_classes = config, n_classes
        w = config.width
        self.encoder = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1), nn.ReLU(),           # (n, w, 14, 14)
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.ReLU(),       # (n, 2w, 7, 7)
            nn.Flatten(),                                  # (n, 98w)
        )
        self.posterior_head = nn.Linear(98 * w + n_classes, 2 * config.z)  # mean and log-variance
        self.decoder = nn.Sequential(
            nn.Linear(config.z + n_classes, 98 * w), nn.ReLU(), nn.Unflatten(1, (2 * w, 7, 7)),
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.ReLU(),  # (n, w, 14, 14)
            nn.ConvTranspose2d(w, 1, 4, 2, 1),                 # (n, 1, 28, 28) Bernoulli logits
        )

    def _cond(self, h: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return h if not self.n_classes else torch.cat([h, onehot(labels).to(h.device)], 1)

    def posterior(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        mean, logvar = self.posterior_head(self._cond(self.encoder(images * 2 - 1), labels)).chunk(2, dim=1)
        return mean, logvar

    def negative_elbo(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """−ELBO in nats (n,), one reparameterised draw, the [0, 1] pixels as Bernoulli targets."""
        mean, logvar = self.posterior(images, labels)
        z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()
        logits = self.decoder(self._cond(z, labels))
        recon = F.binary_cross_entropy_with_logits(logits, images, reduction="none").flatten(1).sum(1)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        return recon + kl

    def _decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return torch.sigmoid(self.decoder(self._cond(z, labels))).clamp(0, 1)


class VAE(FashionVAE):
    @torch.no_grad()
    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        mean, _ = self.posterior(images.to(next(self.parameters()).device))
        return self._decode(mean)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        z = torch.randn(n, self.config.z, generator=generator)  # drawn on CPU for the generator
        return self._decode(z.to(next(self.parameters()).device))


class CVAE(FashionVAE):
    def __init__(self, config: VAEConfig = VAEConfig()):
        super().__init__(config, N_CLASSES)

    @torch.no_grad()
    def sample_labels(self, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        labels = check_labels(labels)
        z = torch.randn(len(labels), self.config.z, generator=generator)
        device = next(self.parameters()).device
        return self._decode(z.to(device), labels.to(device))


def load_vae(device: torch.device) -> VAE:
    return load_shipped(VAE(), VAE_RECIPE.weights_name, device)


def load_cvae(device: torch.device) -> CVAE:
    return load_shipped(CVAE(), CVAE_RECIPE.weights_name, device)


def _train(out_dir: Path, seed: int, model: FashionVAE, recipe: Recipe) -> TrainResult:
    config = model.config
    order = torch.Generator().manual_seed(seed)
    images, labels = train_split()
    conditional = model.n_classes > 0
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    total = config.images // config.batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=total + 1)

    def step(idx: torch.Tensor) -> float:
        loss = model.negative_elbo(images[idx], labels[idx] if conditional else None).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        return loss.item()

    model.train()
    steps = train_for(config.images, config.batch_size, len(images), order, step)
    model.eval()
    with torch.no_grad():
        probe = slice(0, 5000)
        loss = float(model.negative_elbo(images[probe], labels[probe] if conditional else None).mean())
    weights = out_dir / recipe.weights_name
    save_module(model, weights)
    return TrainResult(weights, {
        "parameters": f"{count_parameters(model):,}",
        "data": data_fact(images, steps * config.batch_size),
        "steps": f"{steps:,} of batch {config.batch_size}",
        "optimiser": f"Adam, one-cycle lr peak {config.lr:g}",
        "latent size": str(config.z),
        # soft [0, 1] targets under a Bernoulli decoder: a training loss, not a likelihood on the 8-bit grid
        "train loss (−ELBO, Bernoulli cross-entropy + KL, first 5,000 train images)":
            f"{loss:.1f} nats/image; not comparable to bits/dim",
    })


def train_vae(out_dir: Path, seed: int) -> TrainResult:
    torch.manual_seed(seed)
    return _train(out_dir, seed, VAE(), VAE_RECIPE)


def train_cvae(out_dir: Path, seed: int) -> TrainResult:
    torch.manual_seed(seed)
    return _train(out_dir, seed, CVAE(), CVAE_RECIPE)


VAE_RECIPE = Recipe(
    name="fashion-vae",
    seed=0,
    description="A convolutional VAE at 28×28 (16-d Gaussian latent, Bernoulli decoder) trained on fashion/train. "
    "Samples decode z ~ N(0, I) to the decoder's mean; reconstructions decode the posterior mean.",
    train=train_vae,
    weights_name="fashion-vae.safetensors",
)
CVAE_RECIPE = Recipe(
    name="fashion-cvae",
    seed=0,
    description="A conditional VAE at 28×28 (the label's one-hot fed to encoder head and decoder; 16-d latent) "
    "trained on fashion/train. It offers sample_labels.",
    train=train_cvae,
    weights_name="fashion-cvae.safetensors",
)
