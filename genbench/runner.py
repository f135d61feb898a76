"""Runs one (task, source): streams output batches through the task kind's metric state, then
scores it and meters cost. The runner knows no task kind; ``genbench.kinds`` maps a task's
protocol to the plugin that evaluates it.

Outputs come from a model (``ModelSource``) or from files (``FileSource``); each kind checks
both the same way and snaps them to the task's grid before any metric sees them. Under torchrun
each rank streams the batches it owns; rank 0 joins the states and alone scores, times and
returns the scores (the other ranks return none). The same batches feed the exhibits a run
keeps of its outputs (genbench.scoring.exhibits): rank 0's, for a model or for files alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from genbench import distributed
from genbench.exhibit import Exhibit
from genbench.kinds import kind_of
from genbench.models.protocol import RemoteModel
from genbench.models.sources import FileSource, ModelSource
from genbench.score import Score
from genbench.scoring.context import Context, Progress, RunOptions, Shard, no_progress
from genbench.scoring.exhibits import ExhibitCollector

__all__ = ["RunOptions", "Progress", "Shard", "Evaluation", "evaluate", "evaluate_pair"]


@dataclass(frozen=True)
class Evaluation:
    scores: list[Score]
    exhibits: list[Exhibit] = field(default_factory=list)


def evaluate(task: object, source: ModelSource | FileSource, options: RunOptions,
             progress: Progress | None = None, shard: Shard = Shard()) -> list[Score]:
    """Every score of ``source`` on ``task``. Raises InputError on bad outputs; nothing is stored here."""
    return evaluate_pair(task, source, options, progress, shard).scores


def evaluate_pair(task: object, source: ModelSource | FileSource, options: RunOptions,
                  progress: Progress | None = None, shard: Shard = Shard()) -> Evaluation:
    """The scores of ``source`` on ``task`` and the exhibits of its first outputs (rank 0's; the
    other ranks return neither)."""
    kind = kind_of(task.protocol)
    with torch.inference_mode():  # a user's model without no_grad must not build autograd graphs
        ctx = Context(task, source, options, task.load_data(options.data), progress or no_progress, shard=shard)
        is_model = isinstance(source, ModelSource)
        remote = source.model if is_model and isinstance(source.model, RemoteModel) else None
        failure, marks = None, []
        try:
            if is_model:
                kind.check_model(ctx)
            if remote is not None:
                remote.bind(task, options.seed, len(ctx.data))
            state, collector = kind.new_state(ctx), ExhibitCollector(ctx)
            for index, batch in kind.model_outputs(ctx) if is_model else kind.file_outputs(ctx):
                state.update(batch)
                collector.add(index, batch)
                marks.append((index, {name: len(values) for name, values in state.lists().items()}))
        except Exception as exc:  # every rank must hear of it, or the others wait for this one forever
            failure = exc
        distributed.agree(shard, failure)
        joined = distributed.join(shard, state.lists(), marks)
        if joined is None:
            return Evaluation([])
        if shard.world > 1:
            state.restore(joined)
        scores = kind.scores(ctx, state)
        if is_model:
            scores += kind.model_scores(ctx, state)
            # A remote model's cost is that of the requests it sent, not of timed calls.
            scores += remote.remote_scores(ctx, kind.scorer(ctx, state)) if remote else kind.cost_scores(ctx, state)
    return Evaluation([remote.sign(s) for s in scores] if remote else scores, collector.exhibits())
