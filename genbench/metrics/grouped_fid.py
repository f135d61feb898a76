"""FID of any number of samples in constant memory: sums per item group, and a
delete-a-group jackknife interval.

FID needs only n, Σx and Σxxᵀ of the samples. Kept per group of items (item i belongs to group
i mod G, so a folder sorted by class or by time spreads over every group), they give the FID
of all samples and of all samples but one group, G + 1 symmetric d×d problems whatever N is;
the jackknife over the G leave-one-group-out values gives the standard error. The sums are
float64; shards (torchrun ranks) add theirs in rank order, so a sharded run's FID equals one
process's to float64 rounding (its summation order differs), not bit for bit.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import t as student_t

from genbench.metrics.generation import GaussianSums, RootedReference, frechet_distance
from genbench.metrics.intervals import CONFIDENCE, Estimate

GROUPS = 10


class GroupedSums:
    """FID's sums of each item group (item i → group i mod ``groups``)."""

    def __init__(self, dim: int, groups: int = GROUPS) -> None:
        self.dim = dim
        self.groups = [GaussianSums(dim) for _ in range(groups)]

    @property
    def n(self) -> int:
        return sum(g.n for g in self.groups)

    def update(self, first_item: int, features: np.ndarray) -> None:
        """Features of items ``first_item``, ``first_item + 1``, … in order."""
        x = np.asarray(features, dtype=np.float64)
        owner = (first_item + np.arange(len(x))) % len(self.groups)
        for g in np.unique(owner):
            self.groups[g].update(x[owner == g])

    def merge(self, other: "GroupedSums") -> None:
        for mine, theirs in zip(self.groups, other.groups):
            mine.merge(theirs)

    def total(self) -> GaussianSums:
        out = GaussianSums(self.dim)
        for g in self.groups:
            out.merge(g)
        return out


def minus(whole: GaussianSums, part: GaussianSums) -> GaussianSums:
    out = GaussianSums(len(whole.total))
    out.n, out.total, out.outer = whole.n - part.n, whole.total - part.total, whole.outer - part.outer
    return out


def jackknife_fid(real_stats: dict[str, np.ndarray], sums: GroupedSums) -> Estimate:
    """FID of all samples (torch-fidelity's distance), with a 95 % interval from the delete-a-group
    jackknife (Student's t with G − 1 degrees of freedom); no interval where a group is empty."""
    reference = RootedReference(real_stats)
    total = sums.total()
    full = frechet_distance(real_stats, total.stats())
    groups = len(sums.groups)
    method = f"jackknife-item-groups-G{groups}"
    if any(g.n == 0 for g in sums.groups) or not np.isfinite(full):
        return Estimate(full, float("nan"), float("nan"), method)
    leave_out = np.array([reference.fid(minus(total, g).stats()) for g in sums.groups])
    se = np.sqrt((groups - 1) / groups * ((leave_out - leave_out.mean()) ** 2).sum())
    half_width = student_t.ppf((1 + CONFIDENCE) / 2, groups - 1) * se
    return Estimate(full, full - half_width, full + half_width, method)
