"""What a task's data gives an evaluator: item ids, a content hash and batches on a device.

Every dataset a task can name (the digits, the style pairs, the Bible corpus, a user's folder)
answers this one interface, so no evaluator knows which dataset it scores against. Tasks name
their data by a key in ``DATASETS``; a loader gets the run's ``DataOptions`` (where a corpus
lives) and returns the dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol, runtime_checkable

import torch

from genbench.registry import Registry


@dataclass(frozen=True)
class DataOptions:
    corpus_dir: Path | None = None  # SWORD library holding the text suite's corpus
    data_dir: Path | None = None  # folder holding the Fashion-MNIST IDX files


@runtime_checkable
class Dataset(Protocol):
    name: str
    content_hash: str  # sha256 over ids and content; goes into every signature

    @property
    def ids(self) -> tuple[str, ...]: ...

    def __len__(self) -> int: ...

    def batches(self, size: int, device: torch.device | None = None) -> Iterator[Any]:
        """Consecutive batches in item order; each has ``start`` and ``ids`` plus its content."""
        ...


def spans(total: int, size: int) -> Iterator[tuple[int, int]]:
    """(start, length) of consecutive batches of at most ``size`` covering ``total`` items."""
    for start in range(0, total, size):
        yield start, min(size, total - start)


# name → "module:attr" of ``load(options: DataOptions) -> Dataset``.
DATASETS: Registry[Callable[[DataOptions], Dataset]] = Registry("dataset", "genbench.datasets")
DATASETS.register("digits/test", "genbench.data.digits:load_test")
DATASETS.register("style/pairs", "genbench.data.style_pairs:load")
DATASETS.register("bible/test", "genbench.data.bible:load_test")
DATASETS.register("fashion/test", "genbench.data.fashion:load_test")
DATASETS.register("fashion/train", "genbench.data.fashion:load_train")


def load_dataset(name: str, options: DataOptions) -> Dataset:
    return DATASETS.get(name)(options)
