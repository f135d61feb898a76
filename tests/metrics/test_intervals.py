from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from genbench.metrics.intervals import half_sample_interval, mean_with_interval


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(20, 200))
def test_intervals_contain_the_estimate(seed: int, n: int):
    values = np.random.default_rng(seed).normal(size=n)
    for est in (mean_with_interval(values, 200, seed),
                half_sample_interval(lambda i: float(values[i].mean()), n, 100, seed)):
        assert est.ci_low <= est.value <= est.ci_high


def test_interval_width_shrinks_like_one_over_root_n():
    rng = np.random.default_rng(0)
    small, large = rng.normal(size=100), rng.normal(size=1600)
    widths = [half_sample_interval(lambda i, v=v: float(v[i].mean()), len(v), 400, 0) for v in (small, large)]
    ratio = (widths[0].ci_high - widths[0].ci_low) / (widths[1].ci_high - widths[1].ci_low)
    assert 2.5 < ratio < 6.0  # sqrt(16) = 4


def test_same_seed_gives_the_same_interval():
    values = np.random.default_rng(1).normal(size=50)
    assert mean_with_interval(values, 100, 7) == mean_with_interval(values, 100, 7)
