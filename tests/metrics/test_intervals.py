from __future__ import annotations

import numpy as np
import pytest
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


def test_half_sample_interval_of_a_mean_matches_the_closed_form():
    """For a mean, the 95 % interval is ±1.96·s/√n; half-sampling must reproduce that width."""
    rng = np.random.default_rng(0)
    for n in (100, 1600):
        values = rng.normal(size=n)
        est = half_sample_interval(lambda i: float(values[i].mean()), n, 2000, 0)
        closed_form = 2 * 1.96 * values.std(ddof=1) / np.sqrt(n)
        assert (est.ci_high - est.ci_low) == pytest.approx(closed_form, rel=0.1)


def test_half_sample_intervals_cover_the_truth_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    hits = 0
    for trial in range(200):
        values = rng.normal(size=80)
        est = half_sample_interval(lambda i: float(values[i].mean()), 80, 200, trial)
        hits += est.ci_low <= 0.0 <= est.ci_high
    assert 0.90 <= hits / 200 <= 0.99


def test_same_seed_gives_the_same_interval():
    values = np.random.default_rng(1).normal(size=50)
    assert mean_with_interval(values, 100, 7) == mean_with_interval(values, 100, 7)
