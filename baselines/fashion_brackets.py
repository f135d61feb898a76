"""The two brackets of the fashion suite, the digits brackets' classes on Fashion-MNIST.

``fashion-real-train`` is the ceiling: its samples are fashion/train images, drawn without
replacement (60,000 of them, so a 10,000-sample request never repeats one), and per class for
the conditional task. ``fashion-pixel-noise`` is the floor: each of the 784 pixels drawn
independently from its own 256-level histogram over fashion/train (add-one smoothed); it knows
where cloth tends to be but nothing about shapes, and its exact likelihood is the bits/dim floor.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from genbench.data.dataset import DataOptions
from genbench.data.fashion import IMAGE_SHAPE, LEVELS, load_fashion
from genbench.training import Recipe, TrainResult
from genbench.weights import save_module

from .brackets import PixelNoise, PixelNoiseConfig, RealTrain
from .common import count_parameters, load_shipped, mean_bits_per_dim
from .fashion_common import train_split

log = logging.getLogger(__name__)

PIXEL_NOISE_CONFIG = PixelNoiseConfig(pixels=IMAGE_SHAPE[1] * IMAGE_SHAPE[2], levels=LEVELS, image_shape=IMAGE_SHAPE)


def load_real_train(device: torch.device, data: DataOptions = DataOptions()) -> RealTrain:
    train = load_fashion("train", data.data_dir)
    return RealTrain(train.images, train.labels).to(device).eval()


def load_pixel_noise(device: torch.device) -> PixelNoise:
    return load_shipped(PixelNoise(PIXEL_NOISE_CONFIG), PIXEL_NOISE_RECIPE.weights_name, device)


def train_pixel_noise(out_dir: Path, seed: int) -> TrainResult:
    torch.manual_seed(seed)  # nothing random here; kept so every recipe starts the same way
    images, _ = train_split()
    model = PixelNoise(PIXEL_NOISE_CONFIG)
    with torch.no_grad():
        model.fit(images)
        bpd = mean_bits_per_dim(model.log_prob(images), model.config.pixels)
    log.info("fashion-pixel-noise: train %.3f bits/dim", bpd)
    weights = out_dir / PIXEL_NOISE_RECIPE.weights_name
    save_module(model, weights)
    return TrainResult(weights, {
        "parameters": f"{count_parameters(model):,}",
        "data": f"fashion/train, {len(images):,} images",
        "epochs": "— (counted, not trained: one pass of histograms)",
        "optimiser": f"none; add-{model.config.smoothing:g} smoothed counts",
        "train bits/dim": f"{bpd:.3f}",
    })


PIXEL_NOISE_RECIPE = Recipe(
    name="fashion-pixel-noise",
    seed=0,
    description="The floor bracket of the fashion suite: an independent 256-level categorical per pixel, fitted "
    "to fashion/train by add-one smoothed counts. Samples are noise with the garments' silhouette statistics.",
    train=train_pixel_noise,
    weights_name="fashion-pixel-noise.safetensors",
)
