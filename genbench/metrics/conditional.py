"""Scores that only a conditional task can give: does each sample obey its requested class?

- conditional accuracy: the task's classifier agrees with the requested label (per item);
- intra-class FID: FID between the samples requested for a class and the test images of that
  class, reported as the mean over classes and the worst class;
- per-class coverage: coverage (Naeem et al., k=5) of each class's test images by that class's
  samples, reported as the mean and the worst class.
"""

from __future__ import annotations

import numpy as np

from genbench.errors import InputError
from genbench.metrics.generation import PRDC_K, ResampledPrdc, fid, gaussian_stats
from genbench.metrics.intervals import Estimate, bootstrap_items, half_sample_interval


def correct_items(class_logits: np.ndarray, requested: np.ndarray) -> np.ndarray:
    """1.0 where the classifier's top class is the requested label, else 0.0."""
    return (class_logits.argmax(1) == requested).astype(np.float64)


class PerClass:
    """Per-class FID and coverage, precomputed so that resamples only select samples."""

    def __init__(self, real: np.ndarray, real_labels: np.ndarray, fake: np.ndarray, fake_labels: np.ndarray,
                 n_classes: int) -> None:
        self.classes = range(n_classes)
        self.fake = fake
        self.fake_index = [np.flatnonzero(fake_labels == c) for c in self.classes]
        real_by_class = [real[real_labels == c] for c in self.classes]
        self.real_stats = [gaussian_stats(r) for r in real_by_class]
        self.coverage = [ResampledPrdc(r, fake[idx]) for r, idx in zip(real_by_class, self.fake_index)]
        self._fids: dict[bytes, np.ndarray] = {}  # mean and worst class resample the same subsets

    def fids(self, chosen: np.ndarray) -> np.ndarray:
        key = chosen.tobytes()
        if key not in self._fids:
            self._fids[key] = self._class_fids(chosen)
        return self._fids[key]

    def _class_fids(self, chosen: np.ndarray) -> np.ndarray:
        mask = np.zeros(len(self.fake), dtype=bool)
        mask[chosen] = True
        return np.array([fid(self.real_stats[c], self.fake[idx[mask[idx]]])
                         for c, idx in zip(self.classes, self.fake_index)])

    def coverages(self, chosen: np.ndarray) -> np.ndarray:
        counts = np.bincount(chosen, minlength=len(self.fake))
        return np.array([self.coverage[c](counts[idx])["coverage"] for c, idx in zip(self.classes, self.fake_index)])


def conditional_scores(real: np.ndarray, real_labels: np.ndarray, fake: np.ndarray, fake_labels: np.ndarray,
                       class_logits: np.ndarray, n_classes: int, seed: int, resamples: int
                       ) -> tuple[dict[str, Estimate], np.ndarray]:
    """Estimates with 95 % intervals, and the per-item correctness behind conditional accuracy."""
    correct = correct_items(class_logits, fake_labels)
    n = len(fake)
    per_class = PerClass(real, real_labels, fake, fake_labels, n_classes)
    if min(len(idx) for idx in per_class.fake_index) < 2 * PRDC_K:
        raise InputError(f"Each class needs at least {2 * PRDC_K} samples for intra-class metrics.")
    out = {"conditional_accuracy": bootstrap_items(lambda i: float(correct[i].mean()), n, resamples * 5, seed)}
    out["intra_fid_mean"] = half_sample_interval(lambda i: float(per_class.fids(i).mean()), n, resamples, seed)
    out["intra_fid_max"] = half_sample_interval(lambda i: float(per_class.fids(i).max()), n, resamples, seed)
    out["class_coverage_mean"] = half_sample_interval(lambda i: float(per_class.coverages(i).mean()), n,
                                                      resamples, seed)
    out["class_coverage_min"] = half_sample_interval(lambda i: float(per_class.coverages(i).min()), n,
                                                     resamples, seed)
    return out, correct
