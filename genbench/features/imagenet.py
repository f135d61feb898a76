"""The input contract the ImageNet networks share: float RGB in [0, 1] at their size, then mean/std.

Resizing is the caller's job (its policy belongs in the score's signature), so a network refuses
images of any other size instead of resizing them behind the caller's back.
"""

from __future__ import annotations

import torch

from genbench.errors import InputError

# torchvision's and DINOv2's normalisation (the ImageNet training set's channel statistics).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
PREPROCESSING = "float RGB in [0, 1] at {size}×{size} (resized by the caller), grey→RGB, ImageNet mean/std"


def normalised_rgb(images: torch.Tensor, size: int, network: str) -> torch.Tensor:
    """(N, 1 or 3, size, size) floats in [0, 1] → (N, 3, size, size), ImageNet-normalised."""
    if not images.is_floating_point():
        raise InputError(f"{network} takes float images in [0, 1], but got dtype {images.dtype}.")
    if images.dim() != 4 or images.shape[1] not in (1, 3) or tuple(images.shape[-2:]) != (size, size):
        raise InputError(f"{network} takes images of shape (N, 3, {size}, {size}) (or (N, 1, {size}, {size}) "
                         f"greyscale), resized by the caller, but got {tuple(images.shape)}.")
    rgb = images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images
    mean = torch.tensor(IMAGENET_MEAN, device=images.device, dtype=images.dtype).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=images.device, dtype=images.dtype).view(1, 3, 1, 1)
    return (rgb - mean) / std
