"""Scores of unconditional samples against the test split, from feature-network outputs.

FID, KID and the classifier score come from torch-fidelity's pure functions, precision/recall/
density/coverage from ``prdc`` (its authors' reference code); genbench only resamples for intervals.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import numpy as np
import torch

from genbench.metrics.intervals import Estimate, half_sample_interval

PRDC_K = 5
KID_SUBSETS = 100
KID_SUBSET_SIZE = 100
KID_KERNEL = {"kid_degree": 3, "kid_gamma": None, "kid_coef0": 1}  # torch-fidelity's cubic polynomial kernel
MODE_SHARE = 0.1  # a class counts as covered with ≥ 10 % of its real share of samples


@dataclass(frozen=True)
class FeatureSet:
    features: np.ndarray  # (N, D) float64
    logits: np.ndarray  # (N, K) float64

    @staticmethod
    def from_tensors(out: dict[str, torch.Tensor]) -> "FeatureSet":
        return FeatureSet(out["features"].double().numpy(), out["logits"].double().numpy())


def gaussian_stats(features: np.ndarray) -> dict[str, np.ndarray]:
    from torch_fidelity.metric_fid import fid_features_to_statistics

    return fid_features_to_statistics(torch.from_numpy(features))


def fid(real_stats: dict[str, np.ndarray], fake: np.ndarray) -> float:
    from torch_fidelity.metric_fid import KEY_METRIC_FID, fid_statistics_to_metric

    return fid_statistics_to_metric(real_stats, gaussian_stats(fake), verbose=False)[KEY_METRIC_FID]


def kid(real: np.ndarray, fake: np.ndarray, seed: int, subsets: int = KID_SUBSETS) -> tuple[float, float]:
    from torch_fidelity.metric_kid import KEY_METRIC_KID_MEAN, KEY_METRIC_KID_STD, kid_features_to_metric

    size = min(KID_SUBSET_SIZE, len(real), len(fake))
    out = kid_features_to_metric(torch.from_numpy(real), torch.from_numpy(fake), kid_subsets=subsets,
                                 kid_subset_size=size, rng_seed=seed, verbose=False, **KID_KERNEL)
    return out[KEY_METRIC_KID_MEAN], out[KEY_METRIC_KID_STD]


def prdc(real: np.ndarray, fake: np.ndarray) -> dict[str, float]:
    from prdc import compute_prdc

    with contextlib.redirect_stdout(io.StringIO()):  # prdc prints its sample counts
        return {k: float(v) for k, v in compute_prdc(real, fake, nearest_k=PRDC_K).items()}


class ResampledKid:
    """Unbiased MMD² (KID's kernel) of the full sets, re-weighted by bootstrap counts.

    Kernels are computed once with torch-fidelity; a resample only changes how often each
    sample counts (0 or 1 for half-samples). Pairs of copies of the same sample are excluded,
    as the unbiased estimator excludes the diagonal, so duplicates would not inflate it either.
    """

    def __init__(self, real: np.ndarray, fake: np.ndarray) -> None:
        from torch_fidelity.metric_kid import kernel_poly

        k_rr = kernel_poly(real, real, **KID_KERNEL)
        self.k_ff = kernel_poly(fake, fake, **KID_KERNEL)
        self.k_rf_colsum = kernel_poly(real, fake, **KID_KERNEL).sum(axis=0)  # (n_fake,)
        m = len(real)
        self.real_term = (k_rr.sum() - np.trace(k_rr)) / (m * (m - 1))
        self.m = m

    def __call__(self, counts: np.ndarray) -> float:
        c = counts.astype(np.float64)
        n = c.sum()
        pairs = n * n - (c * c).sum()
        fake_term = (c @ self.k_ff @ c - (c * c * np.diag(self.k_ff)).sum()) / pairs
        cross = (self.k_rf_colsum @ c) / (self.m * n)
        return float(self.real_term + fake_term - 2 * cross)


class ResampledPrdc:
    """Precision, recall, density and coverage (Naeem et al.) from one distance matrix, for resamples.

    Radii are properties of items: the real radii and each sample's own k-NN radius (among all
    samples) are computed once, so a resample only selects and weights samples. With every count 1 this
    equals ``prdc.compute_prdc``; a test pins that.
    """

    def __init__(self, real: np.ndarray, fake: np.ndarray, k: int = PRDC_K) -> None:
        from sklearn.metrics import pairwise_distances

        real_radii = np.partition(pairwise_distances(real, real), k, axis=1)[:, k]
        fake_radii = np.partition(pairwise_distances(fake, fake), k, axis=1)[:, k]
        dist = pairwise_distances(real, fake)  # (n_real, n_fake)
        self.in_real = dist < real_radii[:, None]  # sample j inside real item i's ball
        self.in_fake = dist < fake_radii[None, :]  # real item i inside sample j's ball
        self.k = k

    def __call__(self, counts: np.ndarray) -> dict[str, float]:
        c = counts.astype(np.float64)
        used = counts > 0
        return {
            "precision": float((self.in_real.any(axis=0) * c).sum() / c.sum()),
            "recall": float(self.in_fake[:, used].any(axis=1).mean()),
            "density": float((self.in_real.sum(axis=0) * c).sum() / (self.k * c.sum())),
            "coverage": float(self.in_real[:, used].any(axis=1).mean()),
        }


def classifier_score(logits: np.ndarray) -> float:
    from torch_fidelity.metric_isc import KEY_METRIC_ISC_MEAN, isc_features_to_metric

    return isc_features_to_metric(torch.from_numpy(logits), splits=1, shuffle=False)[KEY_METRIC_ISC_MEAN]


def class_histogram(logits: np.ndarray, n_classes: int) -> np.ndarray:
    return np.bincount(logits.argmax(1), minlength=n_classes).astype(np.float64)


def modes_covered(fake_hist: np.ndarray, real_hist: np.ndarray) -> float:
    fake_share = fake_hist / fake_hist.sum()
    real_share = real_hist / real_hist.sum()
    return float(np.sum(fake_share >= MODE_SHARE * real_share))


def class_js(fake_hist: np.ndarray, real_hist: np.ndarray) -> float:
    from scipy.spatial.distance import jensenshannon

    return float(jensenshannon(fake_hist, real_hist, base=2) ** 2)


def generation_scores(real: FeatureSet, fake: FeatureSet, class_real: np.ndarray, class_fake: np.ndarray,
                      seed: int, resamples: int) -> dict[str, Estimate]:
    """Every generation metric with a bootstrap interval over the generated items.

    ``class_real``/``class_fake`` are logits of the task's own classifier (mode coverage needs the
    task's classes even when the embedding network is Inception).
    """
    real_stats = gaussian_stats(real.features)
    n = len(fake.features)
    out: dict[str, Estimate] = {}
    out["fid"] = half_sample_interval(lambda i: fid(real_stats, fake.features[i]), n, resamples, seed)
    def counts(i: np.ndarray) -> np.ndarray:
        return np.bincount(i, minlength=n)

    # KID's value is the unbiased MMD² over all items of both sets (torch-fidelity's kernel; equal to
    # its KID with one subset holding everything when both sets have the same size, a test pins
    # that), the quantity the interval resamples. The usual 100 subsets of 100 give KID's std.
    resampled_kid = ResampledKid(real.features, fake.features)
    _, kid_std = kid(real.features, fake.features, seed)
    out["kid"] = half_sample_interval(lambda i: resampled_kid(counts(i)), n, resamples, seed,
                                      value=resampled_kid(np.ones(n, dtype=int)))
    out["kid_std"] = Estimate(kid_std, float("nan"), float("nan"), "none")
    full = prdc(real.features, fake.features)
    resampled_prdc = ResampledPrdc(real.features, fake.features)
    for name in ("precision", "recall", "density", "coverage"):
        out[name] = half_sample_interval(lambda i, name=name: resampled_prdc(counts(i))[name],
                                    n, resamples, seed, value=full[name])
    out["classifier_score"] = half_sample_interval(lambda i: classifier_score(fake.logits[i]), n, resamples, seed)
    n_classes = class_real.shape[1]
    real_hist = class_histogram(class_real, n_classes)
    fake_labels = class_fake.argmax(1)

    def hist(i: np.ndarray) -> np.ndarray:
        return np.bincount(fake_labels[i], minlength=n_classes).astype(np.float64)

    out["modes_covered"] = half_sample_interval(lambda i: modes_covered(hist(i), real_hist), n, resamples, seed)
    out["class_js"] = half_sample_interval(lambda i: class_js(hist(i), real_hist), n, resamples, seed)
    return out
