"""The results database: runs with their provenance, and the scores they own.

SQLite by default (``--store`` or ``$GENBENCH_STORE``, else ``genbench-results.sqlite`` in the
working directory). A run and all its scores are written in one transaction, so an interrupted
or failed run leaves nothing behind. The schema carries a version number.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from genbench.errors import GenbenchError
from genbench.score import Score, as_items
from genbench.signature import Signature

SCHEMA_VERSION = 1
STORE_ENV = "GENBENCH_STORE"
DEFAULT_STORE = "genbench-results.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    command TEXT NOT NULL,
    seed INTEGER NOT NULL,
    config_hash TEXT NOT NULL,
    provenance TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scores (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    task TEXT NOT NULL,
    model TEXT NOT NULL,
    metric TEXT NOT NULL,
    value REAL,
    ci_low REAL,
    ci_high REAL,
    n INTEGER NOT NULL,
    higher_is_better INTEGER NOT NULL,
    unit TEXT NOT NULL,
    interval_method TEXT NOT NULL,
    unavailable_reason TEXT,
    signature TEXT NOT NULL,
    signature_key TEXT NOT NULL,
    signature_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS scores_by_task ON scores(task, model, metric);
CREATE TABLE IF NOT EXISTS score_items (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    task TEXT NOT NULL,
    model TEXT NOT NULL,
    metric TEXT NOT NULL,
    items TEXT NOT NULL  -- JSON list of per-item values in the task's item order
);
"""


@dataclass(frozen=True)
class StoredScore:
    score: Score
    run_id: str
    created_at: str


def store_path(explicit: Path | None = None) -> Path:
    if explicit is not None:
        return Path(explicit)
    return Path(os.environ.get(STORE_ENV, DEFAULT_STORE))


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_file():
            raise GenbenchError(f"Store {self.path} is not a file.")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        try:
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables and "meta" not in tables:
                raise GenbenchError(f"Store {self.path} is an SQLite database of something else "
                                    f"(tables: {', '.join(sorted(tables))}); genbench will not write into it.")
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise GenbenchError(f"Store {self.path} is not a genbench SQLite database: {exc}") from exc
        except GenbenchError:
            self._db.close()
            raise
        if row is None:
            with self._db:
                self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            self._db.close()
            raise GenbenchError(f"Store {self.path} has schema version {row[0]}; this genbench reads "
                                f"version {SCHEMA_VERSION}. Use a matching genbench release or a new store.")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_run(self, command: str, seed: int, config_hash: str, provenance: dict[str, Any],
                scores: Iterable[Score]) -> str:
        """Write a run and its scores in one transaction; returns the run id."""
        run_id = uuid.uuid4().hex[:12]
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        scores = list(scores)
        rows = [(run_id, s.task, s.model, s.metric, s.value, s.ci_low, s.ci_high, s.n, int(s.higher_is_better),
                 s.unit, s.interval_method, s.unavailable_reason, s.signature.render(), s.signature.key(),
                 s.signature.to_json()) for s in scores]
        with self._db:  # commits on success, rolls back on any error
            self._db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                             (run_id, now, command, seed, config_hash, json.dumps(provenance, sort_keys=True)))
            if rows:
                self._db.executemany(f"INSERT INTO scores VALUES ({', '.join('?' * len(rows[0]))})", rows)
            self._db.executemany("INSERT INTO score_items VALUES (?, ?, ?, ?, ?)",
                                 [(run_id, s.task, s.model, s.metric, json.dumps(list(s.items)))
                                  for s in scores if s.items is not None])
        return run_id

    def latest_scores(self, tasks: Iterable[str] | None = None) -> list[StoredScore]:
        """For each (task, model), every score of the newest run that scored it: a row never
        mixes runs (a CPU run's memory beside a GPU run's, a vendor's quality beside a model's cost)."""
        query = """
            SELECT s.*, r.created_at FROM scores s JOIN runs r USING (run_id)
            WHERE r.rowid = (SELECT MAX(r2.rowid) FROM scores s2 JOIN runs r2 USING (run_id)
                             WHERE s2.task = s.task AND s2.model = s.model)
        """
        rows = self._db.execute(query).fetchall()
        wanted = set(tasks) if tasks is not None else None
        return [self._row(r) for r in rows if wanted is None or r[1] in wanted]

    def run(self, run_id: str) -> dict[str, Any]:
        row = self._db.execute("SELECT run_id, created_at, command, seed, config_hash, provenance FROM runs "
                               "WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise GenbenchError(f"Store {self.path} has no run {run_id!r}.")
        return {"run_id": row[0], "created_at": row[1], "command": row[2], "seed": row[3],
                "config_hash": row[4], "provenance": json.loads(row[5])}

    def run_scores(self, run_id: str) -> list[Score]:
        """Every score of one run, with per-item values where they were kept."""
        self.run(run_id)  # raises for an unknown id
        rows = self._db.execute("SELECT s.*, r.created_at FROM scores s JOIN runs r USING (run_id) "
                                "WHERE run_id = ?", (run_id,)).fetchall()
        items = {(t, m, k): json.loads(v) for t, m, k, v in self._db.execute(
            "SELECT task, model, metric, items FROM score_items WHERE run_id = ?", (run_id,))}
        return [replace(score, items=as_items(items[key]) if key in items else None)
                for score in (self._row(r).score for r in rows)
                for key in [(score.task, score.model, score.metric)]]

    def count_scores(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM scores").fetchone()[0]

    @staticmethod
    def _row(r: tuple) -> StoredScore:
        score = Score(task=r[1], model=r[2], metric=r[3], value=r[4], ci_low=r[5], ci_high=r[6], n=r[7],
                      higher_is_better=bool(r[8]), unit=r[9], interval_method=r[10], unavailable_reason=r[11],
                      signature=Signature.from_json(r[14]))
        return StoredScore(score, r[0], r[15])
