"""The results database: runs with their provenance, and the scores and exhibits they own.

SQLite by default (``--store`` or ``$GENBENCH_STORE``, else ``genbench-results.sqlite`` in the
working directory). A run and all its scores are written in one transaction, so an interrupted
or failed run leaves nothing behind (a run in progress keeps its finished pairs in its own
journal, genbench.journal, until it is complete). The schema carries a version number.

Exhibits (genbench.exhibit: the grids and translations a report shows) came with schema version 2.
A version-1 store is read as it is (its runs simply have no exhibits) and gets the exhibits table
and version 2 in the first transaction that writes to it; a refused write leaves it at version 1.

Many processes may write into one store at once: each write is one short ``BEGIN IMMEDIATE``
transaction, and a writer that finds the store locked waits (SQLite's busy timeout) and retries.
The rollback journal is kept rather than WAL on purpose: WAL needs shared memory beside the file,
which read-only mounts and network file systems do not give, and a store is read far more often
from such places than it is written concurrently.

What a server database standing in for SQLite would need is exactly this class's public methods:
``add_run``/``add_runs`` (one transaction each), ``latest_scores``, ``run``, ``run_ids``,
``run_scores``, ``run_exhibits`` and ``count_scores``; nothing else in genbench touches SQL.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from genbench.errors import GenbenchError
from genbench.exhibit import Exhibit
from genbench.score import Score, as_items
from genbench.signature import Signature

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1: the same tables without exhibits
SCHEMA_VERSION_KEY = "schema_version"  # the meta row that holds it
STORE_ENV = "GENBENCH_STORE"
DEFAULT_STORE = "genbench-results.sqlite"
BUSY_TIMEOUT_S = 60.0  # how long a writer waits for another's transaction before retrying
LOCK_RETRIES = 5

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
CREATE TABLE IF NOT EXISTS exhibits (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    task TEXT NOT NULL,
    model TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    meta TEXT NOT NULL,  -- JSON object: how many items it shows, of how many, which
    body_sha256 TEXT NOT NULL REFERENCES exhibit_bodies(sha256),
    PRIMARY KEY (run_id, task, model, name)
);
-- Bodies by content: a task's inputs (style images, targets) are the same for every model and run.
CREATE TABLE IF NOT EXISTS exhibit_bodies (sha256 TEXT PRIMARY KEY, body BLOB NOT NULL);
"""
_EXHIBITS_TABLES = _SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS exhibits"):]

Run = tuple[dict[str, Any], list[Score], list[Exhibit]]  # a run's row (as ``Store.run`` gives it), scores, exhibits


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
    """The results database at ``path``.

    ``readonly=True`` (leaderboards, compare) opens an existing store without ever writing to it.
    Otherwise a missing store is created (schema and version in one transaction); an existing one is
    only checked. Either way a store that genbench cannot read is refused before anything is
    written, so a refusal leaves the file exactly as it was.
    """

    def __init__(self, path: Path, *, readonly: bool = False, create: bool = True) -> None:
        self.path = Path(path)
        _check_location(self.path, readonly)
        creating = not self.path.exists()
        self._db = _connect(self.path, "ro" if readonly else "rwc" if creating else "rw")
        self._version = SCHEMA_VERSION
        try:
            self._fresh = not readonly and not _tables(self._db, self.path)  # a new or empty database
            if not self._fresh:
                self._version = _check_schema(self._db, self.path)
            elif create:
                with self._writing("create"):
                    self._create_schema()
                self._fresh = False
        except BaseException:
            self._db.close()
            raise

    def _create_schema(self) -> None:
        """Inside a transaction: the tables and the version row of a new store."""
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)
        # OR IGNORE: another process may have created the same new store a moment before.
        self._db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (SCHEMA_VERSION_KEY, str(SCHEMA_VERSION)))

    @contextmanager
    def _writing(self, what: str) -> Iterator[None]:
        """One transaction; SQLite's refusals (read-only file or folder, locked, full disk) become a message."""
        try:
            with self._transaction():
                if self._version < SCHEMA_VERSION and not self._fresh:
                    self._upgrade()
                yield
        except sqlite3.DatabaseError as exc:
            raise GenbenchError(f"Cannot {what} the store {self.path}: {exc}; nothing was stored.") from exc
        self._version = SCHEMA_VERSION

    def _upgrade(self) -> None:
        """Inside the first write transaction: a version-1 store becomes version 2 (the exhibits tables)."""
        for statement in _EXHIBITS_TABLES.split(";"):
            if statement.strip():
                self._db.execute(statement)
        self._db.execute("UPDATE meta SET value = ? WHERE key = ?", (str(SCHEMA_VERSION), SCHEMA_VERSION_KEY))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN … COMMIT, or ROLLBACK on any error: schema, run and scores land together or not at all."""
        self._begin()
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _begin(self) -> None:
        """BEGIN IMMEDIATE, waiting out other writers: the busy timeout first, then jittered retries."""
        for attempt in range(LOCK_RETRIES + 1):
            try:
                self._db.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == LOCK_RETRIES:
                    raise
                time.sleep(random.uniform(0.05, 0.5) * 2 ** attempt)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_run(self, command: str, seed: int, config_hash: str, provenance: dict[str, Any],
                scores: Iterable[Score], run_id: str | None = None, exhibits: Iterable[Exhibit] = ()) -> str:
        """Write a run, its scores and exhibits in one transaction; returns the run id (a new one unless given)."""
        run = {"run_id": run_id or new_run_id(), "created_at": now(), "command": command, "seed": seed,
               "config_hash": config_hash, "provenance": provenance}
        self.add_runs([(run, list(scores), list(exhibits))])
        return run["run_id"]

    def add_runs(self, runs: list[Run]) -> None:
        """Write runs (as ``run()`` returns them) with their scores and exhibits, all in one transaction."""
        with self._writing("write to"):
            if self._fresh:  # a store opened with create=False gets its schema with its first run
                self._create_schema()
            for run, scores, exhibits in runs:
                self._insert_run(run, scores)
                self._insert_exhibits(run["run_id"], exhibits)
        self._fresh = False

    def _insert_run(self, run: dict[str, Any], scores: list[Score]) -> None:
        run_id = run["run_id"]
        self._db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                         (run_id, run["created_at"], run["command"], run["seed"], run["config_hash"],
                          json.dumps(run["provenance"], sort_keys=True)))
        self._insert_scores(run_id, scores)

    def _insert_exhibits(self, run_id: str, exhibits: Iterable[Exhibit]) -> None:
        rows = [(e, hashlib.sha256(e.body).hexdigest()) for e in exhibits]
        self._db.executemany("INSERT OR IGNORE INTO exhibit_bodies VALUES (?, ?)", [(h, e.body) for e, h in rows])
        self._db.executemany("INSERT INTO exhibits VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [(run_id, e.task, e.model, e.name, e.media_type, e.meta_json(), h) for e, h in rows])

    def _insert_scores(self, run_id: str, scores: list[Score]) -> None:
        rows = [(run_id, s.task, s.model, s.metric, s.value, s.ci_low, s.ci_high, s.n, int(s.higher_is_better),
                 s.unit, s.interval_method, s.unavailable_reason, s.signature.render(), s.signature.key(),
                 s.signature.to_json()) for s in scores]
        if rows:
            self._db.executemany(f"INSERT INTO scores VALUES ({', '.join('?' * len(rows[0]))})", rows)
        self._db.executemany("INSERT INTO score_items VALUES (?, ?, ?, ?, ?)",
                             [(run_id, s.task, s.model, s.metric, json.dumps(list(s.items)))
                              for s in scores if s.items is not None])

    def run_ids(self) -> list[str]:
        """Every run's id, oldest first."""
        return [_text(r[0]) for r in self._query("SELECT run_id FROM runs ORDER BY rowid")]

    def latest_scores(self, tasks: Iterable[str] | None = None) -> list[StoredScore]:
        """For each (task, model), every score of the newest run that scored it: a row never
        mixes runs (a CPU run's memory beside a GPU run's, a vendor's quality beside a model's cost)."""
        query = """
            SELECT s.*, r.created_at FROM scores s JOIN runs r USING (run_id)
            WHERE r.rowid = (SELECT MAX(r2.rowid) FROM scores s2 JOIN runs r2 USING (run_id)
                             WHERE s2.task = s.task AND s2.model = s.model)
        """
        rows = self._query(query)
        wanted = set(tasks) if tasks is not None else None
        return [self._row(r) for r in rows if wanted is None or r[1] in wanted]

    def run(self, run_id: str) -> dict[str, Any]:
        rows = self._query("SELECT run_id, created_at, command, seed, config_hash, provenance FROM runs "
                           "WHERE run_id = ?", (run_id,))
        if not rows:
            raise GenbenchError(f"Store {self.path} has no run {run_id!r}.")
        row = rows[0]
        with self._damaged(f"run {run_id!r}"):
            return {"run_id": row[0], "created_at": row[1], "command": row[2], "seed": row[3],
                    "config_hash": row[4], "provenance": json.loads(row[5])}

    def run_scores(self, run_id: str) -> list[Score]:
        """Every score of one run, with per-item values where they were kept."""
        self.run(run_id)  # raises for an unknown id
        rows = self._query("SELECT s.*, r.created_at FROM scores s JOIN runs r USING (run_id) "
                           "WHERE run_id = ?", (run_id,))
        raw_items = self._query("SELECT task, model, metric, items FROM score_items WHERE run_id = ?", (run_id,))
        with self._damaged(f"the per-item values of run {run_id!r}"):
            items = {(t, m, k): as_items(json.loads(v)) for t, m, k, v in raw_items}
        return [replace(score, items=items.get((score.task, score.model, score.metric)))
                for score in (self._row(r).score for r in rows)]

    def run_exhibits(self, run_id: str) -> list[Exhibit]:
        """Every exhibit of one run, by (task, model, name); none for a run of a version-1 store."""
        if self._version < 2:
            return []
        rows = self._query("SELECT e.task, e.model, e.name, e.media_type, e.meta, b.body FROM exhibits e "
                           "LEFT JOIN exhibit_bodies b ON b.sha256 = e.body_sha256 WHERE e.run_id = ? "
                           "ORDER BY e.task, e.model, e.name", (run_id,))
        with self._damaged(f"an exhibit of run {run_id!r}"):
            exhibits = [Exhibit(_text(t), _text(m), _text(n), _text(k), _blob(b), json.loads(_text(meta)))
                        for t, m, n, k, meta, b in rows]
            if any(not isinstance(e.meta, dict) for e in exhibits):
                raise TypeError("an exhibit's meta is not a JSON object")
            return exhibits

    def count_scores(self) -> int:
        return self._query("SELECT COUNT(*) FROM scores")[0][0]

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:  # a damaged page, text that is not UTF-8 …
            raise GenbenchError(f"Store {self.path} cannot be read: {exc}.") from exc

    @contextmanager
    def _damaged(self, what: str) -> Iterator[None]:
        """Values a hand-edited or damaged store may hold that no genbench wrote: refused by name."""
        try:
            yield
        except (TypeError, ValueError, KeyError, IndexError, OverflowError, RecursionError) as exc:
            raise GenbenchError(f"Store {self.path}: {what} cannot be read ({type(exc).__name__}: {exc}); "
                                "the store is damaged or was not written by genbench.") from exc

    def _row(self, r: tuple) -> StoredScore:
        with self._damaged(f"a score of run {r[0]!r}"):
            score = Score(task=_text(r[1]), model=_text(r[2]), metric=_text(r[3]), value=_real(r[4]),
                          ci_low=_real(r[5]), ci_high=_real(r[6]), n=_count(r[7]), higher_is_better=bool(r[8]),
                          unit=_text(r[9]), interval_method=_text(r[10]),
                          unavailable_reason=None if r[11] is None else _text(r[11]),
                          signature=Signature.from_json(_text(r[14])))
            return StoredScore(score, _text(r[0]), _text(r[15]))


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value


def _blob(value: object) -> bytes:
    if not isinstance(value, bytes):
        raise TypeError(f"expected bytes, found {type(value).__name__}")
    return value


def _real(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, found {type(value).__name__}")
    return float(value)


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a count, found {value!r}")
    return value


def write_run(path: Path, command: str, seed: int, config_hash: str, provenance: dict[str, Any],
              scores: Iterable[Score], run_id: str | None = None, exhibits: Iterable[Exhibit] = ()) -> str:
    """Store one run at ``path``: schema (for a new store) and run in one transaction, so a failed
    write leaves an existing file as it was; a store file this call created is removed again."""
    run = {"run_id": run_id or new_run_id(), "created_at": now(), "command": command, "seed": seed,
           "config_hash": config_hash, "provenance": provenance}
    write_runs(path, [(run, list(scores), list(exhibits))])
    return run["run_id"]


def write_runs(path: Path, runs: list[Run]) -> None:
    """``write_run`` for several whole runs (as ``Store.run`` gives them), in one transaction."""
    path = Path(path)
    existed = path.exists()
    try:
        with Store(path, create=False) as db:
            db.add_runs(runs)
    except BaseException:
        if not existed:
            for leftover in (path, path.with_name(path.name + "-journal")):
                leftover.unlink(missing_ok=True)
        raise


def check_writable(path: Path) -> None:
    """Refuse, before any work, a store that could not take a run: one genbench cannot read, a
    read-only file or folder. Creates and changes nothing."""
    path = Path(path)
    _check_location(path, readonly=True, must_exist=False)
    if path.exists():
        db = _connect(path, "ro")
        try:
            if _tables(db, path):  # an empty file or database becomes a new store
                _check_schema(db, path)
        finally:
            db.close()
    folder = _existing_parent(path)
    if path.exists() and not os.access(path, os.W_OK):
        raise GenbenchError(f"Store {path} is read-only; pass --store with a writable file.")
    if not os.access(folder, os.W_OK | os.X_OK):  # SQLite writes its journal beside the store
        raise GenbenchError(f"Store {path} cannot be written: its folder {folder} is read-only; "
                            "pass --store with a path in a writable folder.")


def _existing_parent(path: Path) -> Path:
    folder = path.absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise GenbenchError(f"Store {path} cannot be created: {folder} is not a folder.")
    return folder


def _check_location(path: Path, readonly: bool, must_exist: bool = True) -> None:
    if path.exists() and not path.is_file():  # a folder, a FIFO (SQLite would block on it), a device
        raise GenbenchError(f"Store {path} is not a regular file.")
    if readonly and must_exist and not path.exists():
        raise GenbenchError(f"Store {path} does not exist; run `genbench run` first or pass --store.")
    if not readonly and not path.exists():
        folder = _existing_parent(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GenbenchError(f"Cannot create the store's folder {path.parent} (in {folder}): {exc}.") from exc


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    """An SQLite connection that never creates a file unless ``mode`` is ``rwc``; transactions are explicit."""
    try:
        return sqlite3.connect(f"{path.absolute().as_uri()}?mode={mode}", uri=True, isolation_level=None,
                               timeout=BUSY_TIMEOUT_S)
    except sqlite3.DatabaseError as exc:  # an unreadable file, a folder without write permission
        raise GenbenchError(f"Cannot open the store {path}: {exc}.") from exc


def _tables(db: sqlite3.Connection, path: Path) -> set[str]:
    try:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        db.close()
        raise GenbenchError(f"Store {path} is not a genbench SQLite database: {exc}") from exc


def _check_schema(db: sqlite3.Connection, path: Path) -> int:
    """The store's schema version; refuses what this genbench cannot read, without writing anything."""
    tables = _tables(db, path)
    if not tables:
        raise GenbenchError(f"Store {path} holds no genbench results (an empty database).")
    if "meta" not in tables:
        raise GenbenchError(f"Store {path} is an SQLite database of something else "
                            f"(tables: {', '.join(sorted(tables))}); genbench will not write into it.")
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (SCHEMA_VERSION_KEY,)).fetchone()
    except sqlite3.DatabaseError as exc:
        raise GenbenchError(f"Store {path}: its schema version cannot be read ({exc}).") from exc
    found = row[0] if row else None
    if found not in {str(v) for v in READABLE_VERSIONS}:
        shown = "none" if found is None else repr(found) if not _is_version(found) else found
        raise GenbenchError(f"Store {path} has schema version {shown}; this genbench reads versions "
                            f"{' and '.join(map(str, READABLE_VERSIONS))}. Use a matching genbench release or a new store.")
    version = int(found)
    missing = sorted({"runs", "scores", "score_items", *(("exhibits", "exhibit_bodies") if version >= 2 else ())}
                     - tables)
    if missing:
        raise GenbenchError(f"Store {path} lacks its table(s) {', '.join(missing)}; it is damaged.")
    return version


def _is_version(value: object) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit()
