"""Leaderboards: scores of one task side by side, only where their signatures match.

A *board* is a set of models whose scores can be ranked together: for every metric two models
both report, the comparability keys are equal. A model that was scored differently (other
features, other N, another task version…) starts a board of its own; boards are never merged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from genbench.metrics import METRICS
from genbench.metrics.catalog import DISPLAY_ORDER
from genbench.score import Score
from genbench.kinds import kind_of
from genbench.tasks.spec import TASKS


@dataclass
class Board:
    task: str
    primary: str
    cells: dict[tuple[str, str], Score] = field(default_factory=dict)  # (model, metric) → score

    @property
    def models(self) -> list[str]:
        return list(dict.fromkeys(m for m, _ in self.cells))

    @property
    def metrics(self) -> list[str]:
        present = {metric for _, metric in self.cells}
        return [m for m in DISPLAY_ORDER if m in present] + sorted(present - set(DISPLAY_ORDER))

    def accepts(self, model_scores: dict[str, Score]) -> bool:
        """Unavailable scores carry no value to rank, so they never split a board."""
        for (_, metric), score in self.cells.items():
            other = model_scores.get(metric)
            if other is None or not other.available or not score.available or METRICS.get(metric).per_model:
                continue
            if other.signature.key() != score.signature.key():
                return False
        return True

    def ranked_models(self) -> list[str]:
        higher = METRICS.get(self.primary).higher_is_better

        def key(model: str) -> tuple[int, float]:
            score = self.cells.get((model, self.primary))
            if score is None or score.value is None or math.isnan(score.value):
                return (1, 0.0)
            return (0, -score.value if higher else score.value)

        return sorted(self.models, key=key)

    def signatures(self) -> dict[str, str]:
        """metric → its comparability key on this board (all equal by construction, except for
        per-model metrics, whose key is shown for one model)."""
        return {metric: score.signature.key() for (_, metric), score in self.cells.items()}




# A task declared on the command line (eval --reference) is not registered: its board is ordered
# by the first of these it reports (the kinds' primary metrics).
FALLBACK_PRIMARY = ("fid", "psnr", "intra_fid_mean", "style_gram", "bleu", "bits_per_char")


def primary_metric(task: str, metrics: set[str]) -> str:
    if task in TASKS:
        return kind_of(TASKS.get(task).protocol).primary_metric
    return next((m for m in FALLBACK_PRIMARY if m in metrics), sorted(metrics)[0])


def build_boards(scores: list[Score]) -> list[Board]:
    boards: list[Board] = []
    by_task_model: dict[tuple[str, str], dict[str, Score]] = {}
    for score in scores:
        by_task_model.setdefault((score.task, score.model), {})[score.metric] = score
    for (task, model), metric_scores in sorted(by_task_model.items()):
        candidates = [b for b in boards if b.task == task and b.accepts(metric_scores)]
        if candidates:
            board = candidates[0]
        else:
            board = Board(task, primary_metric(task, set(metric_scores)))
            boards.append(board)
        for metric, score in metric_scores.items():
            board.cells[(model, metric)] = score
    return boards
