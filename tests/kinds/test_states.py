"""Metric states merge: shards of a task (ranks, resumed runs) give the scores of one pass."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings, strategies as st

from genbench.data.digits import load_digits, quantize
from genbench.features import load_features
from genbench.features.reference import reference_features
from genbench.kinds.per_item import PerItemState
from genbench.metrics.generation import GaussianSums


@settings(max_examples=25, deadline=None)
@given(n=st.integers(3, 60), dim=st.integers(1, 6), cut=st.floats(0, 1), seed=st.integers(0, 2**31 - 1))
def test_fid_sums_of_shards_equal_torch_fidelitys_statistics_of_all(n, dim, cut, seed):
    from torch_fidelity.metric_fid import fid_features_to_statistics

    x = np.random.default_rng(seed).normal(3.0, 2.0, (n, dim))
    k = int(cut * n)
    first, second = GaussianSums(dim), GaussianSums(dim)
    first.update(x[:k])
    second.update(x[k:])
    first.merge(second)
    expected = fid_features_to_statistics(torch.from_numpy(x))
    stats = first.stats()
    assert first.n == n
    np.testing.assert_allclose(stats["mu"], expected["mu"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stats["sigma"], np.atleast_2d(expected["sigma"]), rtol=1e-9, atol=1e-9)


def test_per_item_shards_merge_in_order():
    measures = {"double": lambda b: b * 2.0}
    whole, head, tail = PerItemState(measures), PerItemState(measures), PerItemState(measures)
    whole.update(np.arange(5.0))
    head.update(np.arange(2.0))
    tail.update(np.arange(2.0, 5.0))
    head.merge(tail)
    np.testing.assert_array_equal(head.items("double"), whole.items("double"))
    assert head.items("absent") is None


def test_reference_features_are_snapped_to_the_tasks_grid():
    data = load_digits("test")
    net = load_features("digits-cnn")
    def snap(levels):
        return lambda batch: [quantize(batch.images, levels)]

    coarse = reference_features(data, net, snap(3), "quantize-3-levels")
    np.testing.assert_allclose(coarse.features, net(quantize(data.images, 3))["features"].numpy())
    fine = reference_features(data, net, snap(17), "quantize-17-levels")
    assert not np.allclose(coarse.features, fine.features)  # the grid reaches the features, not only the key
