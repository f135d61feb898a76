"""The UCI digits bundled with scikit-learn: 1,797 images of 8×8 pixels, 10 classes.

Pixels hold 17 intensity levels (0…16) in the source; genbench keeps that grid and scales it
to [0, 1] (level / 16). The split is fixed and documented: a stratified 25 % test split drawn
with ``random_state=0`` over the dataset's own order, 1,347 train and 450 test images. Item ids
are the dataset's row indices (``digits-0042``), so outputs for a paired task can be named by id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Literal

import numpy as np
import torch

from genbench.data.dataset import DataOptions, spans

LEVELS = 17
IMAGE_SHAPE = (1, 8, 8)
SPLIT_SEED = 0
TEST_FRACTION = 0.25

Split = Literal["train", "test"]


@dataclass(frozen=True)
class ImageSplit:
    """Images (N, C, H, W) in [0, 1], integer labels, item ids and a content hash."""

    name: str
    images: torch.Tensor
    labels: torch.Tensor
    ids: tuple[str, ...]
    content_hash: str

    def __len__(self) -> int:
        return len(self.ids)

    def batches(self, size: int, device: torch.device | None = None) -> Iterator[ImageBatch]:
        for start, n in spans(len(self), size):
            yield ImageBatch(start, self.ids[start:start + n], self.images[start:start + n].to(device),
                             self.labels[start:start + n].to(device))


@dataclass(frozen=True)
class ImageBatch:
    start: int  # index of the first item in the split
    ids: tuple[str, ...]
    images: torch.Tensor
    labels: torch.Tensor


def content_hash(ids: tuple[str, ...], images: torch.Tensor, labels: torch.Tensor) -> str:
    """sha256 over ids, 8-bit pixels and labels: changes whenever the split's content does."""
    digest = hashlib.sha256()
    digest.update("\n".join(ids).encode())
    digest.update(to_uint8(images).numpy().tobytes())
    digest.update(labels.to(torch.int64).numpy().tobytes())
    return digest.hexdigest()


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    return (images.clamp(0, 1) * 255).round().to(torch.uint8)


def quantize(images: torch.Tensor, levels: int = LEVELS) -> torch.Tensor:
    """Snap [0, 1] intensities to the task's grid of ``levels`` values."""
    return (images.clamp(0, 1) * (levels - 1)).round() / (levels - 1)


@lru_cache(maxsize=2)
def load_digits(split: Split) -> ImageSplit:
    from sklearn.datasets import load_digits as sk_load_digits
    from sklearn.model_selection import train_test_split

    bunch = sk_load_digits()
    indices = np.arange(len(bunch.target))
    train_idx, test_idx = train_test_split(
        indices, test_size=TEST_FRACTION, stratify=bunch.target, random_state=SPLIT_SEED
    )
    chosen = np.sort(train_idx if split == "train" else test_idx)
    images = torch.from_numpy(bunch.images[chosen] / (LEVELS - 1)).float().unsqueeze(1)
    labels = torch.from_numpy(bunch.target[chosen]).long()
    ids = tuple(f"digits-{i:04d}" for i in chosen)
    return ImageSplit(f"digits/{split}", images, labels, ids, content_hash(ids, images, labels))


def load_test(options: DataOptions) -> ImageSplit:
    """The held-out split the digits tasks score against (``options`` name no location: it is bundled)."""
    return load_digits("test")
