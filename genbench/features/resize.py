"""How a user's images of any size reach a feature network's input size: an explicit, recorded policy.

- ``clean`` (the default; clean-fid's "clean" resize, Parmar et al. 2022): each channel resized
  on its float values with Pillow's bicubic filter and clipped to [0, 255], with no rounding back
  to 8 bits. Pillow's filter is a properly antialiased one, which is the point: torch's and
  TensorFlow 1's bilinear resizes alias when shrinking.
- ``torch-fidelity``: torch-fidelity's TensorFlow-1-compatible bilinear resize, for scores
  comparable with ``fidelity --fid``. Inception's torch-fidelity extractor does this resize
  itself, so under this policy inception gets the 8-bit images at their own size, exactly as
  torch-fidelity feeds them.

A network that takes 8-bit input (torch-fidelity's Inception) receives the clean resize rounded
to 8 bits; its signature's preprocessing says so. The policy, the target size and that rounding
go into every signature (``pre:rgb-clean-bicubic-299`` …).
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from genbench.errors import InputError

POLICIES = ("clean", "torch-fidelity")


def check_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise InputError(f"--resize {policy!r}: must be one of {', '.join(POLICIES)}.")
    return policy


def describe(policy: str, size: int | None, network_resizes: bool, eight_bit_input: bool) -> str:
    """The preprocessing as a signature records it."""
    if policy == "torch-fidelity" and network_resizes:
        return "rgb-8bit-native-size-torch-fidelity-resize-in-network"
    method = "clean-pil-bicubic-float" if policy == "clean" else "torch-fidelity-bilinear-tf1"
    return f"rgb-{method}-{size}" + ("-then-8bit" if eight_bit_input else "")


def clean_resize(image: np.ndarray, size: int) -> np.ndarray:
    """(H, W, 3) uint8 → (size, size, 3) float32 in [0, 255]: per channel, bicubic on floats, clipped."""
    from PIL import Image

    channels = [np.asarray(Image.fromarray(image[:, :, c].astype(np.float32), mode="F")
                           .resize((size, size), resample=Image.Resampling.BICUBIC)) for c in range(3)]
    return np.clip(np.stack(channels, axis=2), 0, 255)


def torch_fidelity_resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """(N, 3, H, W) float in [0, 255] → (N, 3, size, size), as torch-fidelity's Inception resizes."""
    from torch_fidelity.interpolate_compat_tensorflow import interpolate_bilinear_2d_like_tensorflow1x

    return interpolate_bilinear_2d_like_tensorflow1x(images, size=(size, size), align_corners=False)


def network_inputs(images: list[np.ndarray], policy: str, size: int | None) -> Iterator[torch.Tensor]:
    """Float tensors in [0, 1], (n, 3, S, S), in image order. With ``size`` None (the network
    resizes itself) images keep their size and consecutive images of one size share a tensor."""
    if not images:
        return
    if size is None:
        for group in _same_size_runs(images):
            yield torch.from_numpy(np.stack(group)).permute(0, 3, 1, 2).float() / 255
        return
    if policy == "clean":
        yield torch.from_numpy(np.stack([clean_resize(im, size) for im in images])).permute(0, 3, 1, 2) / 255
        return
    for group in _same_size_runs(images):
        x = torch.from_numpy(np.stack(group)).permute(0, 3, 1, 2).float()
        yield torch_fidelity_resize(x, size) / 255


def _same_size_runs(images: list[np.ndarray]) -> Iterator[list[np.ndarray]]:
    run: list[np.ndarray] = []
    for image in images:
        if run and image.shape != run[0].shape:
            yield run
            run = []
        run.append(image)
    if run:
        yield run
