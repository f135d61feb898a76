"""FID from per-group sums: the value is torch-fidelity's, each leave-one-group-out FID is the
library's FID of the other groups' samples, and the interval behaves like a standard error."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from genbench.metrics.generation import frechet_distance, gaussian_stats
from genbench.metrics.generation import RootedReference
from genbench.metrics.grouped_fid import GROUPS, GroupedSums, jackknife_fid, minus


def grouped(x: np.ndarray, batch: int) -> GroupedSums:
    sums = GroupedSums(x.shape[1])
    for start in range(0, len(x), batch):
        sums.update(start, x[start:start + batch])
    return sums


@settings(max_examples=20, deadline=None)
@given(n=st.integers(GROUPS, 120), dim=st.integers(2, 8), batch=st.integers(1, 50), seed=st.integers(0, 2**31 - 1))
def test_the_value_is_torch_fidelitys_fid_of_every_sample_whatever_the_batching(n, dim, batch, seed):
    rng = np.random.default_rng(seed)
    real, fake = rng.normal(0, 1, (80, dim)), rng.normal(0.5, 1.5, (n, dim))
    est = jackknife_fid(gaussian_stats(real), grouped(fake, batch))
    assert est.value == pytest.approx(frechet_distance(gaussian_stats(real), gaussian_stats(fake)), rel=1e-8, abs=1e-9)
    assert est.ci_low <= est.value <= est.ci_high
    assert est.method == f"jackknife-item-groups-G{GROUPS}"


def test_leaving_a_group_out_is_the_fid_of_the_other_groups_samples():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(0, 1, (200, 6)), rng.normal(0.3, 1.2, (97, 6))
    sums = grouped(fake, 16)
    reference = RootedReference(gaussian_stats(real))
    for g in range(GROUPS):
        others = fake[np.arange(len(fake)) % GROUPS != g]
        ours = reference.fid(minus(sums.total(), sums.groups[g]).stats())
        assert ours == pytest.approx(frechet_distance(gaussian_stats(real), gaussian_stats(others)), rel=1e-8)


def test_the_interval_narrows_like_one_over_root_n_and_covers_the_truth_usually():
    """Gaussians with a known FID (means 0.4 apart in each of 4 dims, equal covariance: FID = 0.64);
    the interval's width falls about √10-fold from 500 to 50,000 samples."""
    rng = np.random.default_rng(1)
    dim, shift = 4, 0.4
    real_stats = {"mu": np.zeros(dim), "sigma": np.eye(dim)}
    widths, covered = {}, 0
    for n in (500, 50_000):
        for trial in range(20 if n == 500 else 1):
            est = jackknife_fid(real_stats, grouped(rng.normal(shift, 1, (n, dim)), 1000))
            covered += n == 500 and est.ci_low <= dim * shift**2 <= est.ci_high
        widths[n] = est.ci_high - est.ci_low
    assert 5 < widths[500] / widths[50_000] < 20
    assert covered >= 16  # of 20 nominal-95 % intervals


def test_an_empty_group_gives_no_interval_rather_than_a_wrong_one():
    rng = np.random.default_rng(2)
    est = jackknife_fid(gaussian_stats(rng.normal(0, 1, (50, 3))), grouped(rng.normal(0, 1, (GROUPS - 1, 3)), 4))
    assert np.isfinite(est.value) and np.isnan(est.ci_low) and np.isnan(est.ci_high)
