"""A folder task's samples in feature space, in memory that does not grow with N.

FID and its interval come from fixed-point sums per item group (genbench.metrics.grouped_fid):
all N samples count, in G + 1 matrices of d×d. KID and precision/recall/density/coverage need
the features themselves; they are computed on a seeded random subset of at most SUBSET samples
(Naeem et al. use 10,000), chosen by item position before any image is read, so 1 or 3 ranks,
and a resumed run, keep the same samples. The subset's size is in those scores' signatures.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
import torch

from genbench.data.image_source import RgbBatch
from genbench.features.base import FeatureNetwork
from genbench.metrics.generation import FeatureSet
from genbench.metrics.grouped_fid import GroupedSums

SUBSET = 10_000


def subset_positions(n_items: int, seed: int, at_most: int = SUBSET) -> np.ndarray:
    """The item positions whose features KID and PRDC use: all of them up to ``at_most``, else a
    seeded random choice of ``at_most``."""
    if n_items <= at_most:
        return np.arange(n_items)
    return np.sort(np.random.default_rng([seed, n_items]).choice(n_items, at_most, replace=False))


class BoundedFeatureState:
    def __init__(self, embedder: FeatureNetwork, real: FeatureSet,
                 prepare: Callable[[RgbBatch], Iterator[torch.Tensor]], n_items: int, seed: int,
                 at_most: int = SUBSET) -> None:
        self.embedder, self.real, self.prepare = embedder, real, prepare
        self.at_most = at_most
        self.kept = np.zeros(n_items, dtype=bool)
        self.kept[subset_positions(n_items, seed, at_most)] = True
        self.sums = GroupedSums(embedder.dim)
        self.features: list[np.ndarray] = []  # the subset's, batch by batch
        # One entry per shard (its own sums) once it has seen a batch: the runner cuts lists at
        # batch boundaries, and integer sums add up the same whichever shard comes first.
        self.shard_sums: list[GroupedSums] = []

    def update(self, batch: RgbBatch) -> None:
        position = batch.start
        for images in self.prepare(batch):
            features = self.embedder(images)["features"].double().numpy()
            self.sums.update(position, features)
            self.features.append(features[self.kept[position:position + len(features)]])
            position += len(features)
        if not self.shard_sums:
            self.shard_sums.append(self.sums)

    def lists(self) -> dict[str, list]:
        return {"features": self.features, "sums": self.shard_sums}

    def restore(self, lists: dict[str, list]) -> None:
        self.features = lists["features"]
        self.sums = GroupedSums(self.embedder.dim)
        for shard in lists["sums"]:
            self.sums.merge(shard)

    def subset(self) -> FeatureSet:
        features = np.concatenate(self.features) if self.features else np.zeros((0, self.embedder.dim))
        return FeatureSet(features, np.zeros((len(features), 0)))
