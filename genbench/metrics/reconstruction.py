"""Per-item reconstruction scores, settings chosen for tiny 8×8 images.

PSNR comes from torchmetrics. SSIM is scikit-image's ``structural_similarity`` called per image:
it averages the SSIM map over the windows that lie inside the image, as Wang et al. (2004) do.
The torchmetrics release genbench used before reflect-pads the image and averages every window,
including those that straddle the padded border (28 of the 64 positions of an 8×8 digit with a
3×3 window), which moved digits SSIM by 0.11 on average. SSIM's usual 11×11 Gaussian window is
larger than a digit, so the digits tasks use a 3×3 uniform window; the settings go into the signature.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from genbench.errors import InputError

# A perfect reconstruction has infinite PSNR, which would make the mean infinite and every
# comparison with it meaningless; per-image values are capped here (recorded in the signature).
PSNR_CAP_DB = 100.0
PSNR_SETTINGS = {"data_range": 1.0, "reduction": "per-image", "cap_db": PSNR_CAP_DB}


@dataclass(frozen=True)
class SsimDefinition:
    """The arguments genbench passes to ``skimage.metrics.structural_similarity``, all explicit."""

    win_size: int
    gaussian_weights: bool
    use_sample_covariance: bool
    sigma: float = 1.5  # read by scikit-image only with gaussian_weights
    data_range: float = 1.0
    k1: float = 0.01
    k2: float = 0.03

    def __post_init__(self) -> None:
        # scikit-image sizes a Gaussian filter from σ (radius round(3.5σ)) but crops the border by
        # win_size; a win_size that is not that filter's size would average a different set of windows.
        if self.gaussian_weights and self.win_size != 2 * int(3.5 * self.sigma + 0.5) + 1:
            raise InputError(f"A Gaussian SSIM window with sigma {self.sigma} is "
                             f"{2 * int(3.5 * self.sigma + 0.5) + 1} pixels wide, but win_size is {self.win_size}.")
        if self.win_size % 2 != 1:
            raise InputError(f"SSIM's win_size must be odd, but got {self.win_size}.")

    def settings(self) -> dict[str, object]:
        """What goes into the signature: the definition, the window and every constant."""
        window = (f"gaussian-{self.win_size}-sigma-{self.sigma:g}" if self.gaussian_weights
                  else f"uniform-{self.win_size}x{self.win_size}")
        return {"definition": "skimage-structural_similarity", "mean_over": "windows-inside-image",
                "window": window, "covariance": "sample" if self.use_sample_covariance else "population",
                "data_range": self.data_range, "k1": self.k1, "k2": self.k2}

    def per_item(self, preds: torch.Tensor, target: torch.Tensor) -> np.ndarray:
        """SSIM of each single-channel pair: (n, 1, H, W) tensors → (n,) float64."""
        a, b = _grey_arrays(preds, target, self.win_size)
        return np.array([self._one(x, y) for x, y in zip(a, b)], dtype=np.float64)

    def _one(self, x: np.ndarray, y: np.ndarray) -> float:
        from skimage.metrics import structural_similarity

        return float(structural_similarity(
            x, y, win_size=self.win_size, gaussian_weights=self.gaussian_weights, sigma=self.sigma,
            use_sample_covariance=self.use_sample_covariance, data_range=self.data_range,
            K1=self.k1, K2=self.k2))


def _grey_arrays(preds: torch.Tensor, target: torch.Tensor, win_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 1, H, W) tensors as (n, H, W) float64 arrays, with their shapes checked."""
    if preds.shape != target.shape or preds.dim() != 4 or preds.shape[1] != 1:
        raise InputError(f"SSIM needs two (n, 1, H, W) tensors of one shape, but got {tuple(preds.shape)} "
                         f"and {tuple(target.shape)}.")
    if min(preds.shape[2:]) < win_size:
        raise InputError(f"SSIM's {win_size}×{win_size} window does not fit images of "
                         f"{preds.shape[2]}×{preds.shape[3]} pixels.")
    return _as_array(preds), _as_array(target)


def _as_array(images: torch.Tensor) -> np.ndarray:
    return images.detach().to("cpu", torch.float64)[:, 0].numpy()  # (n, H, W)


# The digits' window: 3×3 uniform. Sample covariance (N/(N−1)) is scikit-image's default for it,
# so the value equals what ``structural_similarity(a, b, win_size=3, data_range=1)`` gives.
DIGITS_SSIM = SsimDefinition(win_size=3, gaussian_weights=False, use_sample_covariance=True)
SSIM_SETTINGS = DIGITS_SSIM.settings()


def psnr_per_item(preds: torch.Tensor, target: torch.Tensor) -> np.ndarray:
    from torchmetrics.functional.image import peak_signal_noise_ratio

    values = peak_signal_noise_ratio(preds.double(), target.double(), data_range=1.0,
                                     reduction="none", dim=(1, 2, 3))
    return values.clamp(max=PSNR_CAP_DB).numpy()


def ssim_per_item(preds: torch.Tensor, target: torch.Tensor) -> np.ndarray:
    """Per-image SSIM of (n, 1, 8, 8) reconstructions against their targets (DIGITS_SSIM)."""
    return DIGITS_SSIM.per_item(preds, target)
