"""A class-conditional DCGAN for 8×8 digits, for ``images/digits-conditional``.

The generator is ``dcgan``'s, fed the Gaussian latent concatenated with a learned label embedding.
The discriminator is a projection discriminator (Miyato & Koyama, 2018): strided convolutions give
features φ(x), and the score is w·φ(x) + e(y)·φ(x), so it judges "is this a real image of class
y" with one inner product rather than a second input path. Training reuses ``dcgan``'s recipe: the
non-saturating loss, its Adam settings, an R1 penalty and dequantized real images. Only the
generator ships, and it offers ``sample_labels`` alone (no unconditional ``sample``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn

from genbench.data.digits import load_digits
from genbench.training import Recipe, TrainResult
from genbench.weights import save_module

from .common import N_CLASSES, card_facts, check_labels, count_parameters, data_fact, load_shipped, minibatches
from .dcgan import DCGANConfig, Generator, adversarial_step

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CGANConfig:
    z: int = 32  # latent size
    embed: int = 16  # size of the label embedding concatenated to the latent
    width: int = 32  # channels at 8×8; doubled at 4×4 and again at 2×2
    epochs: int = 150
    batch_size: int = 64
    lr: float = DCGANConfig.lr  # dcgan's settings, which train stably on these digits
    betas: tuple[float, float] = DCGANConfig.betas
    r1: float = DCGANConfig.r1  # R1 gradient penalty on real images; without it G collapses to a few digits


class ProjectionDiscriminator(nn.Module):
    def __init__(self, config: CGANConfig):
        super().__init__()
        w = config.width
        self.body = nn.Sequential(
            nn.Conv2d(1, w, 3, padding=1), nn.LeakyReLU(0.2),  # (n, w, 8, 8)
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2),  # (n, 2w, 4, 4)
            nn.Conv2d(2 * w, 4 * w, 4, 2, 1), nn.LeakyReLU(0.2),  # (n, 4w, 2, 2)
            nn.Flatten(),  # (n, 16w) = φ(x)
        )
        self.unconditional = nn.Linear(16 * w, 1)  # w·φ(x) + b: real vs fake, whatever the class
        self.projection = nn.Embedding(N_CLASSES, 16 * w)  # e(y): the class's direction in feature space

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        features = self.body(images * 2 - 1)  # (n, 16w)
        return self.unconditional(features)[:, 0] + (self.projection(labels) * features).sum(1)  # (n,) logits


class CGAN(nn.Module):
    """The shipped model: the label embedding and the generator."""

    def __init__(self, config: CGANConfig = CGANConfig()):
        super().__init__()
        self.config = config
        self.label_embedding = nn.Embedding(N_CLASSES, config.embed)
        # dcgan's generator, whose input is the latent and the embedding side by side
        self.generator = Generator(DCGANConfig(z=config.z + config.embed, width=config.width))

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """(n, z) latents and (n,) labels → images (n, 1, 8, 8) in [0, 1]."""
        return self.generator(torch.cat([z, self.label_embedding(labels)], dim=1))

    @torch.no_grad()
    def sample_labels(self, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """One image (n, 1, 8, 8) in [0, 1] per requested label (n,) in 0…9; ``generator`` is a CPU generator."""
        labels = check_labels(labels)
        device = next(self.parameters()).device
        z = torch.randn(len(labels), self.config.z, generator=generator).to(device)  # drawn on CPU for the generator
        return self(z, labels.to(device)).clamp(0, 1)


def load(device: torch.device) -> CGAN:
    return load_shipped(CGAN(), RECIPE.weights_name, device)


def train(out_dir: Path, seed: int, config: CGANConfig = CGANConfig()) -> TrainResult:
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    data = load_digits("train")  # never the test split
    images, labels = data.images, data.labels
    model, critic = CGAN(config), ProjectionDiscriminator(config)
    opt_g = torch.optim.Adam(model.parameters(), lr=config.lr, betas=config.betas)
    opt_d = torch.optim.Adam(critic.parameters(), lr=config.lr, betas=config.betas)
    for epoch in range(config.epochs):
        model.train()
        sums = torch.zeros(2)
        for idx in minibatches(torch.arange(len(images)), config.batch_size, order):  # rows keep images with labels
            n, y = len(idx), labels[idx]
            # fakes of the batch's own labels, so each class is asked for as often as it occurs in the data
            fake = model(torch.randn(n, config.z), y)
            step = adversarial_step(lambda x, y=y: critic(x, y), images[idx], fake, opt_d, opt_g, config.r1)
            sums += step * n
        if (epoch + 1) % 25 == 0:
            d, g = (sums / len(images)).tolist()
            log.info("epoch %d: D loss %.3f, G loss %.3f", epoch + 1, d, g)
    model.eval()
    weights = out_dir / RECIPE.weights_name
    save_module(model, weights)
    optimiser = f"Adam, lr {config.lr:g}, betas {config.betas} (G and D)"
    facts = card_facts(model, data_fact(images), config.epochs, config.batch_size, optimiser)
    facts["parameters"] += " (generator and label embedding; shipped)"
    facts["discriminator parameters"] = f"{count_parameters(critic):,} (training only; not shipped)"
    facts["latent size"] = f"{config.z}, plus a {config.embed}-d label embedding"
    facts["discriminator"] = "projection: w·φ(x) + e(y)·φ(x)"
    facts["loss"] = f"non-saturating GAN loss, R1 penalty {config.r1:g} on real images dequantized within their level"
    return TrainResult(weights=weights, facts=facts)


RECIPE = Recipe(
    name="cgan",
    seed=0,
    description="A class-conditional DCGAN (dcgan's generator fed a 32-d Gaussian latent and a 16-d label "
    "embedding; a projection discriminator) trained on digits/train with its labels. Only the generator "
    "is shipped; it samples images of requested labels.",
    train=train,
    weights_name="cgan.safetensors",
)
