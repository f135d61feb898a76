"""The interface every task kind implements; the runner streams batches through it and knows no kind.

A kind says what it needs from a model (``capability``), how its outputs are produced (model
calls or files, checked), which metric state the outputs update, how that state becomes scores,
and which model call its cost is measured on. States hand over what they accumulated as lists,
so the shards of a task (torchrun ranks) combine into the very scores one pass would give.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Iterator, Protocol

from genbench.errors import InputError
from genbench.models.protocol import capabilities
from genbench.score import Score
from genbench.scoring.context import Context
from genbench.scoring.cost_step import CostCall, cost_scores
from genbench.scoring.scorer import Scorer


class MetricState(Protocol):
    def update(self, batch: Any) -> None:
        """Fold one batch of checked outputs into the state."""
        ...

    def lists(self) -> dict[str, list]:
        """What the state accumulated, as lists in arrival order (a rank sends them to rank 0)."""
        ...

    def restore(self, lists: dict[str, list]) -> None:
        """Take the lists of every shard, put back in item order, as if one pass had made them."""
        ...


class TaskKind(ABC):
    protocol: ClassVar[str]  # the name task specs use
    capability: ClassVar[str]  # what a model must offer (genbench.models.protocol)
    request: ClassVar[str]  # the call, as messages show it
    primary_metric: ClassVar[str]  # what a board of this kind is ordered by

    def check_model(self, ctx: Context) -> None:
        if self.capability not in capabilities(ctx.model.model):
            raise InputError(f"{ctx.who} cannot answer task {ctx.task.name}, which needs {self.request}.")

    @abstractmethod
    def new_state(self, ctx: Context) -> MetricState:
        """An empty state (loading whatever the scores are measured against)."""

    @abstractmethod
    def model_outputs(self, ctx: Context) -> Iterator[tuple[int, Any]]:
        """(batch index, checked batch) of the model's outputs, in item order, for the batches
        ``ctx.owned`` gives this process (a batch's randomness: genbench.scoring.randomness)."""

    @abstractmethod
    def file_outputs(self, ctx: Context) -> Iterator[tuple[int, Any]]:
        """(batch index, checked batch) of outputs read from the files a FileSource names, as above."""

    @abstractmethod
    def scores(self, ctx: Context, state: Any) -> list[Score]:
        """Quality scores from the full state."""

    def model_scores(self, ctx: Context, state: Any) -> list[Score]:
        """Scores that need the model itself (likelihood, sampled diversity); none by default."""
        return []

    def scorer(self, ctx: Context, state: Any) -> Scorer:
        """The score builder: N is the number of items of the task's data unless a kind says otherwise."""
        return Scorer(ctx.task, ctx.source.label, len(ctx.data), ctx.options.seed, ctx.data.content_hash)

    def cost_call(self, ctx: Context) -> CostCall | None:
        """The model call that cost is timed on, or None where no cost is measured."""
        return None

    def cost_scores(self, ctx: Context, state: Any) -> list[Score]:
        call = self.cost_call(ctx)
        return [] if call is None else cost_scores(ctx, self.scorer(ctx, state), call)
