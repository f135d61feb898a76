"""``genbench compare … --html FILE``: every (task, model, metric) with base, candidate,
difference, p-values and verdict in one self-contained page, regressions first."""

from __future__ import annotations

from genbench.report.compare import BETTER, INCOMPARABLE, MISSING, SAME, WORSE, Comparison
from genbench.report.render import fmt
from genbench.report.site.html import render

# Row order: what needs a reader's attention first.
VERDICT_ORDER = {WORSE: 0, MISSING: 1, INCOMPARABLE: 2, BETTER: 3, SAME: 4}
COLUMNS = ("verdict", "task", "model", "metric", "base", "candidate", "difference [95% CI]", "p", "p (Holm)", "why")


def _sort(value: float | None) -> str:
    return "" if value is None or value != value else repr(float(value))


def _row(c: Comparison) -> dict[str, str]:
    d = c.diff
    has_interval = d is not None and d.ci_low == d.ci_low and d.ci_high == d.ci_high
    return {"verdict": c.verdict, "order": str(VERDICT_ORDER.get(c.verdict, 5)), "task": c.task, "model": c.model,
            "metric": c.metric, "base": fmt(c.base), "base_sort": _sort(c.base), "cand": fmt(c.cand),
            "cand_sort": _sort(c.cand), "diff": fmt(d.diff) if d else "—", "diff_sort": _sort(d.diff if d else None),
            "interval": f"[{fmt(d.ci_low)}, {fmt(d.ci_high)}]" if has_interval else "",
            "p": fmt(d.p_value) if d else "—", "p_sort": _sort(d.p_value if d else None),
            "p_adjusted": fmt(c.p_adjusted), "p_adj_sort": _sort(c.p_adjusted), "reason": c.reason}


def to_html(comparisons: list[Comparison], base: str, cand: str) -> str:
    ordered = sorted(comparisons, key=lambda c: (VERDICT_ORDER.get(c.verdict, 5), c.task, c.model, c.metric))
    counts = {"regressions": sum(c.verdict in (WORSE, MISSING) for c in comparisons),
              "better": sum(c.verdict == BETTER for c in comparisons),
              "incomparable": sum(c.verdict == INCOMPARABLE for c in comparisons),
              "same": sum(c.verdict == SAME for c in comparisons)}
    return render("compare.html", images=False, rows=[_row(c) for c in ordered], columns=COLUMNS, counts=counts,
                  base=base, cand=cand)
