"""A run in progress: its plan, and each (task, model) pair committed the moment it finishes.

A suite run can take hours. Its journal, an SQLite file beside the store
(``<store>.runs/<run id>.sqlite``), holds the run's plan and the scores of every finished pair,
each pair in one transaction, so a crash or a kill loses only the pair being scored. When the last
pair is done the whole run (scores and exhibits) is copied into the store in one transaction and the journal removed:
the store only ever holds complete runs, and a refusal or a crash leaves it as it was.
``genbench run --resume`` reopens a journal and scores only the pairs it lacks.

The journal is written only once a pair has finished: a run refused at its first pair leaves
no file behind.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genbench.errors import GenbenchError
from genbench.exhibit import Exhibit
from genbench.score import Score
from genbench.store import Store, new_run_id, now

_PAIRS = """
CREATE TABLE IF NOT EXISTS plan (body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pairs (task TEXT NOT NULL, model TEXT NOT NULL, skipped TEXT,
                                  PRIMARY KEY (task, model))
"""


@dataclass(frozen=True)
class Plan:
    """What a run does: resuming it with another plan would mix two runs' scores."""

    command: str
    seed: int
    config: dict[str, Any]  # the run's configuration, as its provenance records it
    config_hash: str
    device: str
    world: int  # torchrun ranks
    pairs: list[tuple[str, str]]  # (task, model name), in the order they are scored

    def to_json(self) -> str:
        return json.dumps({**self.__dict__, "pairs": [list(p) for p in self.pairs]}, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> "Plan":
        raw = json.loads(text)
        return Plan(**{**raw, "pairs": [tuple(p) for p in raw["pairs"]]})


def journal_folder(store: Path) -> Path:
    return store.with_name(store.name + ".runs")


class _JournalFile(Store):
    """A store-format file with the run's plan and the list of finished pairs beside its scores."""

    def _create_schema(self) -> None:
        super()._create_schema()
        for statement in _PAIRS.split(";"):
            if statement.strip():
                self._db.execute(statement)

    def start(self, run: dict[str, Any], plan: Plan) -> None:
        """Inside a transaction: schema, plan and the run's row."""
        self._create_schema()
        self._db.execute("INSERT INTO plan VALUES (?)", (plan.to_json(),))
        self._insert_run(run, [])
        self._fresh = False

    def commit_pair(self, run_id: str, task: str, model: str, scores: list[Score], exhibits: list[Exhibit],
                    skipped: str | None, start: tuple[dict[str, Any], Plan] | None) -> None:
        with self._writing("write the run journal"):
            if start is not None:
                self.start(*start)
            self._insert_scores(run_id, scores)
            self._insert_exhibits(run_id, exhibits)
            self._db.execute("INSERT INTO pairs VALUES (?, ?, ?)", (task, model, skipped))

    def plan(self) -> Plan:
        rows = self._query("SELECT body FROM plan")
        with self._damaged("the run's plan"):
            return Plan.from_json(rows[0][0])

    def pairs(self) -> dict[tuple[str, str], str | None]:
        return {(t, m): s for t, m, s in self._query("SELECT task, model, skipped FROM pairs")}


class Journal:
    """The journal of one run (``resume`` reopens one); ``finish`` moves the complete run into the store."""

    def __init__(self, store: Path, run_id: str, plan: Plan, provenance: dict[str, Any]) -> None:
        self.store, self.run_id, self.plan, self.provenance = Path(store), run_id, plan, provenance
        self.path = journal_folder(self.store) / f"{run_id}.sqlite"
        self.done: dict[tuple[str, str], str | None] = {}  # finished pairs: None, or why it was skipped
        self.created_at = now()

    @classmethod
    def start(cls, store: Path, plan: Plan, provenance: dict[str, Any]) -> "Journal":
        return cls(store, new_run_id(), plan, provenance)

    @classmethod
    def resume(cls, store: Path, run_id: str | None, plan: Plan) -> "Journal":
        """The journal of ``run_id`` (or the one run of the same command left unfinished), checked to
        have ``plan``; its finished pairs are in ``done``."""
        run_id = run_id or _unfinished_with(store, plan)
        path = _existing_journal(store, run_id)
        with _JournalFile(path, create=False) as file:
            found, run, done = file.plan(), file.run(run_id), file.pairs()
        if found.world != plan.world:
            raise GenbenchError(f"Run {run_id} was started on {found.world} rank(s) and is resumed on {plan.world}; "
                                f"resume it with torchrun --nproc_per_node {found.world} (or as it was started).")
        if (found.config_hash, found.device, found.pairs) != (plan.config_hash, plan.device, plan.pairs):
            raise GenbenchError(f"Run {run_id} was started with another configuration ({_difference(found, plan)}); "
                                "resuming it so would mix two runs' scores. Repeat its command, or start a new run.")
        journal = cls(store, run_id, found, run["provenance"])
        journal.created_at, journal.done = run["created_at"], done
        return journal

    def commit(self, task: str, model: str, scores: list[Score], skipped: str | None = None,
               exhibits: list[Exhibit] | None = None) -> None:
        """One finished pair with its exhibits, in one transaction (the first also writes the plan and the run)."""
        first = not self.path.exists()
        # The first pair is written to a new file renamed into place once committed: a journal
        # that exists is always a whole one, whenever the process dies.
        target = self.path.with_name(self.path.name + ".new") if first else self.path
        run = {"run_id": self.run_id, "created_at": self.created_at, "command": self.plan.command,
               "seed": self.plan.seed, "config_hash": self.plan.config_hash, "provenance": self.provenance}
        if first:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
        try:
            with _JournalFile(target, create=False) as file:
                file.commit_pair(self.run_id, task, model, scores, exhibits or [], skipped,
                                 (run, self.plan) if first else None)
            if first:
                os.replace(target, self.path)
        except BaseException:
            if first:
                target.unlink(missing_ok=True)
            raise
        self.done[(task, model)] = skipped

    def scores(self) -> list[Score]:
        if not self.path.exists():
            return []
        with _JournalFile(self.path, create=False) as file:
            return file.run_scores(self.run_id)

    def exhibits(self) -> list[Exhibit]:
        if not self.path.exists():
            return []
        with _JournalFile(self.path, create=False) as file:
            return file.run_exhibits(self.run_id)

    def finish(self, resumed: list[dict[str, Any]]) -> list[Score]:
        """Copy the complete run into the store in one transaction, then remove the journal; returns
        the run's scores. ``resumed``: when and where the resumption ran, recorded in the provenance."""
        if set(self.done) != set(self.plan.pairs):
            raise GenbenchError(f"Run {self.run_id} is not complete; it cannot be stored.")  # a bug, never input
        provenance = {**self.provenance, **({"resumed": resumed} if resumed else {})}
        run = {"run_id": self.run_id, "created_at": self.created_at, "command": self.plan.command,
               "seed": self.plan.seed, "config_hash": self.plan.config_hash, "provenance": provenance}
        from genbench.store_merge import add_new_runs

        scores = self.scores()
        add_new_runs(self.store, [(run, scores, self.exhibits())])
        self.path.unlink(missing_ok=True)
        try:
            self.path.parent.rmdir()  # the last journal beside this store
        except OSError:
            pass
        return scores


def _unfinished_with(store: Path, plan: Plan) -> str:
    folder = journal_folder(Path(store))
    matching = []
    for path in sorted(folder.glob("*.sqlite")) if folder.is_dir() else []:
        with _JournalFile(path, create=False) as file:
            if file.plan().config_hash == plan.config_hash:
                matching.append(path.stem)
    if not matching:
        raise GenbenchError(f"No unfinished run of this command beside the store {store}; "
                            "run it without --resume, or name the run: --resume RUN_ID.")
    if len(matching) > 1:
        raise GenbenchError(f"Several unfinished runs of this command ({', '.join(matching)}); "
                            "name one: --resume RUN_ID.")
    return matching[0]


def unfinished_plan(store: Path, run_id: str) -> Plan:
    """The plan of an unfinished run, to resume it from its id alone."""
    with _JournalFile(_existing_journal(store, run_id), create=False) as file:
        return file.plan()


def _existing_journal(store: Path, run_id: str) -> Path:
    path = journal_folder(Path(store)) / f"{run_id}.sqlite"
    if not path.is_file():
        raise GenbenchError(f"No unfinished run {run_id!r} beside the store {store} (looked for {path}); "
                            "it finished already, or ran against another --store.")
    return path


def _difference(found: Plan, plan: Plan) -> str:
    if found.device != plan.device:
        return f"device {found.device}, not {plan.device}"
    if found.pairs != plan.pairs:
        return "other tasks or models"
    changed = sorted(k for k in set(found.config) | set(plan.config) if found.config.get(k) != plan.config.get(k))
    return "different " + ", ".join(changed) if changed else "a different configuration"
