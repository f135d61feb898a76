"""Runs one (task, model, seed): streams outputs in batches through the metrics and meters cost.

Outputs come from a model (``ModelSource``) or from files (``FileSource``); both are checked
the same way and snapped to the task's pixel grid before any metric sees them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch

from genbench.data.digits import quantize
from genbench.data.image_folder import read_folder, read_paired_folder
from genbench.errors import GenbenchError, InputError, UnavailableError
from genbench.features import load_features
from genbench.features.reference import reference_features
from genbench.metrics import METRICS
from genbench.metrics.cost import (COST_DEFINITIONS, CostSettings, describe_device, measure_cost,
                                   parameter_count, resident_bytes)
from genbench.metrics.generation import (KID_SUBSET_SIZE, KID_SUBSETS, MODE_SHARE, PRDC_K, FeatureSet,
                                         generation_scores)
from genbench.metrics.conditional import conditional_scores
from genbench.metrics.intervals import Estimate, mean_with_interval
from genbench.metrics.likelihood import bits_per_dim
from genbench.metrics.reconstruction import PSNR_SETTINGS, SSIM_SETTINGS, psnr_per_item, ssim_per_item
from genbench.models.protocol import capabilities
from genbench.models.sources import FileSource, ModelSource
from genbench.score import Score, as_items
from genbench.signature import Signature
from genbench.tasks.spec import ImageTask, StyleTask, TextTask

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (step, done, total)

# Values a few ULPs outside [0, 1] come from float arithmetic; anything further is a model bug.
RANGE_TOLERANCE = 1e-3


@dataclass(frozen=True)
class RunOptions:
    seed: int = 0
    features: str | None = None  # override the task's embedding network
    weights_dir: Path | None = None
    corpus_dir: Path | None = None  # SWORD library holding the text suite's corpus
    cost: CostSettings = field(default_factory=CostSettings)


def check_images(images: object, expected: tuple[int, ...], who: str) -> torch.Tensor:
    """Refuse wrong types, shapes, NaN/inf and out-of-range values; return a CPU tensor on the grid."""
    if not isinstance(images, torch.Tensor):
        raise InputError(f"{who} returned {type(images).__name__}, expected a torch.Tensor of shape {expected}.")
    if tuple(images.shape) != expected:
        raise InputError(f"{who} returned a tensor of shape {tuple(images.shape)}, expected {expected}.")
    images = images.detach().float().cpu()
    bad = ~torch.isfinite(images)
    if bad.any():
        raise InputError(f"{who} returned {int(bad.sum())} NaN or infinite value(s).")
    low, high = images.min().item(), images.max().item()
    if low < -RANGE_TOLERANCE or high > 1 + RANGE_TOLERANCE:
        raise InputError(f"{who} returned values in [{low:.3g}, {high:.3g}], expected [0, 1].")
    return images


def batches(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(size, total - start)


def tile(items: torch.Tensor, n: int) -> torch.Tensor:
    """``items`` repeated along the batch up to exactly ``n`` (cost is timed at a fixed batch size)."""
    reps = -(-n // len(items))
    return items.repeat(reps, *([1] * (items.dim() - 1)))[:n]


LPIPS_BATCH = 64


def lpips_score(metric: str, outputs: torch.Tensor, targets: torch.Tensor, score: "Scorer", resamples: int,
                options: "RunOptions", settings: dict) -> Score:
    """Per-item LPIPS of outputs against targets, or the metric marked unavailable naming its file."""
    from genbench.features.lpips_net import load_lpips

    try:
        distance, sha = load_lpips(options.weights_dir)
    except UnavailableError as exc:
        return score.unavailable(metric, str(exc), settings)
    values = torch.cat([distance(outputs[s:s + n], targets[s:s + n])
                        for s, n in batches(len(targets), LPIPS_BATCH)]).double().numpy()
    return score(metric, mean_with_interval(values, resamples, options.seed), settings,
                 features="lpips-alex", features_sha=sha, items=values)


class Scorer:
    """Builds Score objects for one (task, source) with the shared signature fields."""

    def __init__(self, task: ImageTask, label: str, n: int, seed: int, data_hash: str) -> None:
        self.task, self.label, self.n, self.seed, self.data_hash = task, label, n, seed, data_hash

    def __call__(self, metric: str, est: Estimate, settings: dict | None = None, features: str = "none",
                 features_sha: str = "none", device: str = "any", n: int | None = None,
                 items: np.ndarray | None = None) -> Score:
        info = METRICS.get(metric)
        n = self.n if n is None else n
        sig = Signature.make(settings, task=self.task.name, task_version=self.task.version,
                             data_hash=self.data_hash, metric=metric, implementation=info.implementation,
                             features=features, features_sha256=features_sha,
                             preprocessing=self.task.preprocessing, n=n, seed=self.seed, device=device,
                             interval=est.method)
        return Score(self.task.name, self.label, metric, est.value, info.clip(est.ci_low), info.clip(est.ci_high), n,
                     info.higher_is_better, sig, est.method, info.unit,
                     items=None if items is None else as_items(items))

    def unavailable(self, metric: str, reason: str, settings: dict | None = None) -> Score:
        info = METRICS.get(metric)
        sig = Signature.make(settings, task=self.task.name, task_version=self.task.version,
                             data_hash=self.data_hash, metric=metric, implementation=info.implementation,
                             preprocessing=self.task.preprocessing, n=self.n, seed=self.seed)
        return Score(self.task.name, self.label, metric, None, None, None, self.n, info.higher_is_better,
                     sig, "none", info.unit, unavailable_reason=reason)


def evaluate(task: ImageTask | StyleTask | TextTask, source: ModelSource | FileSource, options: RunOptions,
             progress: Progress | None = None) -> list[Score]:
    """Every score of ``source`` on ``task``. Raises InputError on bad outputs; nothing is stored here."""
    progress = progress or (lambda step, done, total: None)
    with torch.inference_mode():  # a user's model without no_grad must not build autograd graphs
        if isinstance(task, TextTask):
            from genbench.text_eval import evaluate_text

            return evaluate_text(task, source, options, progress)
        if task.protocol == "stylize":
            from genbench.style_eval import evaluate_style

            return evaluate_style(task, source, options, progress)
        if task.protocol in ("sample", "conditional"):
            return _evaluate_generation(task, source, options, progress)
        return _evaluate_reconstruction(task, source, options, progress)


def call_model(source: ModelSource, method: str, call: Callable[[], object]) -> object:
    """Run a model method; its own exceptions become an error that names the model."""
    try:
        return call()
    except GenbenchError:
        raise
    except Exception as exc:
        raise InputError(f"Model {source.label!r} raised {type(exc).__name__} in {method}(): {exc}") from exc


def _draw(task: ImageTask, model: Any, n: int, generator: torch.Generator,
          labels: torch.Tensor | None = None) -> torch.Tensor:
    """One call to the model under the task's protocol (by default labels cycle through the classes)."""
    if task.protocol == "conditional":
        return model.sample_labels(torch.arange(n) % task.n_classes if labels is None else labels, generator)
    return model.sample(n, generator)


def _generate(task: ImageTask, source: ModelSource | FileSource, n: int, seed: int,
              progress: Progress) -> Iterator[torch.Tensor]:
    """Batches of outputs for the task's requests, checked and snapped to the pixel grid."""
    conditional = task.protocol == "conditional"
    if isinstance(source, FileSource):
        if conditional:
            images = read_paired_folder(source.path, task.requests()[0], task.image_shape)
        else:
            images = read_folder(source.path, task.image_shape)[1]
        yield quantize(images, task.levels)
        return
    needed = "conditional" if conditional else "sample"
    if needed not in capabilities(source.model):
        call = "sample_labels(labels, generator)" if conditional else "sample(n, generator)"
        raise InputError(f"Model {source.label!r} cannot answer task {task.name}, which needs {call}.")
    labels = task.requests()[1] if conditional else None
    generator = torch.Generator().manual_seed(seed)
    method = "sample_labels" if conditional else "sample"
    for start, size in batches(n, task.batch_size):
        wanted = labels[start:start + size] if labels is not None else None
        batch = call_model(source, method, lambda: _draw(task, source.model, size, generator, wanted))
        yield quantize(check_images(batch, (size, *task.image_shape), f"Model {source.label!r}"), task.levels)
        progress("sampling", start + size, n)


def _evaluate_generation(task: ImageTask, source: ModelSource | FileSource, options: RunOptions,
                         progress: Progress) -> list[Score]:
    reference = task.reference()
    embedder = load_features(options.features or task.features, options.weights_dir)
    classifier = embedder if embedder.name == task.classifier else load_features(task.classifier)
    real = reference_features(reference, embedder, task.preprocessing)
    real_classes = reference_features(reference, classifier, task.preprocessing).logits

    conditional = task.protocol == "conditional"
    n_wanted = len(task.requests()[0]) if conditional else len(reference)
    feats, logits, classes = [], [], []
    for batch in _generate(task, source, n_wanted, options.seed, progress):
        out = embedder(batch)
        feats.append(out["features"])
        logits.append(out["logits"])
        classes.append(out["logits"] if classifier is embedder else classifier(batch)["logits"])
    fake = FeatureSet(torch.cat(feats).numpy(), torch.cat(logits).numpy())
    n = len(fake.features)
    if n < 2 * PRDC_K:
        raise InputError(f"{source.label}: {n} sample(s) is too few; the generation metrics need at least {2 * PRDC_K}.")
    progress("scoring", 0, 1)
    est = generation_scores(real, fake, real_classes, torch.cat(classes).numpy(), options.seed, task.resamples)
    progress("scoring", 1, 1)

    score = Scorer(task, source.label, n, options.seed, reference.content_hash)
    feat = {"features": embedder.name, "features_sha": embedder.sha256}
    cls = {"features": classifier.name, "features_sha": classifier.sha256}
    kid_settings = {"estimator": "unbiased-mmd2-all-items", "kernel": "poly3"}
    kid_std_settings = {"subsets": KID_SUBSETS, "subset_size": min(KID_SUBSET_SIZE, n), "kernel": "poly3"}
    scores = [
        score("fid", est["fid"], {"reference": "test"}, **feat),
        score("kid", est["kid"], kid_settings, **feat),
        score("kid_std", est["kid_std"], kid_std_settings, **feat),
        *(score(m, est[m], {"k": PRDC_K}, **feat) for m in ("precision", "recall", "density", "coverage")),
        score("classifier_score", est["classifier_score"], {"splits": 1}, **feat),
        score("modes_covered", est["modes_covered"], {"share": MODE_SHARE}, **cls),
        score("class_js", est["class_js"], {"base": 2}, **cls),
    ]
    if conditional:
        requested = task.requests()[1].numpy()
        cond, correct = conditional_scores(real.features, reference.labels.numpy(), fake.features, requested,
                                           torch.cat(classes).numpy(), task.n_classes, options.seed, task.resamples)
        scores += [score("conditional_accuracy", cond["conditional_accuracy"], **cls, items=correct),
                   *(score(m, cond[m], {"reference": "test"}, **feat) for m in ("intra_fid_mean", "intra_fid_max")),
                   *(score(m, cond[m], {"k": PRDC_K}, **feat) for m in ("class_coverage_mean", "class_coverage_min"))]
    if isinstance(source, ModelSource):
        scores += _likelihood_scores(task, source, reference.images, score, options.seed)
        scores += cost_scores(task, source, score, options, progress,
                               lambda b: _draw(task, source.model, b, torch.Generator().manual_seed(options.seed)))
    return scores


def _likelihood_scores(task: ImageTask, source: ModelSource, images: torch.Tensor, score: Scorer,
                       seed: int) -> list[Score]:
    if "likelihood" not in capabilities(source.model):
        return []
    parts = []
    for start, size in batches(len(images), task.batch_size):
        batch = images[start:start + size].to(source.device)
        logp = call_model(source, "log_prob", lambda: source.model.log_prob(batch))
        if not isinstance(logp, torch.Tensor) or tuple(logp.shape) != (size,):
            shape = tuple(logp.shape) if isinstance(logp, torch.Tensor) else type(logp).__name__
            raise InputError(f"Model {source.label!r} log_prob returned {shape}, expected shape ({size},).")
        logp = logp.detach().double().cpu()
        if not torch.isfinite(logp).all() or (logp > 1e-6).any():
            raise InputError(f"Model {source.label!r} log_prob returned NaN, infinite or positive values; "
                             "log-probabilities of discrete images must be finite and ≤ 0.")
        parts.append(logp)
    bpd = bits_per_dim(torch.cat(parts), int(np.prod(task.image_shape)))
    est = mean_with_interval(bpd, task.resamples * 5, seed)
    return [score("bits_per_dim", est, {"levels": task.levels, "split": "test"}, n=len(bpd), items=bpd)]


def cost_scores(task: ImageTask, source: ModelSource, score: Scorer, options: RunOptions,
                 progress: Progress, call: Callable[[int], object]) -> list[Score]:
    device = describe_device(source.device)
    settings = {"batch": options.cost.large_batch, "repeats": options.cost.repeats,
                "warmup": options.cost.warmup, "latency_calls": options.cost.latency_calls}
    progress("measuring cost", 0, 1)
    weights = resident_bytes(source.model, source.device)
    measured = measure_cost(call, source.device, options.cost, options.seed, weights)  # under evaluate's inference_mode
    progress("measuring cost", 1, 1)
    scores = [score(name, est, {**settings, **COST_DEFINITIONS.get(name, {})}, device=device,
                    n=options.cost.latency_calls if name.startswith("latency") else options.cost.repeats)
              for name, est in measured.items()]
    params = parameter_count(source.model)
    if params is not None:
        scores.append(score("parameters", Estimate(params, params, params, "exact"), n=1))
    return scores


def _evaluate_reconstruction(task: ImageTask, source: ModelSource | FileSource, options: RunOptions,
                             progress: Progress) -> list[Score]:
    reference = task.reference()
    targets = reference.images
    if isinstance(source, FileSource):
        recon = quantize(read_paired_folder(source.path, reference.ids, task.image_shape), task.levels)
    else:
        if "reconstruct" not in capabilities(source.model):
            raise InputError(f"Model {source.label!r} cannot reconstruct; task {task.name} needs reconstruct(images).")
        parts = []
        for start, size in batches(len(targets), task.batch_size):
            batch = targets[start:start + size].to(source.device)
            out = call_model(source, "reconstruct", lambda: source.model.reconstruct(batch))
            parts.append(quantize(check_images(out, (size, *task.image_shape), f"Model {source.label!r}"), task.levels))
            progress("reconstructing", start + size, len(targets))
        recon = torch.cat(parts)

    score = Scorer(task, source.label, len(targets), options.seed, reference.content_hash)
    resamples = task.resamples * 5
    psnr, ssim = psnr_per_item(recon, targets), ssim_per_item(recon, targets)
    scores = [
        score("psnr", mean_with_interval(psnr, resamples, options.seed), PSNR_SETTINGS, items=psnr),
        score("ssim", mean_with_interval(ssim, resamples, options.seed), SSIM_SETTINGS, items=ssim),
    ]
    from genbench.features.lpips_net import LPIPS_SIZE

    scores.append(lpips_score("lpips", recon, targets, score, resamples, options,
                              {"net": "alex", "version": "0.1", "resize": LPIPS_SIZE}))
    if isinstance(source, ModelSource):
        batch = targets[: options.cost.large_batch]
        scores += cost_scores(task, source, score, options, progress,
                              lambda b: source.model.reconstruct(tile(batch, b).to(source.device)))
    return scores
