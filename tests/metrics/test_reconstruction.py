"""PSNR is pinned to scikit-image; SSIM keeps its defining properties on 8×8 images."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.metrics import peak_signal_noise_ratio

from genbench.metrics.reconstruction import PSNR_CAP_DB, psnr_per_item, ssim_per_item


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), sigma=st.floats(0.01, 0.5))
def test_psnr_equals_scikit_image_on_the_same_pairs(seed: int, sigma: float):
    rng = np.random.default_rng(seed)
    target = rng.integers(0, 17, size=(6, 1, 8, 8)) / 16
    preds = np.clip(target + rng.normal(0, sigma, target.shape), 0, 1)
    ours = psnr_per_item(torch.from_numpy(preds), torch.from_numpy(target))
    reference = [peak_signal_noise_ratio(t, p, data_range=1.0) for t, p in zip(target, preds)]
    # torchmetrics carries data_range in float32, hence 1e-6 rather than 1e-12.
    np.testing.assert_allclose(ours, reference, rtol=1e-6)


def test_ssim_of_identical_images_is_one():
    images = torch.rand(5, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(ssim_per_item(images, images), 1.0, atol=1e-12)


def test_ssim_falls_with_noise():
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(20, 1, 8, 8, generator=generator)
    values = [ssim_per_item((images + s * torch.randn(images.shape, generator=generator)).clamp(0, 1), images).mean()
              for s in (0.0, 0.1, 0.3)]
    assert values[0] > values[1] > values[2]


def test_psnr_of_identical_images_is_capped_not_infinite():
    images = torch.rand(2, 1, 8, 8)
    assert (psnr_per_item(images, images) == PSNR_CAP_DB).all()
