"""Comparisons to text: rich table, JSON, JUnit XML (for CI systems) and Markdown (job summaries)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from genbench.report.compare import BETTER, INCOMPARABLE, MISSING, SAME, WORSE, Comparison
from genbench.report.render import fmt

COLOURS = {BETTER: "green", WORSE: "bold red", MISSING: "bold red", INCOMPARABLE: "yellow"}


def _p(c: Comparison) -> str:
    return fmt(c.diff.p_value) if c.diff else "—"


def _interval(c: Comparison) -> str:
    if c.diff is None or c.diff.ci_low != c.diff.ci_low:  # NaN
        return "—"
    return f"[{fmt(c.diff.ci_low)}, {fmt(c.diff.ci_high)}]"


def to_rich(comparisons: list[Comparison]):
    """A compact terminal table; the reason is shown for verdicts other than ``same``."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="genbench compare")
    for col in ("task · model · metric", "verdict", "base → candidate", "difference [95% CI]", "p"):
        table.add_column(col, overflow="fold")
    for c in comparisons:
        # Names and reasons quote the compared files: Text keeps them literal, never markup.
        verdict = Text(c.verdict, style=COLOURS.get(c.verdict, ""))
        if c.verdict != SAME:
            verdict.append("\n" + c.reason, style="dim")
        diff = f"{fmt(c.diff.diff)} {_interval(c)}" if c.diff else "—"
        table.add_row(Text(c.name), verdict, Text(f"{fmt(c.base)} → {fmt(c.cand)}"), Text(diff), Text(_p(c)))
    return table


def to_json(comparisons: list[Comparison]) -> str:
    return json.dumps([c.to_dict() for c in comparisons], indent=2) + "\n"


def to_junit(comparisons: list[Comparison]) -> str:
    """One test case per comparison: regressions fail, incomparable pairs are skipped."""
    failures = sum(c.verdict in (WORSE, MISSING) for c in comparisons)
    skipped = sum(c.verdict == INCOMPARABLE for c in comparisons)
    suites = ET.Element("testsuites", name="genbench compare", tests=str(len(comparisons)),
                        failures=str(failures), errors="0", skipped=str(skipped))
    suite = ET.SubElement(suites, "testsuite", name="genbench compare", tests=str(len(comparisons)),
                          failures=str(failures), errors="0", skipped=str(skipped), time="0")
    for c in comparisons:
        case = ET.SubElement(suite, "testcase", classname=f"{c.task}.{c.model}", name=c.metric, time="0")
        detail = json.dumps(c.to_dict(), indent=2)
        if c.verdict in (WORSE, MISSING):
            ET.SubElement(case, "failure", message=f"{c.name} {c.verdict}: {c.reason}", type="regression").text = detail
        elif c.verdict == INCOMPARABLE:
            ET.SubElement(case, "skipped", message=c.reason)
        else:
            ET.SubElement(case, "system-out").text = f"{c.verdict}: {c.reason}"
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def to_markdown(comparisons: list[Comparison]) -> str:
    worse = sum(c.verdict in (WORSE, MISSING) for c in comparisons)
    lines = ["## genbench compare", "",
             f"{len(comparisons)} comparisons: {worse} regression(s), "
             f"{sum(c.verdict == BETTER for c in comparisons)} improvement(s), "
             f"{sum(c.verdict == INCOMPARABLE for c in comparisons)} incomparable.", "",
             "| task | model | metric | verdict | base | candidate | difference | 95% CI | p | why |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for c in comparisons:
        verdict = f"**{c.verdict}**" if c.verdict in (WORSE, MISSING) else c.verdict
        cells = [c.task, c.model, c.metric, verdict, fmt(c.base), fmt(c.cand),
                 fmt(c.diff.diff) if c.diff else "—", _interval(c), _p(c), c.reason.replace("|", "\\|")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
