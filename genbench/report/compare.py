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
from genbench.errors import InputError
from genbench.metrics import METRICS
from genbench.report.sources import Entry
from genbench.significance import (Aggregate, Difference, approximate_randomization, from_intervals,
                                   mean_aggregate, paired_bootstrap)

BETTER, SAME, WORSE, INCOMPARABLE, MISSING = "better", "same", "worse", "incomparable", "missing"


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
    p_adjusted: float | None = None  # the p-value the verdict used (after multiple-testing correction)

    @property
    def name(self) -> str:
        return f"{self.task} · {self.model} · {self.metric}"

    def to_dict(self) -> dict:
        d = self.diff
        return {"task": self.task, "model": self.model, "metric": self.metric, "verdict": self.verdict,
                "base": self.base, "candidate": self.cand, "difference": d.diff if d else None,
                "ci_low": d.ci_low if d else None, "ci_high": d.ci_high if d else None,
                "p_value": d.p_value if d else None, "p_adjusted": self.p_adjusted,
                "test": d.method if d else None,
                "tolerance": self.tolerance, "reason": self.reason}


def compare(base: list[Entry], cand: list[Entry], config: GateConfig, seed: int = 12345,
            resamples: int = 10_000, paired_test: str = "bootstrap", correction: str = "holm") -> list[Comparison]:
    """Compare every (task, model, metric) present on both sides.

    ``correction="holm"`` adjusts the p-values over all gated comparisons of this call, so the
    chance that a run with no real change raises any alarm stays below alpha (a gate checks
    dozens of metrics at once); ``"none"`` judges each metric on its own. Paired tests use
    ``resamples`` draws: their smallest p-value is 1/(resamples + 1), which must stay small next
    to alpha divided by the number of comparisons.
    """
    base_by = {e.ident: e for e in base}
    cand_ids = {c.ident for c in cand}
    pairs = [(base_by[c.ident], c) for c in cand if c.ident in base_by]
    # A candidate that lost a model or metric the base had must not pass silently.
    missing = [Comparison(b.task, b.model, b.metric, MISSING, b.value, None, None, None,
                          "in the base but not in the candidate") for b in base if b.ident not in cand_ids]
    tested = [_test(b, c, config, seed, resamples, paired_test) for b, c in pairs]
    gated = [i for i, t in enumerate(tested)
             if isinstance(t, Difference) and not config.tolerance(pairs[i][1].metric).ignore]
    raw = [tested[i].p_value for i in gated]
    adjusted = holm(raw) if correction == "holm" else raw
    p_gate = dict(zip(gated, adjusted))
    return [_verdict(b, c, t, p_gate.get(i), config) for i, ((b, c), t) in enumerate(zip(pairs, tested))] + missing


def holm(p_values: list[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values: controls the chance of any false alarm across the family."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: (math.isnan(p_values[i]), p_values[i]))
    adjusted = [math.nan] * m
    running = 0.0
    for rank, i in enumerate(order):
        if math.isnan(p_values[i]):
            continue
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def _test(b: Entry, c: Entry, config: GateConfig, seed: int, resamples: int, paired_test: str
          ) -> Difference | tuple[str, str]:
    """The difference with its raw p-value, or the (verdict, reason) of a pair that cannot be tested."""
    unsigned = [f"the {side}'s lacks {', '.join(e.unsigned_fields())}"
                for side, e in (("base", b), ("candidate", c)) if e.unsigned_fields()]
    if unsigned:  # two empty signatures are equal, yet say nothing about what was measured
        return INCOMPARABLE, "no usable signature: " + "; ".join(unsigned)
    if b.key() != c.key():
        fb, fc = b.signature_fields(), c.signature_fields()
        fields = sorted(k for k in set(fb) | set(fc) if k != "seed" and fb.get(k) != fc.get(k))
        return INCOMPARABLE, "signatures differ in " + ", ".join(
            f"{k} ({fb.get(k, '—')} vs {fc.get(k, '—')})" for k in fields)
    if b.value is None or c.value is None:
        return UNAVAILABLE[(b.value is None, c.value is None)]
    paired = _paired_items(b, c)
    if paired is not None:
        _check_test_size(c, paired[0], resamples)
        test = paired_bootstrap if paired_test == "bootstrap" else approximate_randomization
        return test(*paired, resamples, seed)
    return from_intervals(b.value, (b.ci_low, b.ci_high), c.value, (c.ci_low, c.ci_high))


def _paired_items(b: Entry, c: Entry) -> tuple[np.ndarray, np.ndarray, Aggregate] | None:
    """Both sides' per-item values or statistics and the function that turns summed ones into the
    score; None where a paired test is impossible (no items, other items, non-finite values)."""
    if b.items is None or c.items is None:
        return None
    base, cand = np.asarray(b.items, dtype=np.float64), np.asarray(c.items, dtype=np.float64)
    if base.shape != cand.shape or not (np.isfinite(base).all() and np.isfinite(cand).all()):
        return None
    if base.ndim == 1:
        return base, cand, mean_aggregate(len(base))
    from genbench.metrics.text import STATISTIC_METRICS, statistics_aggregate

    return (base, cand, statistics_aggregate(c.metric)) if c.metric in STATISTIC_METRICS else None


# A paired test draws resamples × items indices at once (each resample's statistics are summed one
# at a time): 10,000 resamples of 616 verses are 6.2e6. A file with a million items must not take the machine.
MAX_RESAMPLED_VALUES = 10**8


def _check_test_size(entry: Entry, values: np.ndarray, resamples: int) -> None:
    size = resamples * len(values)
    if size > MAX_RESAMPLED_VALUES:
        raise InputError(f"{entry.task} · {entry.model} · {entry.metric}: a paired test of {len(values):,} items with {resamples:,} "
                         f"resamples would draw {size:.2g} indices (at most {MAX_RESAMPLED_VALUES:.0e}); "
                         "lower --resamples or compare fewer items.")


# (base unavailable, candidate unavailable) → (verdict, reason). Unavailable on both sides loses
# nothing (the metric needs a file neither run had); a metric that stopped being measured must not pass.
UNAVAILABLE = {
    (True, True): (SAME, "unavailable on both sides"),
    (False, True): (MISSING, "unavailable in the candidate, measured in the base"),
    (True, False): (INCOMPARABLE, "unavailable in the base, measured in the candidate"),
}


def _verdict(b: Entry, c: Entry, tested: Difference | tuple[str, str], p_gate: float | None,
             config: GateConfig) -> Comparison:
    def result(verdict: str, reason: str, diff: Difference | None = None, tol: float | None = None) -> Comparison:
        return Comparison(c.task, c.model, c.metric, verdict, b.value, c.value, diff, tol, reason, p_gate)

    if isinstance(tested, tuple):
        return result(*tested)
    tolerance = config.tolerance(c.metric)
    allowed = tolerance.allowed(b.value)
    if tolerance.ignore or p_gate is None:
        return result(SAME, "ignored by tolerance config", tested, allowed)
    if not math.isfinite(p_gate):
        return result(INCOMPARABLE, "no interval on one side, so no test", tested, allowed)
    gain = _gain(c, b.value, c.value, tested.diff)  # > 0: the candidate is better
    if abs(gain) > allowed and p_gate < config.alpha:
        verdict = BETTER if gain > 0 else WORSE
        return result(verdict, f"change {gain:+.4g} beyond tolerance {allowed:.4g}, p={p_gate:.3g}", tested, allowed)
    why = "within tolerance" if abs(gain) <= allowed else f"not significant (p={p_gate:.3g})"
    return result(SAME, why, tested, allowed)


def _gain(entry: Entry, base: float, cand: float, diff: float) -> float:
    """How much better the candidate is: its difference in the metric's direction, or, for a metric
    with a target value, how much closer to the target it moved."""
    target = METRICS.get(entry.metric).target if entry.metric in METRICS else None
    if target is not None:
        return abs(base - target) - abs(cand - target)
    return diff if higher_is_better(entry) else -diff


def higher_is_better(entry: Entry) -> bool:
    """The metric's direction from the catalog, never from the file being judged."""
    if entry.metric in METRICS:
        return METRICS.get(entry.metric).higher_is_better
    return entry.higher_is_better


def exit_code(comparisons: list[Comparison], strict: bool = False) -> int:
    """0 no regression, 1 at least one regression (a missing row counts), 3 nothing comparable
    (with ``strict``: anything incomparable)."""
    if any(c.verdict in (WORSE, MISSING) for c in comparisons):
        return 1
    incomparable = [c.verdict == INCOMPARABLE for c in comparisons]
    if all(incomparable) or (strict and any(incomparable)):
        return 3
    return 0
