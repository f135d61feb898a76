"""What a task page shows of the models' outputs: the exhibits each row's run stored (the first 64
outputs as a PNG grid, the task's inputs beside paired outputs, the first translations with their
sources and references). A report never loads a model: outputs are captured at run time
(genbench.scoring.exhibits), so a vendor's files have grids too, and a run stored before exhibits
existed (a version-1 store) shows a note instead."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from genbench.exhibit import JSON, OUTPUTS, PNG, TRANSLATIONS, Exhibit

SHOWN_PROTOCOLS = ("sample", "conditional", "reconstruct", "stylize", "translate")
NOT_STORED = "outputs not stored with this run"


@dataclass(frozen=True)
class Grid:
    png: bytes
    count: int
    of: int  # outputs the task asks for in all
    item_range: tuple[str, str]  # the first and last item shown, where the task names its items
    ranks: int = 1  # torchrun ranks of the run: with more than one, rank 0's first batch alone is shown


@dataclass
class TaskSamples:
    """Everything a task page shows about outputs: a grid per model, the task's inputs beside
    paired outputs, translations, and why a model has none."""

    grids: dict[str, Grid] = field(default_factory=dict)
    inputs: dict[str, Grid] = field(default_factory=dict)  # "targets", "content", "style"
    sources: list[tuple[str, str, str]] = field(default_factory=list)  # (id, source, reference)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)  # model → item → translation
    missing: dict[str, str] = field(default_factory=dict)  # model → why no samples are shown


def task_samples(protocol: str | None, entries: list[tuple[str, list[Exhibit]]]) -> TaskSamples:
    """``entries``: (model, the exhibits its row's run stored) for each model on the task, in page
    order; ``protocol`` is None for a task this genbench does not register."""
    result = TaskSamples()
    for model, exhibits in entries:
        if protocol is not None and protocol not in SHOWN_PROTOCOLS:
            result.missing[model] = f"a {protocol} task: models score given data, they produce no outputs to show"
            continue
        by_name = {e.name: e for e in exhibits}
        if OUTPUTS in by_name and by_name[OUTPUTS].media_type == PNG:
            result.grids[model] = _grid(by_name[OUTPUTS])
            for name, exhibit in sorted(by_name.items()):
                if name not in (OUTPUTS, TRANSLATIONS) and exhibit.media_type == PNG and name not in result.inputs:
                    result.inputs[name] = _grid(exhibit)
        elif TRANSLATIONS in by_name and by_name[TRANSLATIONS].media_type == JSON:
            rows = _rows(by_name[TRANSLATIONS])
            if rows is None:
                result.missing[model] = "its stored translations cannot be read: the store is damaged"
                continue
            if not result.sources:
                result.sources = [(r["item"], r["source"], r["reference"]) for r in rows]
            result.translations[model] = {r["item"]: r["translation"] for r in rows}
        elif protocol is not None:
            result.missing[model] = NOT_STORED
    return result


def _grid(exhibit: Exhibit) -> Grid:
    meta = exhibit.meta
    return Grid(exhibit.body, _count(meta, "count", 0), _count(meta, "of", 0),
                (str(meta.get("first_item", "")), str(meta.get("last_item", ""))), _count(meta, "ranks", 1))


def _count(meta: dict[str, Any], key: str, default: int) -> int:
    value = meta.get(key, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _rows(exhibit: Exhibit) -> list[dict[str, str]] | None:
    """The stored rows, or None where the body is not the JSON list genbench writes."""
    try:
        rows = json.loads(exhibit.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(rows, list):
        return None
    return [{k: str(row.get(k, "")) for k in ("item", "source", "reference", "translation")}
            for row in rows if isinstance(row, dict)]
