"""Significance of a difference between two scores.

Paired tests work on per-item sufficient statistics of the same items (arrays (n, k)), with an
``aggregate`` that turns summed statistics into the score, as sacrebleu does for BLEU:

- paired bootstrap (Koehn 2004; sacrebleu's ``paired-bs``): resample items jointly, look at how
  often the centred resampled |difference| exceeds the observed one;
- approximate randomisation (Riezler & Maxwell 2005; sacrebleu's ``paired-ar``): swap the two
  systems' outputs item by item at random.

Both use sacrebleu's p-value, (c + 1) / (B + 1). When only intervals are known (set-level metrics
such as FID, or a published table), ``from_intervals`` treats the two estimates as independent
and normal, with standard errors read off their 95 % intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.stats import norm

Aggregate = Callable[[np.ndarray], float]  # summed statistics (k,) → score

Z95 = float(norm.ppf(0.975))


def mean_aggregate(n: int) -> Aggregate:
    return lambda summed: float(summed[0] / n)


@dataclass(frozen=True)
class Difference:
    diff: float  # candidate − base
    ci_low: float
    ci_high: float
    p_value: float
    method: str


def _p_value(stats: np.ndarray, observed: float) -> float:
    return float((np.sum(stats > observed) + 1) / (len(stats) + 1))


def paired_bootstrap(base: np.ndarray, cand: np.ndarray, aggregate: Aggregate, resamples: int = 10_000,
                     seed: int = 12345) -> Difference:
    base, cand = _as_stats(base), _as_stats(cand)
    rng = np.random.default_rng(seed)
    idxs = rng.choice(len(base), size=(resamples, len(base)), replace=True)
    base_score, cand_score = aggregate(base.sum(0)), aggregate(cand.sum(0))
    # One resample at a time: indexing with the whole (resamples, n) array would hold every
    # resample's statistics at once (10,000 × 616 verses × 18 chrF statistics is 0.9 GB).
    scores_base = np.array([aggregate(base[i].sum(0)) for i in idxs])
    scores_cand = np.array([aggregate(cand[i].sum(0)) for i in idxs])
    sample_diffs = np.abs(scores_cand - scores_base)
    p = _p_value(sample_diffs - sample_diffs.mean(), abs(cand_score - base_score))
    low, high = np.quantile(scores_cand - scores_base, [0.025, 0.975])
    return Difference(cand_score - base_score, float(low), float(high), p, f"paired-bootstrap-B{resamples}")


def approximate_randomization(base: np.ndarray, cand: np.ndarray, aggregate: Aggregate, trials: int = 10000,
                              seed: int = 12345) -> Difference:
    base, cand = _as_stats(base), _as_stats(cand)
    rng = np.random.default_rng(seed)
    pos = rng.integers(2, size=(trials, len(base)), dtype=bool)
    neg = ~pos
    shuf_a = pos @ base + neg @ cand
    shuf_b = neg @ base + pos @ cand
    scores_a = np.array([aggregate(x) for x in shuf_a])
    scores_b = np.array([aggregate(x) for x in shuf_b])
    base_score, cand_score = aggregate(base.sum(0)), aggregate(cand.sum(0))
    p = _p_value(np.abs(scores_a - scores_b), abs(cand_score - base_score))
    return Difference(cand_score - base_score, math.nan, math.nan, p, f"approximate-randomization-T{trials}")


def from_intervals(base: float, base_ci: tuple[float, float], cand: float, cand_ci: tuple[float, float]
                   ) -> Difference:
    """Two independent estimates with 95 % intervals: normal approximation of their difference."""
    se = math.hypot(_se(base_ci), _se(cand_ci))
    diff = cand - base
    if not math.isfinite(se):
        return Difference(diff, math.nan, math.nan, math.nan, "unavailable")
    if se == 0:
        return Difference(diff, diff, diff, 1.0 if diff == 0 else 0.0, "exact")
    p = float(2 * norm.sf(abs(diff) / se))
    return Difference(diff, diff - Z95 * se, diff + Z95 * se, p, "independent-normal-from-intervals")


def _se(ci: tuple[float, float]) -> float:
    low, high = ci
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return math.nan
    return (high - low) / (2 * Z95)


def _as_stats(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return values[:, None] if values.ndim == 1 else values
