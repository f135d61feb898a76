"""Per-item reconstruction scores (torchmetrics), settings chosen for tiny 8×8 images.

SSIM's usual 11×11 Gaussian window is larger than the image, so the digits tasks use a 3×3
uniform window; the settings go into the signature.
"""

from __future__ import annotations

import numpy as np
import torch

# A perfect reconstruction has infinite PSNR, which would make the mean infinite and every
# comparison with it meaningless; per-image values are capped here (recorded in the signature).
PSNR_CAP_DB = 100.0
PSNR_SETTINGS = {"data_range": 1.0, "reduction": "per-image", "cap_db": PSNR_CAP_DB}
SSIM_SETTINGS = {"window": "uniform-3x3", "data_range": 1.0, "k1": 0.01, "k2": 0.03}


def psnr_per_item(preds: torch.Tensor, target: torch.Tensor) -> np.ndarray:
    from torchmetrics.functional.image import peak_signal_noise_ratio

    values = peak_signal_noise_ratio(preds.double(), target.double(), data_range=1.0,
                                     reduction="none", dim=(1, 2, 3))
    return values.clamp(max=PSNR_CAP_DB).numpy()


def ssim_per_item(preds: torch.Tensor, target: torch.Tensor) -> np.ndarray:
    from torchmetrics.functional.image import structural_similarity_index_measure

    values = structural_similarity_index_measure(preds.double(), target.double(), gaussian_kernel=False,
                                                 kernel_size=3, data_range=1.0, k1=0.01, k2=0.03,
                                                 reduction="none")
    return values.numpy()
