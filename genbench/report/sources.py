"""Scores to compare, from a run in the store, a ``--json`` export, or a published leaderboard."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genbench.data.files import check_regular_file
from genbench.data.json_file import read_json
from genbench.errors import InputError
from genbench.score import Items, Score, as_items
from genbench.signature import comparability_key
from genbench.store import Store
from genbench.validate import label_problem


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

    def unsigned_fields(self) -> list[str]:
        """The fields every genbench signature has that this one lacks (all of them when it is empty):
        a score without them says nothing about what it measured, so it compares with nothing."""
        found = self.signature_fields()
        return [name for name in SIGNED_FIELDS if not found.get(name)]


REQUIRED = ("task", "model", "metric", "value", "signature")
# Fields that Signature.render always writes and that say what was measured.
SIGNED_FIELDS = ("task", "data", "metric", "impl")
# n is a count of samples or items; SQLite and numpy hold it as a signed 64-bit integer.
MAX_COUNT = 2**63 - 1


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
    data = read_json(path)
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
    check_regular_file(path)
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
        return Entry(_name(row["task"]), _name(row["model"]), _name(row["metric"]), _number(row["value"]),
                     _number(row.get("ci_low")), _number(row.get("ci_high")), _count(row.get("n")),
                     str(row.get("higher_is_better")).lower() in ("true", "1"), _signature(row["signature"]),
                     as_items(items) if isinstance(items, list) else None)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(f"{where}: malformed value ({exc}).") from exc


def _name(value: Any) -> str:
    """A task, model or metric name: text (a number or a list is a malformed row, not a name)."""
    if not isinstance(value, str):
        raise TypeError(f"expected a name, found {type(value).__name__} {_short(value)}")
    problem = label_problem(value)
    if problem:
        raise ValueError(f"name {_short(value)}: {problem}")
    return value


def _signature(value: Any) -> str:
    """The rendered signature; a missing one (null, '') stays '' and compares with nothing."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"signature must be text, found {type(value).__name__}")
    value.encode("utf-8")  # UnicodeEncodeError (a ValueError) for a lone surrogate from a \\udcff escape
    return value


def _number(value: Any) -> float | None:
    """A finite number, or None for a missing value (null, '' or NaN: an unavailable metric)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"expected a number, found {type(value).__name__} {_short(value)}")
    number = float(value)  # OverflowError for an integer beyond float's range
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"{_short(value)} is infinite; scores are finite numbers")
    return number


def _count(value: Any) -> int:
    """A sample count: a whole number from 0 to MAX_COUNT (JSON numbers, or CSV text)."""
    if value is None or value == "":
        return 0
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 20:
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise ValueError(f"n must be a whole number from 0 to {MAX_COUNT}, found {_short(value)}")
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"
