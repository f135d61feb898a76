"""What each page shows, as plain data for the templates: boards with their interval bars and
signatures, the quality-versus-cost points, runs with their provenance. No HTML here."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field

from genbench.metrics import METRICS
from genbench.report.leaderboard import Board
from genbench.report.render import fmt, header
from genbench.report.site.plots import Point, log_scale_fits, pareto_front, scatter_svg
from genbench.report.site.selection import RunInfo, Selection
from genbench.score import Score
from genbench.tasks.spec import TASKS

COST_METRIC = "throughput"
OUTPUT_NOUN = {"translate": "sentences", "text_likelihood": "texts"}  # else images


@dataclass(frozen=True)
class Cell:
    text: str  # the value, or "unavailable"
    interval: str  # "[low, high]" or ""
    sort: str  # the number the column sorts by ("" sorts last)
    bar: tuple[float, float, float] | None  # interval start, width and point, in % of the column's span
    reason: str = ""


@dataclass(frozen=True)
class Column:
    metric: str
    header: str
    description: str
    signature: str
    higher_is_better: bool
    per_model_signatures: tuple[tuple[str, str], ...] = ()
    log: bool = False


@dataclass(frozen=True)
class Row:
    rank: int
    model: str
    run_id: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class BoardView:
    number: int
    primary: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    unavailable: tuple[tuple[str, str], ...]  # (metric · models, reason)
    scatter_svg: str | None
    scatter_missing: str
    front: tuple[str, ...]
    dom_id: str


@dataclass
class TaskView:
    name: str
    description: str
    page: str
    suites: tuple[str, ...]
    boards: list[BoardView] = field(default_factory=list)
    runs: list[RunInfo] = field(default_factory=list)


def finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def slug(name: str) -> str:
    """A file name for any task or model name: readable where it can be, unique by a short hash."""
    readable = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "x"
    return f"{readable}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def board_view(board: Board, number: int, selection: Selection) -> BoardView:
    models = board.ranked_models()
    columns, cells_by_metric = [], []
    # The ranking metric first: the column a reader compares, before the table scrolls sideways.
    for metric in sorted(board.metrics, key=lambda m: m != board.primary):
        scores = [board.cells.get((model, metric)) for model in models]
        columns.append(_column(board, metric, scores, models))
        cells_by_metric.append(_cells(scores, columns[-1].log))
    rows = tuple(Row(rank, model, selection.run_of[(board.task, model)],
                     tuple(cells[i] for cells in cells_by_metric))
                 for i, (rank, model) in enumerate(enumerate(models, start=1)))
    reasons: dict[tuple[str, str], list[str]] = {}
    for (model, metric), score in sorted(board.cells.items()):
        if score.unavailable_reason:
            reasons.setdefault((metric, score.unavailable_reason), []).append(model)
    unavailable = tuple((f"{metric} · {', '.join(ms)}", reason) for (metric, reason), ms in sorted(reasons.items()))
    dom_id = f"board-{number}"
    svg, missing, front = _scatter(board, models, dom_id)
    return BoardView(number, board.primary, tuple(columns), rows, unavailable, svg, missing, front, dom_id)


def _column(board: Board, metric: str, scores: list[Score | None], models: list[str]) -> Column:
    info = METRICS.get(metric)
    present = [s for s in scores if s is not None]
    per_model = tuple((m, s.signature.render()) for m, s in zip(models, scores) if s is not None) if info.per_model else ()
    signature = "" if info.per_model or not present else present[0].signature.key()
    ends = [x for s in present for x in (s.value, s.ci_low, s.ci_high) if finite(x)]
    return Column(metric, header(metric), info.description, signature, info.higher_is_better, per_model,
                  log_scale_fits(ends) and max(ends) / min(ends) >= 100)


def _cells(scores: list[Score | None], log: bool) -> list[Cell]:
    ends = [x for s in scores if s is not None for x in (s.value, s.ci_low, s.ci_high) if finite(x)]
    position = _scale(ends, log)
    cells = []
    for s in scores:
        if s is None:
            cells.append(Cell("", "", "", None))
        elif not finite(s.value):
            cells.append(Cell("unavailable", "", "", None, s.unavailable_reason or "no value was stored"))
        else:
            has_interval = finite(s.ci_low) and finite(s.ci_high) and not s.ci_low == s.ci_high == s.value
            low, high = (s.ci_low, s.ci_high) if has_interval else (s.value, s.value)
            bar = None
            if position is not None:
                a, b, p = position(low), position(high), position(s.value)
                bar = (round(a, 2), round(max(b - a, 0.0), 2), round(p, 2))
            cells.append(Cell(fmt(s.value), f"[{fmt(s.ci_low)}, {fmt(s.ci_high)}]" if has_interval else "",
                              repr(float(s.value)), bar))
    return cells


def _scale(ends: list[float], log: bool):
    """value → % of the column's span (None when the column holds one value or none)."""
    if not ends or min(ends) == max(ends):
        return None
    f = math.log10 if log else (lambda x: x)
    lo, hi = f(min(ends)), f(max(ends))
    return lambda x: 100.0 * (f(x) - lo) / (hi - lo)


def _scatter(board: Board, models: list[str], dom_id: str) -> tuple[str | None, str, tuple[str, ...]]:
    info = METRICS.get(board.primary)
    points = []
    for model in models:
        quality, cost = board.cells.get((model, board.primary)), board.cells.get((model, COST_METRIC))
        if quality is not None and cost is not None and finite(quality.value) and finite(cost.value):
            points.append(Point(model, cost.value, quality.value))
    if not points:
        return None, f"no model on this board has both {board.primary} and {COST_METRIC}", ()
    front = pareto_front(points, info.higher_is_better, info.target)
    protocol = TASKS.get(board.task).protocol if board.task in TASKS else ""
    noun = OUTPUT_NOUN.get(protocol, "images")
    cost_label = f"throughput ({noun}/s{', log scale' if log_scale_fits([p.cost for p in points]) else ''})"
    quality_label = f"{header(board.primary)}{' (log scale)' if log_scale_fits([p.quality for p in points]) else ''}"
    left_out = [m for m in models if m not in {p.model for p in points}]
    missing = f"not plotted (no {board.primary} or {COST_METRIC}): {', '.join(left_out)}" if left_out else ""
    return scatter_svg(points, front, quality_label, cost_label, dom_id), missing, tuple(p.model for p in front)


def provenance_lines(run: RunInfo) -> list[tuple[str, str]]:
    """The facts a reader checks first, then the whole record on demand (in the template)."""
    p = run.provenance
    git = p.get("git") if isinstance(p.get("git"), dict) else {}
    commit = git.get("commit") or "unknown (not a git checkout)"
    dirty = {True: " (uncommitted changes)", False: "", None: ""}.get(git.get("dirty"), "")
    versions = p.get("versions") if isinstance(p.get("versions"), dict) else {}
    lines = [("created", run.created_at), ("command", run.command), ("seed", str(run.seed)),
             ("config hash", run.config_hash), ("git commit", f"{commit}{dirty}"),
             ("device", str(p.get("device", ""))), ("host", str(p.get("host", ""))),
             ("platform", str(p.get("platform", ""))), ("python", str(p.get("python", ""))),
             ("versions", ", ".join(f"{k} {v}" for k, v in sorted(versions.items())))]
    return [(key, value) for key, value in lines if value]


def provenance_json(run: RunInfo) -> str:
    return json.dumps(run.provenance, indent=2, sort_keys=True, default=str)
