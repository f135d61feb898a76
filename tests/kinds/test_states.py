"""Metric states join: shards of a task (torchrun ranks) give the scores of one pass."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings, strategies as st

from genbench.data.digits import load_digits, quantize
from genbench.distributed import in_batch_order
from genbench.features import load_features
from genbench.features.reference import reference_features
from genbench.kinds.per_item import PerItemState
from genbench.metrics.generation import GaussianSums
from genbench.scoring.context import Shard


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


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(0, 4), min_size=1, max_size=12), world=st.integers(1, 4))
def test_shards_of_any_world_size_join_into_the_lists_of_one_pass(sizes, world):
    """Batches dealt round-robin to ranks (any number of entries per batch, empty ones too) come
    back in batch order: what rank 0 scores is what one process would have accumulated."""
    batches = [[(i, j) for j in range(size)] for i, size in enumerate(sizes)]
    one_pass = [entry for batch in batches for entry in batch]
    shards = []
    for rank in range(world):
        lists, marks = {"values": [], "copy": []}, []
        for index, batch in enumerate(batches):
            if Shard(rank, world).owns(index):
                lists["values"] += batch
                lists["copy"] += batch
                marks.append((index, {name: len(v) for name, v in lists.items()}))
        shards.append((lists, marks))
    joined = in_batch_order(shards)
    assert joined == {"values": one_pass, "copy": one_pass}


def test_per_item_state_restores_joined_lists():
    measures = {"double": lambda b: b * 2.0}
    whole, joined = PerItemState(measures), PerItemState(measures)
    whole.update(np.arange(2.0))
    whole.update(np.arange(2.0, 5.0))
    joined.restore({"double": [np.arange(2.0) * 2, np.arange(2.0, 5.0) * 2]})
    np.testing.assert_array_equal(joined.items("double"), whole.items("double"))
    assert joined.items("absent") is None


def test_reference_features_are_snapped_to_the_tasks_grid():
    data = load_digits("test")
    net = load_features("digits-cnn")
    def snap(levels):
        return lambda batch: [quantize(batch.images, levels)]

    coarse = reference_features(data, net, snap(3), "quantize-3-levels")
    np.testing.assert_allclose(coarse.features, net(quantize(data.images, 3))["features"].numpy())
    fine = reference_features(data, net, snap(17), "quantize-17-levels")
    assert not np.allclose(coarse.features, fine.features)  # the grid reaches the features, not only the key
