"""FID and KID: pinned to an independent computation and to their defining behaviour."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from genbench.data.digits import load_digits, quantize
from genbench.features import load_features
from genbench.metrics import generation as g


def numpy_fid(a: np.ndarray, b: np.ndarray) -> float:
    """FID written out from its definition with scipy's matrix square root."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * covmean))


@pytest.fixture(scope="module")
def digits_features() -> tuple[np.ndarray, np.ndarray]:
    net = load_features("digits-cnn")
    test = net(quantize(load_digits("test").images))["features"].numpy()
    train = net(quantize(load_digits("train").images))["features"].numpy()
    return test, train


def test_fid_equals_independent_numpy_scipy_computation(digits_features):
    test, train = digits_features
    ours = g.fid(g.gaussian_stats(test), train)
    assert ours == pytest.approx(numpy_fid(test, train), rel=1e-6)


def test_fid_of_a_set_against_itself_is_zero(digits_features):
    test, _ = digits_features
    assert abs(g.fid(g.gaussian_stats(test), test)) < 1e-6


def test_fid_and_kid_grow_monotonically_with_added_noise(digits_features):
    test, _ = digits_features
    net = load_features("digits-cnn")
    images = load_digits("test").images
    generator = torch.Generator().manual_seed(0)
    fids, kids = [], []
    for sigma in (0.0, 0.1, 0.2, 0.4, 0.8):
        noisy = (images + sigma * torch.randn(images.shape, generator=generator)).clamp(0, 1)
        feats = net(quantize(noisy))["features"].numpy()
        fids.append(g.fid(g.gaussian_stats(test), feats))
        kids.append(g.kid(test, feats, seed=0)[0])
    assert fids == sorted(fids) and fids[-1] > fids[1] > fids[0]
    assert kids == sorted(kids) and kids[-1] > kids[1]


def test_resampled_kid_with_all_items_equals_torch_fidelity(digits_features):
    from torch_fidelity.metric_kid import kid_features_to_metric

    test, train = digits_features
    train = train[:450]
    reference = kid_features_to_metric(torch.from_numpy(test), torch.from_numpy(train), kid_subsets=1,
                                       kid_subset_size=450, rng_seed=0, verbose=False)
    ours = g.ResampledKid(test, train)(np.ones(450, dtype=int))
    assert ours == pytest.approx(reference["kernel_inception_distance_mean"], rel=1e-9, abs=1e-9)


def prdc_package(real: np.ndarray, fake: np.ndarray) -> dict[str, float]:
    from prdc import compute_prdc

    return {k: float(v) for k, v in compute_prdc(real, fake, nearest_k=g.PRDC_K).items()}


def test_resampled_prdc_with_all_items_equals_prdc_package(digits_features):
    test, train = digits_features
    ours = g.ResampledPrdc(test, train[:300])(np.ones(300, dtype=int))
    reference = prdc_package(test, train[:300])
    for name in ("precision", "recall", "density", "coverage"):
        assert ours[name] == pytest.approx(reference[name], abs=1e-12), name


def test_identical_sets_score_perfect_precision_and_coverage(digits_features):
    test, _ = digits_features
    scores = g.ResampledPrdc(test, test)(np.ones(len(test), dtype=int))
    assert scores["precision"] == 1.0 and scores["recall"] == 1.0 and scores["coverage"] == 1.0


def test_kid_and_prdc_give_the_same_values_when_computed_in_small_row_blocks(digits_features, monkeypatch):
    test, train = digits_features
    counts = np.random.default_rng(0).integers(0, 2, (7, 450))
    counts[:, 0] = 1
    whole_kid = g.ResampledKid(test, train[:450]).many(counts)
    whole_prdc = [g.ResampledPrdc(test, train[:450])(c) for c in counts]
    monkeypatch.setattr(g, "BLOCK_ENTRIES", 450 * 37)  # 37 rows a block: uneven blocks
    assert len(g.row_blocks(450, 450)) == 13
    np.testing.assert_allclose(g.ResampledKid(test, train[:450]).many(counts), whole_kid, rtol=1e-12)
    assert [g.ResampledPrdc(test, train[:450])(c) for c in counts] == whole_prdc


def test_kid_kernel_settings_reach_torch_fidelity(digits_features):
    from torch_fidelity.metric_kid import kid_features_to_metric

    test, train = digits_features
    train = train[:450]
    quadratic = {"kid_kernel_poly_degree": 2}
    ours = g.ResampledKid(test, train, kernel=quadratic)(np.ones(450, dtype=int))
    reference = kid_features_to_metric(torch.from_numpy(test), torch.from_numpy(train), kid_subsets=1,
                                       kid_subset_size=450, rng_seed=0, verbose=False,
                                       **{**g.KID_KERNEL, **quadratic})
    assert ours == pytest.approx(reference["kernel_inception_distance_mean"], rel=1e-9, abs=1e-9)
    assert ours != pytest.approx(g.ResampledKid(test, train)(np.ones(450, dtype=int)), rel=1e-3)



def test_kid_over_subsets_reads_the_kernel_it_is_given(digits_features, monkeypatch):
    test, train = digits_features
    cubic = g.kid(test, train, seed=0)
    monkeypatch.setattr(g, "KID_KERNEL", {**g.KID_KERNEL, "kid_kernel_poly_degree": 2})
    assert g.kid(test, train, seed=0)[0] != pytest.approx(cubic[0], rel=1e-3)


@pytest.mark.parametrize("dim, subset", [(6, 40), (48, 20)])  # subsets larger and smaller than the dimension
def test_subset_fid_equals_torch_fidelitys_fid_of_the_subset(dim, subset):
    rng = np.random.default_rng(dim)
    real, fake = rng.normal(0, 1, (200, dim)), rng.normal(0.2, 1.3, (100, dim))
    stats = g.gaussian_stats(real)
    subset_fid = g.SubsetFid(stats, fake)
    for seed in range(3):
        idx = np.sort(np.random.default_rng(seed).choice(100, subset, replace=False))
        assert subset_fid(idx) == pytest.approx(g.fid(stats, fake[idx]), rel=1e-6)


@pytest.mark.parametrize("measure", ["knn_radii", "prdc", "kid"])
def test_pairwise_work_holds_one_row_block_at_a_time(measure, monkeypatch):
    """Memory does not grow with the square of N: the peak stays within a few row blocks even
    where the full matrix would be 50 times larger."""
    import tracemalloc

    monkeypatch.setattr(g, "BLOCK_ENTRIES", 40_000)  # 320 KB of float64
    rng = np.random.default_rng(0)
    fake, real = rng.normal(size=(1500, 4)), rng.normal(size=(1000, 4))
    run = {"knn_radii": lambda: g.knn_radii(fake, 5), "prdc": lambda: g.ResampledPrdc(real, fake),
           "kid": lambda: g.ResampledKid(real, fake).many(np.ones((4, len(fake))))}[measure]
    import sklearn.metrics  # noqa: F401  the libraries' imports are not the measure's memory
    import torch_fidelity.metric_kid  # noqa: F401
    tracemalloc.start()
    try:
        run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    full_matrix = 1500 * 1500 * 8
    assert peak < full_matrix / 5, f"{measure} peaked at {peak:,} bytes; the full matrix is {full_matrix:,}"
