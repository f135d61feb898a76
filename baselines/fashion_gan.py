"""DCGAN (Radford et al., 2016) and its class-conditional twin at 28×28, for the fashion suite.

The generator lifts a Gaussian latent (with the class's one-hot appended, for the cGAN) to a 7×7
map and doubles it twice with transposed convolutions; the discriminator mirrors it with strided
convolutions, and the cGAN's adds a projection term (Miyato & Koyama, 2018): the class embedding's
dot product with the pooled features. Only generators ship. Training is the non-saturating loss
with an R1 penalty on real images dequantized within their 8-bit level.
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
from .fashion_common import data_fact, dequantize, onehot, train_for, train_split


@dataclass(frozen=True)
class GANConfig:
    z: int = 64
    width: int = 16  # channels at 28×28; doubled at 14×14 and again at 7×7
    images: int = 48_000  # training budget: images seen (0.8 epoch)
    batch_size: int = 64
    lr: float = 5e-4
    betas: tuple[float, float] = (0.5, 0.999)
    r1: float = 1.0


class Generator(nn.Module):
    def __init__(self, config: GANConfig, n_classes: int = 0):
        super().__init__()
        w = config.width
        self.net = nn.Sequential(
            nn.Linear(config.z + n_classes, 4 * w * 49, bias=False), nn.Unflatten(1, (4 * w, 7, 7)),
            nn.BatchNorm2d(4 * w), nn.ReLU(),                                                   # (n, 4w, 7, 7)
            nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),  # (n, 2w, 14, 14)
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),  # (n, w, 28, 28)
            nn.Conv2d(w, 1, 3, padding=1),                                                      # (n, 1, 28, 28)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(z))


class Discriminator(nn.Module):
    def __init__(self, config: GANConfig, n_classes: int = 0):
        super().__init__()
        w = config.width
        self.trunk = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2),          # (n, w, 14, 14)
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2),      # (n, 2w, 7, 7)
            nn.Conv2d(2 * w, 4 * w, 3, 1, 1), nn.LeakyReLU(0.2),  # (n, 4w, 7, 7)
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),                # (n, 4w)
        )
        self.out = nn.Linear(4 * w, 1)
        self.embed = nn.Embedding(n_classes, 4 * w) if n_classes else None

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.trunk(images * 2 - 1)
        score = self.out(h)[:, 0]
        return score if self.embed is None else score + (self.embed(labels) * h).sum(1)


class FashionDCGAN(nn.Module):
    def __init__(self, config: GANConfig = GANConfig()):
        super().__init__()
        self.config = config
        self.generator = Generator(config)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        device = next(self.parameters()).device
        z = torch.randn(n, self.config.z, generator=generator).to(device)  # drawn on CPU for the generator
        return self.generator(z).clamp(0, 1)


class FashionCGAN(nn.Module):
    def __init__(self, config: GANConfig = GANConfig()):
        super().__init__()
        self.config = config
        self.generator = Generator(config, N_CLASSES)

    @torch.no_grad()
    def sample_labels(self, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        labels = check_labels(labels)
        device = next(self.parameters()).device
        z = torch.randn(len(labels), self.config.z, generator=generator)
        return self.generator(torch.cat([z, onehot(labels)], 1).to(device)).clamp(0, 1)


def load_dcgan(device: torch.device) -> FashionDCGAN:
    return load_shipped(FashionDCGAN(), DCGAN_RECIPE.weights_name, device)


def load_cgan(device: torch.device) -> FashionCGAN:
    return load_shipped(FashionCGAN(), CGAN_RECIPE.weights_name, device)


def _train(out_dir: Path, seed: int, conditional: bool, recipe: Recipe, config: GANConfig = GANConfig()
           ) -> TrainResult:
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    images, labels = train_split()
    model = FashionCGAN(config) if conditional else FashionDCGAN(config)
    critic = Discriminator(config, N_CLASSES if conditional else 0)
    opt_g = torch.optim.Adam(model.parameters(), lr=config.lr, betas=config.betas)
    opt_d = torch.optim.Adam(critic.parameters(), lr=config.lr, betas=config.betas)

    def step(idx: torch.Tensor) -> float:
        real, y = images[idx], labels[idx] if conditional else None
        z = torch.randn(len(idx), config.z)
        fake = model.generator(torch.cat([z, onehot(y)], 1) if conditional else z)
        real = dequantize(real).requires_grad_(True)
        score_real = critic(real, y)
        (grad,) = torch.autograd.grad(score_real.sum(), real, create_graph=True)
        r1 = grad.pow(2).flatten(1).sum(1).mean()  # R1 keeps D flat on the data, so it cannot overshoot
        loss_d = F.softplus(-score_real).mean() + F.softplus(critic(fake.detach(), y)).mean() + 0.5 * config.r1 * r1
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        loss_g = F.softplus(-critic(fake, y)).mean()  # non-saturating −log D(G(z))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        return loss_g.item()

    model.train()
    steps = train_for(config.images, config.batch_size, len(images), order, step)
    model.eval()
    weights = out_dir / recipe.weights_name
    save_module(model, weights)
    return TrainResult(weights, {
        "parameters": f"{count_parameters(model):,} (generator; shipped)",
        "discriminator parameters": f"{count_parameters(critic):,} (training only; not shipped)",
        "data": data_fact(images, steps * config.batch_size),
        "steps": f"{steps:,} of batch {config.batch_size}",
        "optimiser": f"Adam, lr {config.lr:g}, betas {config.betas} (G and D)",
        "latent size": str(config.z),
        "loss": f"non-saturating GAN loss{', projection discriminator' if conditional else ''}, "
                f"R1 penalty {config.r1:g} on real images dequantized within their 8-bit level",
    })


def train_dcgan(out_dir: Path, seed: int) -> TrainResult:
    return _train(out_dir, seed, False, DCGAN_RECIPE)


def train_cgan(out_dir: Path, seed: int) -> TrainResult:
    return _train(out_dir, seed, True, CGAN_RECIPE)


DCGAN_RECIPE = Recipe(
    name="fashion-dcgan",
    seed=0,
    description="A DCGAN at 28×28 (transposed-conv generator from a 64-d Gaussian latent, strided-conv "
    "discriminator) trained on fashion/train. Only the generator is shipped; it offers sampling.",
    train=train_dcgan,
    weights_name="fashion-dcgan.safetensors",
)
CGAN_RECIPE = Recipe(
    name="fashion-cgan",
    seed=0,
    description="A class-conditional DCGAN at 28×28 (one-hot label appended to the latent; projection "
    "discriminator) trained on fashion/train. Only the generator is shipped; it offers sample_labels.",
    train=train_cgan,
    weights_name="fashion-cgan.safetensors",
)
