"""Scores of unconditional samples against the test split, from feature-network outputs.

FID's distance, KID's kernel and std and the classifier score come from torch-fidelity's pure
functions. KID's all-items value and precision/recall/density/coverage are genbench's own
streaming computations (row blocks, never an n×n float64 matrix), pinned by tests to
torch-fidelity and to ``prdc`` (its authors' reference code) on the same items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from genbench.metrics.intervals import Estimate, half_sample_estimate, half_sample_interval, half_samples

PRDC_K = 5
KID_SUBSETS = 100
KID_SUBSET_SIZE = 100
# torch-fidelity's cubic polynomial kernel, under the names its functions read.
KID_KERNEL = {"kid_kernel": "poly", "kid_kernel_poly_degree": 3, "kid_kernel_poly_gamma": None,
              "kid_kernel_poly_coef0": 1}

def kid_kernel_label(kernel: dict = KID_KERNEL) -> str:
    """The kernel as signatures name it, e.g. ``poly-degree3-gamma1/dim-coef0-1``."""
    gamma = kernel["kid_kernel_poly_gamma"]
    return (f"poly-degree{kernel['kid_kernel_poly_degree']:g}-gamma{'1/dim' if gamma is None else f'{gamma:g}'}"
            f"-coef0-{kernel['kid_kernel_poly_coef0']:g}")


MODE_SHARE = 0.1  # a class counts as covered with ≥ 10 % of its real share of samples


@dataclass(frozen=True)
class FeatureSet:
    features: np.ndarray  # (N, D) float64
    logits: np.ndarray  # (N, K) float64

    @staticmethod
    def from_tensors(out: dict[str, torch.Tensor]) -> "FeatureSet":
        return FeatureSet(out["features"].double().numpy(), out["logits"].double().numpy())


class GaussianSums:
    """FID's sufficient statistics in float64: n, Σx and Σxxᵀ. Mergeable, so shards add up exactly."""

    def __init__(self, dim: int) -> None:
        self.n = 0
        self.total = np.zeros(dim, dtype=np.float64)
        self.outer = np.zeros((dim, dim), dtype=np.float64)

    def update(self, features: np.ndarray) -> None:
        x = np.asarray(features, dtype=np.float64)
        self.n += len(x)
        self.total += x.sum(axis=0)
        self.outer += x.T @ x

    def merge(self, other: "GaussianSums") -> None:
        self.n += other.n
        self.total += other.total
        self.outer += other.outer

    def stats(self) -> dict[str, np.ndarray]:
        """Mean and unbiased covariance, in torch-fidelity's statistics format."""
        if self.n < 2:
            raise ValueError(f"FID needs at least 2 samples, got {self.n}")
        mu = self.total / self.n
        sigma = (self.outer - self.n * np.outer(mu, mu)) / (self.n - 1)
        return {"mu": mu, "sigma": sigma}


def gaussian_stats(features: np.ndarray) -> dict[str, np.ndarray]:
    from torch_fidelity.metric_fid import fid_features_to_statistics

    return fid_features_to_statistics(torch.from_numpy(features))


def fid(real_stats: dict[str, np.ndarray], fake: np.ndarray) -> float:
    return frechet_distance(real_stats, gaussian_stats(fake))


def frechet_distance(real_stats: dict[str, np.ndarray], fake_stats: dict[str, np.ndarray]) -> float:
    from torch_fidelity.metric_fid import KEY_METRIC_FID, fid_statistics_to_metric

    return fid_statistics_to_metric(real_stats, fake_stats, verbose=False)[KEY_METRIC_FID]


class RootedReference:
    """The reference's statistics with Σr^½ computed once, so each FID costs one symmetric
    eigendecomposition: tr √(Σr Σs) is the sum of the square roots of the eigenvalues of Σr^½ Σs Σr^½."""

    def __init__(self, real_stats: dict[str, np.ndarray]) -> None:
        sigma = np.atleast_2d(real_stats["sigma"])
        values, vectors = np.linalg.eigh(sigma)
        self.root = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
        self.mu, self.trace = real_stats["mu"], float(np.trace(sigma))

    def fid(self, stats: dict[str, np.ndarray]) -> float:
        sigma = stats["sigma"]
        middle = self.root @ sigma @ self.root
        root_trace = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
        return float(((self.mu - stats["mu"]) ** 2).sum() + self.trace + np.trace(sigma) - 2 * root_trace)


class SubsetFid:
    """FID of subsets of one set of samples against fixed real statistics (for resampled intervals).

    With Z = X Σr^½ computed once, a subset of m samples costs one symmetric m×m (or d×d,
    whichever is smaller) eigendecomposition instead of a general d×d one, which for 2048-d
    features is the difference between seconds and hours over 200 resamples. Equal to
    torch-fidelity's FID of the subset (a test pins it).
    """

    def __init__(self, real_stats: dict[str, np.ndarray], fake: np.ndarray) -> None:
        self.reference = RootedReference(real_stats)
        self.fake, self.projected = fake, fake @ self.reference.root

    def __call__(self, idx: np.ndarray) -> float:
        x, z = self.fake[idx], self.projected[idx]
        m = len(idx)
        mu = x.mean(axis=0)
        trace_fake = float(((x - mu) ** 2).sum()) / (m - 1)
        zc = z - z.mean(axis=0)
        gram = zc @ zc.T if m <= zc.shape[1] else zc.T @ zc  # same non-zero eigenvalues
        root_trace = np.sqrt(np.clip(np.linalg.eigvalsh(gram / (m - 1)), 0, None)).sum()
        ref = self.reference
        return float(((ref.mu - mu) ** 2).sum() + ref.trace + trace_fake - 2 * root_trace)


def kid(real: np.ndarray, fake: np.ndarray, seed: int, subsets: int = KID_SUBSETS) -> tuple[float, float]:
    from torch_fidelity.metric_kid import KEY_METRIC_KID_MEAN, KEY_METRIC_KID_STD, kid_features_to_metric

    size = min(KID_SUBSET_SIZE, len(real), len(fake))
    out = kid_features_to_metric(torch.from_numpy(real), torch.from_numpy(fake), kid_subsets=subsets,
                                 kid_subset_size=size, rng_seed=seed, verbose=False, **KID_KERNEL)
    return out[KEY_METRIC_KID_MEAN], out[KEY_METRIC_KID_STD]


# Row blocks of pairwise matrices hold at most this many float64 entries (16 MiB) at once; the
# libraries' temporaries are a few blocks more. Larger blocks cost memory and gain no speed.
BLOCK_ENTRIES = 2 * 1024 * 1024


def row_blocks(n_rows: int, n_cols: int) -> list[slice]:
    rows = max(1, BLOCK_ENTRIES // max(1, n_cols))
    return [slice(start, min(start + rows, n_rows)) for start in range(0, n_rows, rows)]


class ResampledKid:
    """Unbiased MMD² (KID's kernel) of the full sets, re-weighted by resample counts.

    A resample only changes how often each sample counts (0 or 1 for half-samples); pairs of
    copies of one sample are excluded, as the unbiased estimator excludes the diagonal. Kernel
    blocks come from torch-fidelity's ``kernel_poly`` one row block at a time, and every
    resample is folded in as a block passes, so no n×n matrix is ever held.
    """

    def __init__(self, real: np.ndarray, fake: np.ndarray, kernel: dict | None = None) -> None:
        from torch_fidelity.metric_kid import kernel_poly

        self.kernel = {**KID_KERNEL, **(kernel or {})}
        self.fake = fake
        m = len(real)
        total, trace = 0.0, 0.0
        self.k_rf_colsum = np.zeros(len(fake))  # Σ over real items of k(real, sample j)
        for rows in row_blocks(m, max(m, len(fake))):
            k_rr = kernel_poly(real[rows], real, **self.kernel)
            total += k_rr.sum()
            trace += np.trace(k_rr[:, rows])
            self.k_rf_colsum += kernel_poly(real[rows], fake, **self.kernel).sum(axis=0)
        self.real_term = (total - trace) / (m * (m - 1))
        self.m = m

    def many(self, counts: np.ndarray) -> np.ndarray:
        """MMD² for each row of ``counts`` (R, n_fake): how often each sample counts in that resample."""
        from torch_fidelity.metric_kid import kernel_poly

        c = np.atleast_2d(counts).astype(np.float64)
        quad, diag = np.zeros(len(c)), np.zeros(len(c))
        for rows in row_blocks(len(self.fake), len(self.fake)):
            k_ff = kernel_poly(self.fake[rows], self.fake, **self.kernel)  # (b, n)
            quad += (c[:, rows] * (c @ k_ff.T)).sum(axis=1)
            diag += (c[:, rows] ** 2 * np.diag(k_ff[:, rows])).sum(axis=1)
        n = c.sum(axis=1)
        pairs = n * n - (c * c).sum(axis=1)
        return self.real_term + (quad - diag) / pairs - 2 * (c @ self.k_rf_colsum) / (self.m * n)

    def __call__(self, counts: np.ndarray) -> float:
        return float(self.many(counts)[0])


def knn_radii(x: np.ndarray, k: int) -> np.ndarray:
    """Distance of each row to its k-th nearest other row (the row itself is the 0th)."""
    from sklearn.metrics import pairwise_distances

    # The copy matters: a column view would keep each block's whole partitioned matrix alive.
    return np.concatenate([np.partition(pairwise_distances(x[rows], x), k, axis=1)[:, k].copy()
                           for rows in row_blocks(len(x), len(x))])


class ResampledPrdc:
    """Precision, recall, density and coverage (Naeem et al.) for the full sets and for resamples.

    Radii are properties of items: the real radii and each sample's own k-NN radius (among all
    samples) are computed once, so a resample only selects and weights samples. Distances are
    computed one row block at a time and only kept as bits (which samples fall in which real
    item's ball, which real items in which sample's ball): 1/64 of a float64 matrix. With every
    count 1 this equals ``prdc.compute_prdc``; a test pins that.
    """

    def __init__(self, real: np.ndarray, fake: np.ndarray, k: int = PRDC_K) -> None:
        from sklearn.metrics import pairwise_distances

        real_radii, fake_radii = knn_radii(real, k), knn_radii(fake, k)
        self.inside_any = np.zeros(len(fake), dtype=bool)  # sample j inside some real ball
        self.inside_count = np.zeros(len(fake), dtype=np.int64)  # how many real balls hold sample j
        covered_by, covers = [], []
        for rows in row_blocks(len(real), len(fake)):
            dist = pairwise_distances(real[rows], fake)  # (b, n_fake)
            in_real = dist < real_radii[rows, None]  # sample j inside real item i's ball
            in_fake = dist < fake_radii[None, :]  # real item i inside sample j's ball
            self.inside_any |= in_real.any(axis=0)
            self.inside_count += in_real.sum(axis=0)
            covered_by.append(np.packbits(in_real, axis=1))
            covers.append(np.packbits(in_fake, axis=1))
        self.covered_by, self.covers = np.concatenate(covered_by), np.concatenate(covers)
        self.k = k

    def __call__(self, counts: np.ndarray) -> dict[str, float]:
        c = counts.astype(np.float64)
        used = np.packbits(counts > 0)
        return {
            "precision": float((self.inside_any * c).sum() / c.sum()),
            "recall": float((self.covers & used).any(axis=1).mean()),
            "density": float((self.inside_count * c).sum() / (self.k * c.sum())),
            "coverage": float((self.covered_by & used).any(axis=1).mean()),
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


def modes_covered_soft(fake_hist: np.ndarray, real_hist: np.ndarray) -> float:
    """Each class's share of samples as a fraction of the covering threshold, at most 1, summed:
    equal to ``modes_covered`` where every class is clearly in or out, and moved by a class's
    fraction (not by a whole class) where one sits at the threshold, so a reseeded rerun does not
    flip it by 1 while a class losing its samples still costs up to 1."""
    fake_share = fake_hist / fake_hist.sum()
    real_share = real_hist / real_hist.sum()
    present = real_share > 0
    return float(np.minimum(1.0, fake_share[present] / (MODE_SHARE * real_share[present])).sum())


def class_js(fake_hist: np.ndarray, real_hist: np.ndarray) -> float:
    from scipy.spatial.distance import jensenshannon

    return float(jensenshannon(fake_hist, real_hist, base=2) ** 2)


def feature_scores(real: FeatureSet, fake: FeatureSet, seed: int, resamples: int,
                   fake_sums: GaussianSums | None = None) -> dict[str, Estimate]:
    """FID, KID (+ its std over subsets), precision, recall, density and coverage of the samples'
    features against the real ones, each with a half-sampling interval over the samples.

    FID's value comes from the samples' running sums (``fake_sums``) where the caller kept them.
    """
    real_stats = gaussian_stats(real.features)
    n = len(fake.features)
    full_fid = frechet_distance(real_stats, fake_sums.stats()) if fake_sums is not None else None
    fid_estimate = half_sample_interval(SubsetFid(real_stats, fake.features), n, resamples, seed, value=full_fid)
    return {"fid": fid_estimate, **set_scores(real, fake, seed, resamples)}


def set_scores(real: FeatureSet, fake: FeatureSet, seed: int, resamples: int) -> dict[str, Estimate]:
    """KID (+ its std over subsets), precision, recall, density and coverage, each with a
    half-sampling interval over the samples."""
    n = len(fake.features)
    out: dict[str, Estimate] = {}

    def counts(i: np.ndarray) -> np.ndarray:
        return np.bincount(i, minlength=n)

    # KID's value is the unbiased MMD² over all items of both sets (torch-fidelity's kernel; equal to
    # its KID with one subset holding everything when both sets have the same size, a test pins
    # that), the quantity the interval resamples. The usual 100 subsets of 100 give KID's std.
    resampled_kid = ResampledKid(real.features, fake.features)
    _, kid_std = kid(real.features, fake.features, seed)
    halves = half_samples(n, resamples, seed) if n >= 4 else []
    kid_all = resampled_kid(np.ones(n, dtype=int))
    kid_halves = resampled_kid.many(np.array([counts(i) for i in halves])) if halves else np.zeros(0)
    out["kid"] = half_sample_estimate(kid_all, kid_halves, resamples)
    out["kid_std"] = Estimate(kid_std, float("nan"), float("nan"), "none")
    resampled_prdc = ResampledPrdc(real.features, fake.features)
    full = resampled_prdc(np.ones(n, dtype=int))
    for name in ("precision", "recall", "density", "coverage"):
        out[name] = half_sample_interval(lambda i, name=name: resampled_prdc(counts(i))[name],
                                         n, resamples, seed, value=full[name])
    return out


def class_scores(fake_logits: np.ndarray, class_real: np.ndarray, class_fake: np.ndarray, seed: int,
                 resamples: int) -> dict[str, Estimate]:
    """The classifier score (from the embedding network's logits) and mode coverage and class
    histogram divergence under the task's own classifier (ImageNet classes say nothing about digits)."""
    n = len(fake_logits)
    out = {"classifier_score": half_sample_interval(lambda i: classifier_score(fake_logits[i]), n, resamples, seed)}
    n_classes = class_real.shape[1]
    real_hist = class_histogram(class_real, n_classes)
    fake_labels = class_fake.argmax(1)

    def hist(i: np.ndarray) -> np.ndarray:
        return np.bincount(fake_labels[i], minlength=n_classes).astype(np.float64)

    out["modes_covered"] = half_sample_interval(lambda i: modes_covered(hist(i), real_hist), n, resamples, seed)
    out["modes_covered_soft"] = half_sample_interval(lambda i: modes_covered_soft(hist(i), real_hist), n,
                                                     resamples, seed)
    out["class_js"] = half_sample_interval(lambda i: class_js(hist(i), real_hist), n, resamples, seed)
    return out
