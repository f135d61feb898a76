"""A conditional VAE (Sohn et al., 2015) for 8×8 digits, for ``images/digits-conditional``.

The same convolutional encoder and decoder as ``vae``, with the label's one-hot fed to both: the
encoder sees it beside the image's features, so q(z|x, y) need only hold what the label does not
say (slant, thickness, style), and the decoder maps (z, y) to per-pixel Bernoulli logits. It offers
``sample_labels`` (decode z ~ N(0, I) with the requested labels) and nothing else: unconditional
sampling would need a label prior, and reconstruction needs labels the reconstruct protocol lacks.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from genbench.data.digits import load_digits
from genbench.training import Recipe, TrainResult
from genbench.weights import save_module

from .common import N_CLASSES, card_facts, check_labels, data_fact, fit, load_shipped
from .vae import VAEConfig, conv_decoder, conv_encoder

log = logging.getLogger(__name__)



# The same sizes and schedule as the unconditional VAE; with the label carrying the class, the
# latent only needs the style within it.
CVAEConfig = VAEConfig


class CVAE(nn.Module):
    def __init__(self, config: CVAEConfig = CVAEConfig()):
        super().__init__()
        self.config = config
        w = config.width
        self.encoder = nn.Sequential(*conv_encoder(w))  # (n, 16w)
        self.posterior_head = nn.Linear(16 * w + N_CLASSES, 2 * config.z)  # (n, 2z): mean and log-variance
        self.decoder = conv_decoder(w, config.z + N_CLASSES)

    def posterior(self, images: torch.Tensor, onehot: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(n, 1, 8, 8) and (n, 10) → mean and log-variance of q(z|x, y), each (n, z)."""
        features = torch.cat([self.encoder(images * 2 - 1), onehot], dim=1)  # (n, 16w + 10)
        mean, logvar = self.posterior_head(features).chunk(2, dim=1)
        return mean, logvar

    def decode(self, z: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
        """(n, z) and (n, 10) → Bernoulli logits (n, 1, 8, 8)."""
        return self.decoder(torch.cat([z, onehot], dim=1))

    def negative_elbo(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """−ELBO of log p(x|y) in nats (n,), one reparameterised draw, [0, 1] pixels as Bernoulli targets."""
        onehot = F.one_hot(labels, N_CLASSES).float()  # (n, 10)
        mean, logvar = self.posterior(images, onehot)
        z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()
        recon = F.binary_cross_entropy_with_logits(self.decode(z, onehot), images, reduction="none").flatten(1).sum(1)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        return recon + kl

    @torch.no_grad()
    def sample_labels(self, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """One image (n, 1, 8, 8) in [0, 1] per requested label (n,) in 0…9; ``generator`` is a CPU generator."""
        labels = check_labels(labels)
        device = next(self.parameters()).device
        z = torch.randn(len(labels), self.config.z, generator=generator).to(device)  # drawn on CPU for the generator
        onehot = F.one_hot(labels, N_CLASSES).float().to(device)  # (n, 10)
        return torch.sigmoid(self.decode(z, onehot)).clamp(0, 1)


def load(device: torch.device) -> CVAE:
    return load_shipped(CVAE(), RECIPE.weights_name, device)


def train(out_dir: Path, seed: int, config: CVAEConfig = CVAEConfig()) -> TrainResult:
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    data = load_digits("train")  # never the test split
    images, labels = data.images, data.labels
    model = CVAE(config)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    steps = config.epochs * math.ceil(len(images) / config.batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    # fit shuffles one tensor; shuffling row indices keeps each image with its label
    rows = torch.arange(len(images))
    history = fit(model, rows, lambda idx: model.negative_elbo(images[idx], labels[idx]).mean(),
                  config.epochs, config.batch_size, order, opt, sched)
    log.info("last epoch: train −ELBO %.2f nats/image (running)", history[-1])
    with torch.no_grad():
        loss = float(model.negative_elbo(images, labels).mean())
    log.info("cvae: train loss %.2f nats/image", loss)
    weights = out_dir / RECIPE.weights_name
    save_module(model, weights)
    facts = card_facts(model, data_fact(images), config.epochs, config.batch_size,
                       f"Adam, cosine lr from {config.lr:g}")
    facts["parameters"] += " (encoder is shipped but unused by sample_labels)"
    facts["latent size"] = str(config.z)
    facts["conditioning"] = "label one-hot concatenated to the encoder's features and to the decoder's latent"
    # soft [0, 1] targets under a Bernoulli decoder: a training loss, not a likelihood on the 17-level grid
    facts["train loss (−ELBO of p(x|y), Bernoulli cross-entropy + KL)"] = (
        f"{loss:.2f} nats/image; not comparable to bits/dim")
    return TrainResult(weights=weights, facts=facts)


RECIPE = Recipe(
    name="cvae",
    seed=0,
    description="A conditional convolutional VAE (10-d Gaussian latent, Bernoulli decoder, label one-hot "
    "fed to encoder and decoder) trained on digits/train with its labels. Samples decode z ~ N(0, I) "
    "with the requested label to the decoder's mean.",
    train=train,
    weights_name="cvae.safetensors",
)
