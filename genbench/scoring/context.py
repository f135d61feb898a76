"""The options of a run and the context one (task, source) is evaluated in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

import torch

from genbench.data.dataset import DataOptions, Dataset
from genbench.metrics.cost import CostSettings
from genbench.models.sources import FileSource, ModelSource

Progress = Callable[[str, int, int], None]  # (step, done, total)
T = TypeVar("T")


@dataclass(frozen=True)
class Shard:
    """This process's part of a task's work: batch ``i`` belongs to rank ``i % world``. Whole
    batches, never padded (padding with repeats would change FID), and each batch's randomness
    comes from its own position, so any number of ranks draws the very same samples."""

    rank: int = 0
    world: int = 1

    def owns(self, index: int) -> bool:
        return index % self.world == self.rank


def no_progress(step: str, done: int, total: int) -> None:
    """The progress callback when nobody is watching."""


@dataclass(frozen=True)
class RunOptions:
    seed: int = 0
    features: str | None = None  # override the task's embedding network
    weights_dir: Path | None = None
    corpus_dir: Path | None = None  # SWORD library holding the text suite's corpus
    data_dir: Path | None = None  # folder holding the Fashion-MNIST IDX files
    cost: CostSettings = field(default_factory=CostSettings)
    # Where feature networks, LPIPS and the sentence embedder run (a model runs on its own device).
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def data(self) -> DataOptions:
        return DataOptions(corpus_dir=self.corpus_dir, data_dir=self.data_dir)


@dataclass(frozen=True)
class Context:
    """One (task, source) under evaluation: what a task kind reads, never a global."""

    task: Any  # the task's frozen spec (genbench.tasks.spec)
    source: ModelSource | FileSource
    options: RunOptions
    data: Dataset
    progress: Progress = no_progress
    # What a kind keeps between its steps for this one evaluation (the samples it opened …).
    scratch: dict[str, Any] = field(default_factory=dict)
    shard: Shard = field(default_factory=Shard)

    def owned(self, batches: Iterable[T]) -> Iterator[tuple[int, T]]:
        """(index, batch) for the batches this process works on, in order."""
        for index, batch in enumerate(batches):
            if self.shard.owns(index):
                yield index, batch

    @property
    def who(self) -> str:
        """How messages name the source."""
        return f"Model {self.source.label!r}"

    def calling(self, method: str, during: str = "") -> str:
        """How messages name one call of the model: ``Model 'vae' reconstruct() (batch of 1, timing cost)``."""
        return f"{self.who} {method}()" + (f" ({during})" if during else "")

    @property
    def model(self) -> ModelSource:
        if not isinstance(self.source, ModelSource):
            raise TypeError(f"{self.source.label!r} is a file source; only models are called")
        return self.source
