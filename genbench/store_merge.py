"""Runs made on different machines into one store: ``genbench store merge A B --into C``.

A run (its scores and exhibits) is identified by its id. A run already present with the very same content is left alone
(merging twice changes nothing); the same id with different content is a conflict, refused before
anything is written. All new runs land in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from genbench.errors import GenbenchError
from genbench.store import Run, Store, check_writable, write_runs


def merge_stores(sources: list[Path], into: Path) -> tuple[int, int]:
    """Copy every run of ``sources`` into ``into``; returns (runs added, runs already there)."""
    runs: dict[str, Run] = {}
    for source in sources:
        if Path(source).absolute() == Path(into).absolute():
            raise GenbenchError(f"{source} is also the target of the merge; name it once, as --into.")
        with Store(Path(source), readonly=True) as db:
            for run_id in db.run_ids():
                run = (db.run(run_id), db.run_scores(run_id), db.run_exhibits(run_id))
                if run_id in runs and _content(runs[run_id]) != _content(run):
                    raise GenbenchError(f"Run {run_id} differs between the stores being merged ({source} and an "
                                        "earlier one); nothing was merged.")
                runs[run_id] = run
    return add_new_runs(into, list(runs.values()))


def add_new_runs(path: Path, runs: list[Run]) -> tuple[int, int]:
    """Write the runs ``path`` lacks in one transaction; refuse any whose id it holds with other content."""
    check_writable(path)
    present = []
    if path.exists():
        with Store(path, readonly=True) as db:
            known = set(db.run_ids())
            for run in runs:
                run_id = run[0]["run_id"]
                if run_id in known:
                    if _content((db.run(run_id), db.run_scores(run_id), db.run_exhibits(run_id))) != _content(run):
                        raise GenbenchError(f"Store {path} already holds a different run {run_id}; "
                                            "nothing was written.")
                    present.append(run_id)
    new = [run for run in runs if run[0]["run_id"] not in present]
    if new:
        write_runs(path, new)
    return len(new), len(present)


def _content(run: Run) -> str:
    """A run's content, canonically: its row, its scores and its exhibits in a fixed order."""
    row, scores, exhibits = run
    shown = sorted([e.task, e.model, e.name, e.media_type, e.meta_json(), hashlib.sha256(e.body).hexdigest()]
                   for e in exhibits)
    return json.dumps([row, sorted(json.dumps(s.to_dict(), sort_keys=True) for s in scores), shown],
                      sort_keys=True, default=str)
