"""SSIM equals scikit-image's ``structural_similarity`` on the same arrays, for both windows genbench uses."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from genbench.data.digits import load_digits, quantize
from genbench.data.style_pairs import load_pairs
from genbench.errors import InputError
from genbench.metrics.reconstruction import SSIM_SETTINGS, SsimDefinition, ssim_per_item
from genbench.metrics.style import CONTENT_SSIM, content_ssim, luminance
from genbench.metrics.style import SSIM_SETTINGS as CONTENT_SSIM_SETTINGS


def digits_reference(preds: torch.Tensor, target: torch.Tensor) -> np.ndarray:
    """scikit-image as a user would call it on 8×8 digits: 3×3 uniform window, data range 1."""
    return np.array([structural_similarity(p[0], t[0], win_size=3, data_range=1.0)
                     for p, t in zip(preds.double().numpy(), target.double().numpy())])


def gaussian_reference(preds: torch.Tensor, target: torch.Tensor) -> np.ndarray:
    """scikit-image in Wang et al.'s setup: 11×11 Gaussian, σ 1.5, population covariance."""
    return np.array([structural_similarity(p[0], t[0], gaussian_weights=True, sigma=1.5,
                                           use_sample_covariance=False, data_range=1.0)
                     for p, t in zip(preds.double().numpy(), target.double().numpy())])


def noisy(images: torch.Tensor, sigma: float, seed: int, levels: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return quantize((images + sigma * torch.randn(images.shape, generator=generator)).clamp(0, 1), levels)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_digits_ssim_equals_scikit_image_on_random_images(seed: int):
    generator = torch.Generator().manual_seed(seed)
    target = torch.rand(40, 1, 8, 8, generator=generator, dtype=torch.float64)
    preds = (target + 0.2 * torch.randn(target.shape, generator=generator, dtype=torch.float64)).clamp(0, 1)
    np.testing.assert_allclose(ssim_per_item(preds, target), digits_reference(preds, target), rtol=0, atol=1e-6)


def test_digits_ssim_equals_scikit_image_on_the_test_digits():
    target = load_digits("test").images
    preds = noisy(target, 0.1, seed=0, levels=17)
    ours = ssim_per_item(preds, target)
    np.testing.assert_allclose(ours, digits_reference(preds, target), rtol=0, atol=1e-6)
    # Windows straddling the border are no longer averaged in: on these digits that moved the
    # mean by about 0.11, so a border-padded SSIM cannot pass for this one.
    assert ours.mean() > 0.85


@pytest.mark.parametrize("seed", [0, 1])
def test_content_ssim_equals_scikit_image_on_random_images(seed: int):
    generator = torch.Generator().manual_seed(seed)
    content = torch.rand(6, 3, 64, 64, generator=generator, dtype=torch.float64)
    output = (content + 0.3 * torch.randn(content.shape, generator=generator, dtype=torch.float64)).clamp(0, 1)
    reference = gaussian_reference(luminance(output), luminance(content))
    np.testing.assert_allclose(content_ssim(output, content), reference, rtol=0, atol=1e-6)


def test_content_ssim_equals_scikit_image_on_the_style_pairs():
    pairs = load_pairs()
    for output in (pairs.style, noisy(pairs.content, 0.1, seed=0, levels=256)):
        reference = gaussian_reference(luminance(output), luminance(pairs.content))
        np.testing.assert_allclose(content_ssim(output, pairs.content), reference, rtol=0, atol=1e-6)


def test_both_definitions_score_a_whole_task_in_well_under_a_second_or_two():
    digits = load_digits("test").images  # 450 × 8×8
    pairs = load_pairs()  # 48 × 64×64
    preds, output = noisy(digits, 0.1, seed=0, levels=17), noisy(pairs.content, 0.1, seed=0, levels=256)
    start = time.perf_counter()
    ssim_per_item(preds, digits)
    content_ssim(output, pairs.content)
    assert time.perf_counter() - start < 2.0


def test_signatures_say_which_definition_is_used():
    for settings in (SSIM_SETTINGS, CONTENT_SSIM_SETTINGS):
        assert settings["definition"] == "skimage-structural_similarity"
        assert settings["mean_over"] == "windows-inside-image" and settings["data_range"] == 1.0
    assert SSIM_SETTINGS["window"] == "uniform-3x3" and SSIM_SETTINGS["covariance"] == "sample"
    assert CONTENT_SSIM_SETTINGS["window"] == "gaussian-11-sigma-1.5"
    assert CONTENT_SSIM_SETTINGS["covariance"] == "population" and CONTENT_SSIM_SETTINGS["on"] == "luminance"
    assert CONTENT_SSIM.win_size == 11 and CONTENT_SSIM.sigma == 1.5


def test_a_gaussian_window_that_is_not_its_filters_size_is_refused():
    with pytest.raises(InputError, match="11 pixels wide, but win_size is 7"):
        SsimDefinition(win_size=7, gaussian_weights=True, use_sample_covariance=False, sigma=1.5)


def test_images_smaller_than_the_window_are_refused_by_name():
    with pytest.raises(InputError, match="3×3 window does not fit images of 2×2"):
        ssim_per_item(torch.rand(1, 1, 2, 2), torch.rand(1, 1, 2, 2))
