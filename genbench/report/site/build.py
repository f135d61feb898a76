"""``genbench report``: the stored scores of a suite, a task or some runs as a static site.

index.html lists suites, tasks and runs; each task has a page with its boards (sortable tables
with interval bars, signatures on demand, unavailable metrics with their reason), a
quality-versus-cost scatter per board, the sample grids or translations its runs stored (no model
is loaded), and the provenance of its runs. Pages, plots and PNGs are deterministic: the same store gives byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genbench.report.leaderboard import build_boards
from genbench.report.site.html import render
from genbench.report.site.output import write_site
from genbench.report.site.samples import Grid, task_samples
from genbench.report.site.selection import select
from genbench.report.site.views import TaskView, board_view, slug
from genbench.tasks.spec import SUITES, TASKS


@dataclass(frozen=True)
class SiteSummary:
    out: Path
    pages: int
    images: int
    bytes: int


def build_report(store: Path, out: Path, *, suite: str | None = None, task: str | None = None,
                 run_ids: tuple[str, ...] = ()) -> SiteSummary:
    selection = select(store, suite=suite, task=task, run_ids=run_ids)
    boards = build_boards(selection.scores)
    views: dict[str, TaskView] = {}
    for board in boards:
        name = board.task
        if name not in views:
            registered = TASKS.get(name) if name in TASKS else None
            views[name] = TaskView(name, registered.description if registered else "", f"{slug(name)}.html",
                                   tuple(s for s, tasks in SUITES.items() if s != "all" and name in tasks))
        views[name].boards.append(board_view(board, len(views[name].boards) + 1, selection))
    files: dict[str, bytes] = {}
    for name, view in views.items():
        ordered = list(dict.fromkeys(row.model for b in view.boards for row in b.rows))
        run_of = [(m, selection.run_of[(name, m)]) for m in ordered]
        view.runs = [selection.runs[r] for r in dict.fromkeys(r for _, r in run_of)]
        protocol = TASKS.get(name).protocol if name in TASKS else None
        samples = task_samples(protocol, [(m, selection.exhibits.get((name, m), [])) for m, _ in run_of])
        image_paths = {}
        for key, grid in [(("inputs", k), g) for k, g in samples.inputs.items()] + \
                         [(("model", k), g) for k, g in samples.grids.items()]:
            path = f"img/{slug(name)}/{key[0]}-{slug(key[1])}.png"
            files[path] = grid.png
            image_paths[key] = path
        seeds = {m: selection.runs[r].seed for m, r in run_of}
        files[view.page] = render("task.html", images=True, task=view, samples=samples, image_paths=image_paths,
                                  run_of=run_of, seeds=seeds, grid_size=_png_size).encode()
    title = f"genbench report: {suite or task or ('runs ' + ', '.join(run_ids) if run_ids else 'all tasks')}"
    files["index.html"] = render("index.html", images=True, title=title, suites=_suites(views),
                                 runs=list(selection.runs.values())).encode()
    write_site(out, files)
    return SiteSummary(Path(out), sum(p.endswith(".html") for p in files), sum(p.endswith(".png") for p in files),
                       sum(len(b) for b in files.values()))


def _suites(views: dict[str, TaskView]) -> list[tuple[str, list[TaskView]]]:
    """Suites in their declared order with the tasks reported; tasks of no suite last."""
    listed = [(s, [views[t] for t in tasks if t in views]) for s, tasks in SUITES.items() if s != "all"]
    others = [v for name, v in sorted(views.items()) if not v.suites]
    return [(s, ts) for s, ts in listed if ts] + ([("other tasks", others)] if others else [])


def _png_size(grid: Grid) -> tuple[int, int]:
    """Width and height from the PNG header (IHDR), so the page reserves the image's space."""
    return int.from_bytes(grid.png[16:20], "big"), int.from_bytes(grid.png[20:24], "big")
