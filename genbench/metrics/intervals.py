"""95 % intervals over items.

Means over items (bits/dim, PSNR, latency …) use scipy's percentile bootstrap. Set-level
statistics (FID, KID, precision/recall/density/coverage, class histograms) do not bootstrap
well: a resample with replacement holds only ~63 % distinct items, which shifts FID up and
recall/coverage down, so percentile intervals can miss the estimate itself. For those we use
half-sampling: subsets of n/2 items drawn without replacement. Without replacement, a half
sample's spread already equals the full sample's standard error (the finite-population factor
1 - m/n = 1/2 cancels the halved size), so the spread of the half-sample statistics around
their own mean is used as it is, centred on the full-sample estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.stats import bootstrap

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    value: float
    ci_low: float
    ci_high: float
    method: str  # a short id without the seed (the seed is in the signature), e.g. "half-sampling-items-B200"


def bootstrap_items(statistic: Callable[[np.ndarray], float], n_items: int, resamples: int,
                    seed: int, value: float | None = None) -> Estimate:
    """Resample item indices with replacement and recompute ``statistic(indices)``.

    ``value`` is the statistic on all items when the caller has it already.
    """
    indices = np.arange(n_items)
    full = statistic(indices) if value is None else value
    method = f"bootstrap-percentile-items-B{resamples}"
    if n_items < 2 or not np.isfinite(full):
        return Estimate(full, float("nan"), float("nan"), method)
    result = bootstrap((indices,), lambda idx: statistic(idx.astype(int)), n_resamples=resamples,
                       confidence_level=CONFIDENCE, method="percentile", vectorized=False,
                       random_state=np.random.default_rng(seed))
    return Estimate(float(full), float(result.confidence_interval.low),
                    float(result.confidence_interval.high), method)


def half_samples(n_items: int, resamples: int, seed: int) -> list[np.ndarray]:
    """The sorted index sets of ``resamples`` half-samples without replacement, as the interval draws them."""
    rng = np.random.default_rng(seed)
    m = n_items // 2
    return [np.sort(rng.choice(n_items, m, replace=False)) for _ in range(resamples)]


def half_sample_interval(statistic: Callable[[np.ndarray], float], n_items: int, resamples: int,
                         seed: int, value: float | None = None) -> Estimate:
    """95 % interval for a set-level statistic from ``resamples`` half-samples without replacement."""
    full = statistic(np.arange(n_items)) if value is None else value
    if n_items < 4 or not np.isfinite(full):
        return half_sample_estimate(full, np.zeros(0), resamples)
    stats = np.array([statistic(idx) for idx in half_samples(n_items, resamples, seed)])
    return half_sample_estimate(full, stats, resamples)


def half_sample_estimate(full: float, stats: np.ndarray, resamples: int) -> Estimate:
    """The interval from the statistic on every half-sample (none: no interval), centred on ``full``."""
    method = f"half-sampling-items-v2-B{resamples}"
    if len(stats) == 0 or not np.isfinite(full):
        return Estimate(full, float("nan"), float("nan"), method)
    deviations = stats - stats.mean()
    low, high = np.quantile(deviations, [(1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2])
    return Estimate(float(full), float(full + low), float(full + high), method)


def mean_with_interval(values: np.ndarray, resamples: int, seed: int) -> Estimate:
    values = np.asarray(values, dtype=np.float64)
    return bootstrap_items(lambda idx: float(values[idx].mean()), len(values), resamples, seed)
