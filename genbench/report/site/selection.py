"""Which stored scores a report shows: the latest per (task, model) for a suite or a task, or the
scores of named runs; the provenance of every run they come from, and the exhibits (output grids,
translations) each row's run stored."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genbench.errors import GenbenchError
from genbench.exhibit import Exhibit
from genbench.score import Score
from genbench.store import Store
from genbench.tasks.spec import TASKS, suite_tasks


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    created_at: str
    command: str
    seed: int
    config_hash: str
    provenance: dict[str, Any]


@dataclass(frozen=True)
class Selection:
    scores: list[Score]
    run_of: dict[tuple[str, str], str]  # (task, model) → the run its row comes from
    runs: dict[str, RunInfo]
    exhibits: dict[tuple[str, str], list[Exhibit]]  # (task, model) → what its row's run stored, by name

    def run_for(self, task: str, model: str) -> RunInfo:
        return self.runs[self.run_of[(task, model)]]


def select(store: Path, suite: str | None = None, task: str | None = None,
           run_ids: tuple[str, ...] = ()) -> Selection:
    """The scores to report. With ``run_ids`` only those runs' scores (two runs scoring the same
    (task, model) are refused: a row never mixes runs); else the latest per (task, model), limited
    to ``suite`` or ``task`` when given."""
    if sum(bool(x) for x in (suite, task, run_ids)) > 1:
        raise GenbenchError("Pass one of --suite, --task or --run, not several.")
    with Store(Path(store), readonly=True) as db:
        pairs: list[tuple[Score, str]] = []
        if run_ids:
            owner: dict[tuple[str, str], str] = {}
            for run_id in dict.fromkeys(run_ids):
                for score in db.run_scores(run_id):
                    key = (score.task, score.model)
                    if owner.setdefault(key, run_id) != run_id:
                        raise GenbenchError(f"Runs {owner[key]} and {run_id} both scored {score.model!r} on "
                                            f"{score.task}; a report row shows one run. Name only one of them.")
                    pairs.append((score, run_id))
        else:
            tasks = [TASKS.get(task).name] if task else [t.name for t in suite_tasks(suite)] if suite else None
            pairs = [(s.score, s.run_id) for s in db.latest_scores(tasks)]
        if not pairs:
            raise GenbenchError(f"Store {store} has no scores for {task or suite or 'any task'}.")
        run_of = {(s.task, s.model): run_id for s, run_id in pairs}
        infos = sorted((_run_info(db.run(run_id)) for run_id in set(run_of.values())),
                       key=lambda r: (r.created_at, r.run_id))
        runs = {r.run_id: r for r in infos}
        exhibits: dict[tuple[str, str], list[Exhibit]] = {}
        for run_id in runs:
            for exhibit in db.run_exhibits(run_id):
                if run_of.get((exhibit.task, exhibit.model)) == run_id:
                    exhibits.setdefault((exhibit.task, exhibit.model), []).append(exhibit)
    return Selection([s for s, _ in pairs], run_of, runs, exhibits)


def _run_info(row: dict[str, Any]) -> RunInfo:
    provenance = row["provenance"] if isinstance(row["provenance"], dict) else {}
    return RunInfo(row["run_id"], row["created_at"], row["command"], int(row["seed"]), row["config_hash"], provenance)
