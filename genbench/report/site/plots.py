"""Quality against cost: one point per model, the Pareto front marked, as a small static SVG.

matplotlib draws it without pyplot's global state; the output is deterministic (a fixed hash salt
for the SVG's ids, no date in its metadata), so the same scores give the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

# Ratio of the largest to the smallest value from which an axis is drawn on a log scale.
LOG_SPAN = 20.0


@dataclass(frozen=True)
class Point:
    model: str
    cost: float  # throughput: higher is better
    quality: float


def pareto_front(points: list[Point], higher_is_better: bool, target: float | None = None) -> list[Point]:
    """The points no other point beats on both axes (faster or as fast, and better or as good, one
    of them strictly), ordered by throughput. With a ``target`` quality is the distance to it."""
    def badness(p: Point) -> float:
        if target is not None:
            return abs(p.quality - target)
        return -p.quality if higher_is_better else p.quality

    def dominated(p: Point) -> bool:
        return any(q.cost >= p.cost and badness(q) <= badness(p) and (q.cost > p.cost or badness(q) < badness(p))
                   for q in points)

    return sorted((p for p in points if not dominated(p)), key=lambda p: (p.cost, p.model))


def log_scale_fits(values: list[float]) -> bool:
    return bool(values) and min(values) > 0 and max(values) / min(values) >= LOG_SPAN


def scatter_svg(points: list[Point], front: list[Point], quality_label: str, cost_label: str, gid: str) -> str:
    """An inline SVG (no XML prolog): each model a ``<g id="{gid}-point-N">``, the front ``{gid}-pareto``."""
    import matplotlib

    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.hashsalt": "genbench", "svg.fonttype": "path", "font.size": 9,
                                "axes.spines.top": False, "axes.spines.right": False}):
        fig = Figure(figsize=(6.4, 3.6))
        FigureCanvasSVG(fig)
        ax = fig.add_subplot()
        xs, ys = [p.cost for p in points], [p.quality for p in points]
        from matplotlib.ticker import EngFormatter, MaxNLocator

        for axis, values, set_scale in ((ax.xaxis, xs, ax.set_xscale), (ax.yaxis, ys, ax.set_yscale)):
            if log_scale_fits(values):
                set_scale("log")
            else:  # few, short tick labels (90k, not 90000) so that they never run into each other
                axis.set_major_locator(MaxNLocator(5))
                axis.set_major_formatter(EngFormatter(sep=""))
        on_front = {p.model for p in front}
        if len(front) > 1:
            ax.plot([p.cost for p in front], [p.quality for p in front], color="#d95f02", linewidth=1.2,
                    linestyle="--", zorder=1, gid=f"{gid}-pareto", label="Pareto front")
        elif front:  # a single point beats every other: the front is that point
            ax.plot([front[0].cost], [front[0].quality], color="#d95f02", marker="o", markersize=14,
                    fillstyle="none", linestyle="none", zorder=1, gid=f"{gid}-pareto", label="Pareto front")
        for i, p in enumerate(points):
            best = p.model in on_front
            ax.scatter([p.cost], [p.quality], s=36, zorder=2, gid=f"{gid}-point-{i}",
                       color="#d95f02" if best else "#1b9e77", marker="D" if best else "o",
                       edgecolors="black", linewidths=0.5)
            ax.annotate(p.model, (p.cost, p.quality), xytext=(5, 4), textcoords="offset points", fontsize=8,
                        annotation_clip=False)
        ax.set_xlabel(cost_label)
        ax.set_ylabel(quality_label)
        ax.margins(x=0.12, y=0.12)
        ax.grid(True, linewidth=0.3, alpha=0.5)
        if front:
            ax.legend(loc="best", fontsize=8, frameon=False)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=0.05,
                    metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]
