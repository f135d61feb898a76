"""Unconditional generation: ``sample(n, generator)`` scored against the task's data in feature space.

Each batch is embedded as it arrives; the state keeps FID's float64 running sums and the
features that KID, PRDC and the intervals need (the sums are rebuilt from them when shards join).
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import torch

from genbench.data.dataset import spans
from genbench.data.digits import quantize
from genbench.data.image_folder import read_folder
from genbench.errors import InputError
from genbench.features import load_features
from genbench.features.base import FeatureNetwork
from genbench.features.reference import Prepare, reference_features
from genbench.kinds.base import TaskKind
from genbench.metrics.generation import (KID_SUBSET_SIZE, KID_SUBSETS, MODE_SHARE, PRDC_K, FeatureSet,
                                         GaussianSums, class_scores, feature_scores, kid_kernel_label)
from genbench.metrics.intervals import Estimate, mean_with_interval
from genbench.metrics.likelihood import bits_per_dim
from genbench.models.protocol import answered, capabilities
from genbench.score import Score
from genbench.scoring.context import Context
from genbench.scoring.cost_step import CostCall
from genbench.scoring.outputs import call_model, check_images, check_tensor, unreadable_as_error
from genbench.scoring.randomness import batch_generator
from genbench.scoring.scorer import Scorer


class FeatureState:
    """Samples seen so far, in feature space: FID's sums, and features/logits kept for KID and PRDC.

    ``prepare`` turns a batch of outputs into network inputs (the digits: the tensor itself; a
    user's images: resized tensors); ``classifier`` is the task's own class predictor, if it has one.
    """

    def __init__(self, embedder: FeatureNetwork, real: FeatureSet, classifier: FeatureNetwork | None = None,
                 real_classes: np.ndarray | None = None, prepare: Prepare = lambda batch: [batch],
                 keep_logits: bool = True) -> None:
        self.embedder, self.classifier, self.prepare = embedder, classifier, prepare
        # Logits feed the classifier-based scores; an ImageNet net's 1000 per sample would
        # otherwise be most of a large run's memory where no such score is made.
        self.keep_logits = keep_logits
        self.real, self.real_classes = real, real_classes
        self.sums = GaussianSums(embedder.dim)
        self.features: list[np.ndarray] = []
        self.logits: list[np.ndarray] = []
        self.classes: list[np.ndarray] = []

    raw_for_classifier = False  # the classifier takes the batch itself, not the embedder's prepared input
    preprocessing: str | None = None  # what signatures record where it is not the task's own

    def update(self, batch: Any) -> None:
        for images in self.prepare(batch):
            out = self.embedder(images)
            features = out["features"].numpy()
            self.sums.update(features)
            self.features.append(features)
            if self.keep_logits:
                self.logits.append(out["logits"].numpy())
            if self.classifier is self.embedder:
                self.classes.append(out["logits"].numpy())
            elif self.classifier is not None and not self.raw_for_classifier:
                self.classes.append(self.classifier(images)["logits"].numpy())
        if self.classifier is not None and self.raw_for_classifier:
            self.classes.append(self.classifier(batch)["logits"].numpy())

    def lists(self) -> dict[str, list]:
        return {"features": self.features, "logits": self.logits, "classes": self.classes}

    def restore(self, lists: dict[str, list]) -> None:
        self.features, self.logits, self.classes = lists["features"], lists["logits"], lists["classes"]
        self.sums = GaussianSums(self.embedder.dim)
        for features in self.features:  # chunk by chunk, as one pass adds them: the same float64 sums
            self.sums.update(features)

    def fake(self) -> FeatureSet:
        features = np.concatenate(self.features)
        return FeatureSet(features, np.concatenate(self.logits) if self.keep_logits else np.zeros((len(features), 0)))


def require_samples(ctx: Context, n: int) -> None:
    if n < 2 * PRDC_K:
        raise InputError(f"{ctx.source.label}: {n} sample(s) is too few; the generation metrics need at least "
                         f"{2 * PRDC_K}.")


def feature_score_list(ctx: Context, state: FeatureState, score: Scorer) -> list[Score]:
    """FID, KID, its std and PRDC of the state's samples, as scores (too few samples: an error)."""
    fake = state.fake()
    require_samples(ctx, len(fake.features))
    ctx.progress("scoring", 0, 1)
    est = feature_scores(state.real, fake, ctx.options.seed, ctx.task.resamples, fake_sums=state.sums)
    ctx.progress("scoring", 1, 1)
    return signed_feature_scores(est, state.embedder, score, len(fake.features))


def signed_feature_scores(est: dict[str, Estimate], embedder: FeatureNetwork, score: Scorer, n_set: int,
                          extra: dict | None = None, set_extra: dict | None = None) -> list[Score]:
    """The feature-space estimates as scores; ``extra`` settings go into every signature, ``set_extra``
    into those of KID and PRDC, which are computed on ``n_set`` samples."""
    extra = extra or {}
    on_set = {**extra, **(set_extra or {})}
    feat = {"features": embedder.name, "features_sha": embedder.sha256}
    kid_settings = {"estimator": "unbiased-mmd2-all-items", "kernel": kid_kernel_label(), **on_set}
    kid_std_settings = {"subsets": KID_SUBSETS, "subset_size": min(KID_SUBSET_SIZE, n_set),
                        "kernel": kid_kernel_label(), **on_set}
    return [
        score("fid", est["fid"], {"reference": "test", **extra}, **feat),
        score("kid", est["kid"], kid_settings, n=n_set, **feat),
        score("kid_std", est["kid_std"], kid_std_settings, n=n_set, **feat),
        *(score(m, est[m], {"k": PRDC_K, **on_set}, n=n_set, **feat)
          for m in ("precision", "recall", "density", "coverage")),
    ]


class GenerationKind(TaskKind):
    protocol = "sample"
    capability = "sample"
    request = "sample(n, generator)"
    primary_metric = "fid"
    method = "sample"

    def wanted(self, ctx: Context) -> int:
        """How many samples the task asks for: one per item of its data."""
        return len(ctx.data)

    def draw(self, ctx: Context, start: int | None, size: int, generator: torch.Generator) -> object:
        """One model call for ``size`` samples from item ``start`` on (None: a timed call)."""
        return ctx.model.model.sample(size, generator)

    def new_state(self, ctx: Context) -> FeatureState:
        task, options = ctx.task, ctx.options
        embedder = load_features(options.features or task.features, options.weights_dir, options.device)
        classifier = (embedder if embedder.name == task.classifier
                      else load_features(task.classifier, options.weights_dir, options.device))

        def snap(batch: Any) -> list[torch.Tensor]:
            return [quantize(batch.images, task.levels)]

        real_classes = reference_features(ctx.data, classifier, snap, task.preprocessing).logits
        if embedder.input_size is None:
            real = reference_features(ctx.data, embedder, snap, task.preprocessing)
            return FeatureState(embedder, real, classifier, real_classes)
        # An ImageNet network: the task's images upsampled to its input (grey is replicated to RGB by
        # the network's own input contract); the classifier still sees them as they are.
        size = embedder.input_size
        upsampled = f"{task.preprocessing}|{upsample_label(size)}"
        real = reference_features(ctx.data, embedder, lambda b: [upsample(quantize(b.images, task.levels), size)],
                                  upsampled)
        state = FeatureState(embedder, real, classifier, real_classes, prepare=lambda x: [upsample(x, size)])
        state.raw_for_classifier, state.preprocessing = True, upsampled
        return state

    def model_outputs(self, ctx: Context) -> Iterator[tuple[int, torch.Tensor]]:
        task, n = ctx.task, self.wanted(ctx)
        for index, (start, size) in ctx.owned(spans(n, task.batch_size)):
            generator = batch_generator(ctx.options.seed, task.name, start)
            batch, kept = answered(call_model(ctx.model, self.method, lambda: self.draw(ctx, start, size, generator)),
                                   size)
            # Which requests were answered (a remote model's failed ones are left out and counted).
            ctx.scratch.setdefault("answered", []).extend(start + i for i in kept)
            yield index, quantize(check_images(batch, (len(kept), *task.image_shape), ctx.calling(self.method)),
                                  task.levels)
            ctx.progress("sampling", start + size, n)

    def file_outputs(self, ctx: Context) -> Iterator[tuple[int, torch.Tensor]]:
        images = quantize(read_folder(ctx.source.path, ctx.task.image_shape)[1], ctx.task.levels)
        for index, (start, size) in ctx.owned(spans(len(images), ctx.task.batch_size)):
            yield index, images[start:start + size]

    def scorer(self, ctx: Context, state: FeatureState) -> Scorer:
        return Scorer(ctx.task, ctx.source.label, state.sums.n, ctx.options.seed, ctx.data.content_hash,
                      preprocessing=state.preprocessing)

    def scores(self, ctx: Context, state: FeatureState) -> list[Score]:
        score = self.scorer(ctx, state)
        scores = feature_score_list(ctx, state, score)
        est = class_scores(state.fake().logits, state.real_classes, np.concatenate(state.classes),
                           ctx.options.seed, ctx.task.resamples)
        feat = {"features": state.embedder.name, "features_sha": state.embedder.sha256}
        cls = {"features": state.classifier.name, "features_sha": state.classifier.sha256}
        return scores + [
            score("classifier_score", est["classifier_score"], {"splits": 1}, **feat),
            score("modes_covered", est["modes_covered"], {"share": MODE_SHARE}, **cls),
            score("modes_covered_soft", est["modes_covered_soft"], {"share": MODE_SHARE}, **cls),
            score("class_js", est["class_js"], {"base": 2}, **cls),
        ]

    def model_scores(self, ctx: Context, state: FeatureState) -> list[Score]:
        """Bits/dim of the task's data, for models that offer exact likelihoods."""
        if "likelihood" not in capabilities(ctx.model.model):
            return []
        source, task = ctx.model, ctx.task
        parts = []
        for batch in ctx.data.batches(task.batch_size, source.device):
            size = len(batch.ids)
            logp = call_model(source, "log_prob", lambda: source.model.log_prob(batch.images))
            parts.append(check_log_probs(logp, size, ctx.calling("log_prob")))
        bpd = bits_per_dim(torch.cat(parts), int(np.prod(task.image_shape)))
        est = mean_with_interval(bpd, task.resamples * 5, ctx.options.seed)
        return [self.scorer(ctx, state)("bits_per_dim", est, {"levels": task.levels, "split": "test"},
                                        n=len(bpd), items=bpd)]

    def cost_call(self, ctx: Context) -> CostCall:
        shape = ctx.task.image_shape

        def call(batch: int) -> object:
            return self.draw(ctx, None, batch, torch.Generator().manual_seed(ctx.options.seed))

        return CostCall(self.method, call, lambda out, batch, who: check_images(out, (batch, *shape), who))


def upsample_label(size: int) -> str:
    return f"upsample-bilinear-{size}-grey-to-rgb"


def upsample(images: torch.Tensor, size: int) -> torch.Tensor:
    """(n, 1 or 3, h, w) → (n, 3, size, size): bilinear (no antialiasing is needed to enlarge), grey
    replicated to RGB."""
    out = torch.nn.functional.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
    return out.expand(-1, 3, -1, -1) if out.shape[1] == 1 else out


@unreadable_as_error
def check_log_probs(logp: object, size: int, who: str) -> torch.Tensor:
    """Exact log-probabilities of discrete images: a finite, non-positive tensor of shape (size,)."""
    logp = check_tensor(logp, who, f"a tensor of shape ({size},)")
    if tuple(logp.shape) != (size,):
        raise InputError(f"{who} returned {tuple(logp.shape)}, expected shape ({size},).")
    logp = logp.detach().double().cpu()
    if not torch.isfinite(logp).all() or (logp > 1e-6).any():
        raise InputError(f"{who} returned NaN, infinite or positive values; "
                         "log-probabilities of discrete images must be finite and ≤ 0.")
    return logp


GENERATION = GenerationKind()
