"""Scores to compare, from a run in the store, a ``--json`` export, or a published leaderboard."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genbench.errors import InputError
from genbench.score import Items, Score, as_items
from genbench.signature import comparability_key
from genbench.store import Store


@dataclass(frozen=True)
class Entry:
    task: str
    model: str
    metric: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    higher_is_better: bool
    signature: str  # rendered, e.g. "task:images/digits@1|data:…|…|seed:0"
    items: Items | None = None

    @staticmethod
    def from_score(s: Score) -> "Entry":
        return Entry(s.task, s.model, s.metric, s.value, s.ci_low, s.ci_high, s.n, s.higher_is_better,
                     s.signature.render(), s.items)

    @property
    def ident(self) -> tuple[str, str, str]:
        return (self.task, self.model, self.metric)

    def signature_fields(self) -> dict[str, str]:
        return dict(part.split(":", 1) for part in self.signature.split("|") if ":" in part)

    def key(self) -> str:
        return comparability_key(self.signature)


REQUIRED = ("task", "model", "metric", "value", "signature")


def load_entries(ref: str, store: Path | None = None) -> list[Entry]:
    """``ref`` is a JSON or CSV file written by genbench, or a run id in ``store``."""
    path = Path(ref)
    if path.suffix.lower() == ".json" or (path.is_file() and path.suffix.lower() != ".csv"):
        return _from_json(path)
    if path.suffix.lower() == ".csv":
        return _from_csv(path)
    if store is None or not Path(store).is_file():
        raise InputError(f"{ref!r} is neither a JSON/CSV file nor a run id in a store "
                         f"(store: {store or 'none given'}).")
    with Store(Path(store), readonly=True) as db:
        scores = db.run_scores(ref)
    return [Entry.from_score(s) for s in scores]


def _from_json(path: Path) -> list[Entry]:
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc}).") from exc
    rows: list[Any]
    if isinstance(data, list) and data and isinstance(data[0], dict) and "rows" in data[0]:
        try:
            rows = [score for board in data for row in board["rows"] for score in row["scores"].values()]
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{path}: not a genbench leaderboard JSON (boards → rows → scores): {exc!r}.") from exc
    elif isinstance(data, list):
        rows = data
    else:
        raise InputError(f"{path}: expected a list of scores (genbench run --json) or of boards "
                         "(genbench leaderboard --format json).")
    return [_entry(row, f"{path}, item {i}") for i, row in enumerate(rows)]


def _from_csv(path: Path) -> list[Entry]:
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc}).") from exc
    return [_entry(row, f"{path}, line {i + 2}") for i, row in enumerate(rows)]


def _entry(row: Any, where: str) -> Entry:
    if not isinstance(row, dict):
        raise InputError(f"{where}: expected an object with {', '.join(REQUIRED)}.")
    missing = [k for k in REQUIRED if k not in row]
    if missing:
        raise InputError(f"{where}: missing field(s) {', '.join(missing)}.")
    try:
        items = row.get("items")
        return Entry(str(row["task"]), str(row["model"]), str(row["metric"]), _number(row["value"]),
                     _number(row.get("ci_low")), _number(row.get("ci_high")), int(row.get("n") or 0),
                     str(row.get("higher_is_better")).lower() in ("true", "1"), str(row["signature"]),
                     as_items(items) if isinstance(items, list) else None)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: malformed value ({exc}).") from exc


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    number = float(value)
    return None if math.isnan(number) else number
