"""Compare two sets of scores: better, same, worse or incomparable, with the evidence.

Only scores whose signatures share a comparability key are compared; otherwise the verdict is
``incomparable`` and the differing fields are named. Where both sides kept per-item values, a
paired bootstrap over the same items decides significance; otherwise the two intervals do.
A regression (``worse``) is a change beyond the metric's tolerance that is also significant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from genbench.config import GateConfig
from genbench.report.sources import Entry
from genbench.significance import Difference, from_intervals, mean_aggregate, paired_bootstrap

BETTER, SAME, WORSE, INCOMPARABLE = "better", "same", "worse", "incomparable"


@dataclass(frozen=True)
class Comparison:
    task: str
    model: str
    metric: str
    verdict: str
    base: float | None
    cand: float | None
    diff: Difference | None
    tolerance: float | None
    reason: str

    @property
    def name(self) -> str:
        return f"{self.task} · {self.model} · {self.metric}"

    def to_dict(self) -> dict:
        d = self.diff
        return {"task": self.task, "model": self.model, "metric": self.metric, "verdict": self.verdict,
                "base": self.base, "candidate": self.cand, "difference": d.diff if d else None,
                "ci_low": d.ci_low if d else None, "ci_high": d.ci_high if d else None,
                "p_value": d.p_value if d else None, "test": d.method if d else None,
                "tolerance": self.tolerance, "reason": self.reason}


def compare(base: list[Entry], cand: list[Entry], config: GateConfig, seed: int = 12345,
            resamples: int = 1000) -> list[Comparison]:
    base_by = {e.ident: e for e in base}
    out = []
    for c in cand:
        b = base_by.get(c.ident)
        if b is None:
            continue
        out.append(_compare_one(b, c, config, seed, resamples))
    return out


def _compare_one(b: Entry, c: Entry, config: GateConfig, seed: int, resamples: int) -> Comparison:
    def result(verdict: str, reason: str, diff: Difference | None = None, tol: float | None = None) -> Comparison:
        return Comparison(c.task, c.model, c.metric, verdict, b.value, c.value, diff, tol, reason)

    if b.key() != c.key():
        fb, fc = b.signature_fields(), c.signature_fields()
        fields = sorted(k for k in set(fb) | set(fc) if k != "seed" and fb.get(k) != fc.get(k))
        return result(INCOMPARABLE, "signatures differ in " + ", ".join(
            f"{k} ({fb.get(k, '—')} vs {fc.get(k, '—')})" for k in fields))
    if b.value is None or c.value is None:
        return result(INCOMPARABLE, "value unavailable on " + ("both sides" if b.value is None and c.value is None
                                                              else "base" if b.value is None else "candidate"))
    tolerance = config.tolerance(c.metric)
    allowed = tolerance.allowed(b.value)
    if b.items is not None and c.items is not None and len(b.items) == len(c.items) and all(
            math.isfinite(v) for v in b.items + c.items):
        diff = paired_bootstrap(np.array(b.items), np.array(c.items), mean_aggregate(len(b.items)),
                                resamples, seed)
    else:
        diff = from_intervals(b.value, (b.ci_low, b.ci_high), c.value, (c.ci_low, c.ci_high))
    gain = diff.diff if c.higher_is_better else -diff.diff  # > 0: the candidate is better
    significant = math.isfinite(diff.p_value) and diff.p_value < config.alpha
    if tolerance.ignore:
        return result(SAME, "ignored by tolerance config", diff, allowed)
    if abs(gain) > allowed and significant:
        verdict = BETTER if gain > 0 else WORSE
        return result(verdict, f"change {gain:+.4g} beyond tolerance {allowed:.4g}, p={diff.p_value:.3g}", diff, allowed)
    why = "within tolerance" if abs(gain) <= allowed else f"not significant (p={diff.p_value:.3g})"
    return result(SAME, why, diff, allowed)


def exit_code(comparisons: list[Comparison]) -> int:
    """0 no regression, 1 at least one regression, 3 nothing comparable."""
    if any(c.verdict == WORSE for c in comparisons):
        return 1
    if not any(c.verdict != INCOMPARABLE for c in comparisons):
        return 3
    return 0
