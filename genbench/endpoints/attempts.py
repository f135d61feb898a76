"""The attempt log: every HTTP attempt an endpoint model makes, one row each, in
``attempts.sqlite`` beside the response cache (WAL mode, this process its one writer).

A *session* is one task bound to one endpoint (``EndpointModel.bind``): its endpoint, model, base
URL, task, seed, start time and, once the run is stored, the run's id. An *attempt* row holds the
session, the request's cache key and its position among the task's requests (the item key), the
attempt number (1 = first send), the HTTP status (none when no response came), the error class
(none when answered), the latency in seconds, the time it was sent (Unix seconds) and the
``Retry-After`` it was told. No header, body or credential is ever written.

Rows are committed with each model call and at least every COMMIT_EVERY_S, so an interrupted run
keeps the attempts it made (a load scenario's are written when it ends). ``genbench attempts``
reads them back: a summary per session, or every row as CSV or JSON Lines.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from genbench.endpoints.transport import Attempt
from genbench.errors import InputError

LOG_FILE = "attempts.sqlite"
LOG_SCHEMA = 1  # PRAGMA user_version; bump with a migration when the tables change
COMMIT_EVERY_S = 1.0
COLUMNS = ("session", "run_id", "endpoint", "task", "item", "request", "attempt", "status", "error", "latency_s",
           "sent_at", "retry_after_s")

_TABLES = """
CREATE TABLE IF NOT EXISTS sessions (session TEXT PRIMARY KEY, endpoint TEXT NOT NULL, model TEXT NOT NULL,
    base_url TEXT NOT NULL, task TEXT NOT NULL, seed INTEGER NOT NULL, started REAL NOT NULL, run_id TEXT);
CREATE TABLE IF NOT EXISTS attempts (session TEXT NOT NULL REFERENCES sessions(session), item INTEGER NOT NULL,
    request TEXT NOT NULL, attempt INTEGER NOT NULL, status INTEGER, error TEXT, latency_s REAL NOT NULL,
    sent_at REAL NOT NULL, retry_after_s REAL, PRIMARY KEY (session, item, attempt));
CREATE INDEX IF NOT EXISTS sessions_run ON sessions(run_id);
"""


@dataclass(frozen=True)
class Session:
    session: str
    endpoint: str
    model: str
    base_url: str
    task: str
    seed: int
    started: float
    run_id: str | None


class AttemptLog:
    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOG_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, LOG_SCHEMA):
            raise RuntimeError(f"{self.path} has attempt-log schema {version}; this genbench writes {LOG_SCHEMA}")
        self._db.executescript(_TABLES)
        self._db.execute(f"PRAGMA user_version = {LOG_SCHEMA}")
        self._opened = 0.0

    def open_session(self, endpoint: str, model: str, base_url: str, task: str, seed: int) -> str:
        session = uuid.uuid4().hex
        self._begin()
        self._db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                         (session, endpoint, model, base_url, task, seed, time.time()))
        self.flush()
        return session

    def record(self, session: str, item: int, request: str, attempts: list[Attempt]) -> None:
        """One request's attempts, numbered from 1 in the order they were made."""
        self._begin()
        self._db.executemany("INSERT OR REPLACE INTO attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             [(session, item, request, number, a.status, a.error, a.latency_s, a.sent_at,
                               a.retry_after_s) for number, a in enumerate(attempts, 1)])
        if time.monotonic() - self._opened > COMMIT_EVERY_S:
            self.flush()

    def link(self, sessions: list[str], run_id: str) -> None:
        """The stored run these sessions' scores belong to."""
        self._begin()
        self._db.executemany("UPDATE sessions SET run_id = ? WHERE session = ?", [(run_id, s) for s in sessions])
        self.flush()

    def sessions(self, run_id: str | None = None) -> list[Session]:
        where, args = ("WHERE run_id = ?", (run_id,)) if run_id is not None else ("", ())
        rows = self._db.execute(f"SELECT * FROM sessions {where} ORDER BY started", args).fetchall()
        return [Session(*row) for row in rows]

    def rows(self, sessions: list[str]) -> Iterator[dict[str, Any]]:
        """Attempt rows of ``sessions`` (COLUMNS), in session, item and attempt order."""
        marks = ",".join("?" * len(sessions))
        query = ("SELECT a.session, s.run_id, s.endpoint, s.task, a.item, a.request, a.attempt, a.status, a.error, "
                 "a.latency_s, a.sent_at, a.retry_after_s FROM attempts a JOIN sessions s USING (session) "
                 f"WHERE a.session IN ({marks}) ORDER BY s.started, a.item, a.attempt")
        for row in self._db.execute(query, sessions):
            yield dict(zip(COLUMNS, row))

    def _begin(self) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN")
            self._opened = time.monotonic()

    def flush(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")

    def close(self) -> None:
        self.flush()
        self._db.close()


def open_log(folder: Path) -> AttemptLog:
    """The attempt log in ``folder`` for reading; a folder without one is named, not created."""
    if not (Path(folder) / LOG_FILE).is_file():
        raise InputError(f"No attempt log at {Path(folder) / LOG_FILE}: no endpoint has sent a request with this "
                         "cache folder (an endpoint's cache_dir, else $GENBENCH_CACHE/endpoints).")
    return AttemptLog(folder)


def select(log: AttemptLog, run_id: str | None, sessions: tuple[str, ...]) -> list[Session]:
    """The sessions of ``run_id``, or those named, or else the latest one."""
    known = log.sessions(run_id)
    if sessions:
        chosen = [s for s in known if s.session in sessions]
        unknown = sorted(set(sessions) - {s.session for s in chosen})
        if unknown:
            raise InputError(f"{log.path} has no session {', '.join(unknown)}.")
        return chosen
    if run_id is not None and not known:
        raise InputError(f"{log.path} has no session of run {run_id!r} (its attempts may be in another cache folder).")
    if not known:
        raise InputError(f"{log.path} holds no session yet.")
    return known if run_id is not None else known[-1:]


def summary(log: AttemptLog, sessions: list[Session]) -> list[dict[str, Any]]:
    """Per session: requests, attempts, retries, answered requests and the count of every error class."""
    out = []
    for s in sessions:
        rows = list(log.rows([s.session]))
        last = {}
        for row in rows:
            last[row["item"]] = row
        errors: dict[str, int] = {}
        for row in rows:
            if row["error"]:
                errors[row["error"]] = errors.get(row["error"], 0) + 1
        out.append({"session": s.session, "run_id": s.run_id, "endpoint": s.endpoint, "task": s.task,
                    "requests": len(last), "attempts": len(rows), "retries": len(rows) - len(last),
                    "answered": sum(1 for r in last.values() if r["error"] is None),
                    "errors": dict(sorted(errors.items()))})
    return out


def export(rows: Iterator[dict[str, Any]], fmt: str) -> str:
    """Attempt rows as CSV (a header of COLUMNS) or JSON Lines."""
    if fmt == "jsonl":
        return "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
