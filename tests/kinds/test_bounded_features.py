"""A folder task's state keeps memory flat in N: FID from per-group sums over every sample, KID
and PRDC on a seeded subset that does not depend on batching or on how many ranks share the work."""

from __future__ import annotations

from dataclasses import astuple

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from genbench.data.image_source import RgbBatch
from genbench.distributed import in_batch_order
from genbench.kinds.bounded_features import BoundedFeatureState, subset_positions
from genbench.metrics.generation import FeatureSet, feature_scores, frechet_distance, gaussian_stats, set_scores
from genbench.metrics.grouped_fid import jackknife_fid
from image_folders import tiny_rgb

NET = tiny_rgb()


def prepare(batch: RgbBatch):
    yield torch.from_numpy(np.stack(batch.images)).permute(0, 3, 1, 2).float() / 255


def images(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8) for _ in range(n)]


def batches(pictures: list[np.ndarray], size: int) -> list[RgbBatch]:
    return [RgbBatch(start, tuple(f"i{start + k}" for k in range(len(pictures[start:start + size]))),
                     pictures[start:start + size]) for start in range(0, len(pictures), size)]


def reference() -> FeatureSet:
    batch = batches(images(60, seed=1), 60)[0]
    return FeatureSet.from_tensors(NET(next(prepare(batch))))


def sharded(pictures: list[np.ndarray], size: int, world: int, at_most: int) -> BoundedFeatureState:
    """The state rank 0 scores when ``world`` ranks share the batches round-robin."""
    shards = []
    for rank in range(world):
        state = BoundedFeatureState(NET, reference(), prepare, len(pictures), seed=0, at_most=at_most)
        marks = []
        for index, batch in enumerate(batches(pictures, size)):
            if index % world == rank:
                state.update(batch)
                marks.append((index, {name: len(values) for name, values in state.lists().items()}))
        shards.append((state.lists(), marks))
    joined = BoundedFeatureState(NET, reference(), prepare, len(pictures), seed=0, at_most=at_most)
    joined.restore(in_batch_order(shards))
    return joined


def test_below_the_subset_size_every_score_is_that_of_all_features():
    pictures = images(45, seed=2)
    state = sharded(pictures, 10, 1, at_most=1000)
    everything = FeatureSet.from_tensors(NET(next(prepare(batches(pictures, 45)[0]))))
    np.testing.assert_array_equal(state.subset().features, everything.features)
    assert state.sums.n == 45
    expected = feature_scores(reference(), everything, seed=0, resamples=20)
    ours = set_scores(reference(), state.subset(), 0, 20)
    np.testing.assert_equal({k: astuple(v) for k, v in ours.items()},
                            {k: astuple(v) for k, v in expected.items() if k != "fid"})  # NaN equals NaN here
    fid = jackknife_fid(gaussian_stats(reference().features), state.sums)
    assert fid.value == pytest.approx(expected["fid"].value, rel=1e-9)


@settings(max_examples=10, deadline=None)
@given(size=st.integers(1, 17), world=st.integers(1, 3))
def test_batching_and_ranks_keep_the_same_subset_and_fid(size, world):
    pictures = images(53, seed=3)
    one = sharded(pictures, 53, 1, at_most=20)
    other = sharded(pictures, size, world, at_most=20)
    assert len(other.subset().features) == 20
    np.testing.assert_array_equal(other.subset().features, one.subset().features)
    real = gaussian_stats(reference().features)
    assert jackknife_fid(real, other.sums).value == pytest.approx(jackknife_fid(real, one.sums).value, rel=1e-9)


def test_above_the_subset_size_fid_counts_every_sample_and_the_subset_is_a_seeded_choice():
    pictures = images(80, seed=4)
    state = sharded(pictures, 16, 1, at_most=30)
    everything = FeatureSet.from_tensors(NET(next(prepare(batches(pictures, 80)[0]))))
    chosen = subset_positions(80, seed=0, at_most=30)
    np.testing.assert_array_equal(state.subset().features, everything.features[chosen])
    assert not np.array_equal(chosen, np.arange(30))  # not simply the first files (a sorted folder)
    assert not np.array_equal(chosen, subset_positions(80, seed=1, at_most=30))
    real = gaussian_stats(reference().features)
    assert jackknife_fid(real, state.sums).value == pytest.approx(
        frechet_distance(real, gaussian_stats(everything.features)), rel=1e-9)
