"""Class-conditional generation: ``sample_labels(labels, generator)`` for a fixed list of requests,
scored like unconditional generation plus conditional accuracy, intra-class FID and per-class coverage."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from genbench.data.dataset import spans
from genbench.data.digits import quantize
from genbench.data.image_folder import read_paired_folder
from genbench.kinds.generation import FeatureState, GenerationKind
from genbench.metrics.conditional import conditional_scores
from genbench.metrics.generation import PRDC_K
from genbench.score import Score
from genbench.scoring.context import Context


class ConditionalKind(GenerationKind):
    protocol = "conditional"
    capability = "conditional"
    request = "sample_labels(labels, generator)"
    primary_metric = "intra_fid_mean"
    method = "sample_labels"

    def wanted(self, ctx: Context) -> int:
        return len(ctx.task.requests()[0])

    def draw(self, ctx: Context, start: int | None, size: int, generator: torch.Generator) -> object:
        # Timed calls (start None) are not requests of the task: their labels cycle through the classes.
        labels = (torch.arange(size) % ctx.task.n_classes if start is None
                  else ctx.task.requests()[1][start:start + size])
        return ctx.model.model.sample_labels(labels, generator)

    def file_outputs(self, ctx: Context) -> Iterator[tuple[int, torch.Tensor]]:
        task = ctx.task
        images = quantize(read_paired_folder(ctx.source.path, task.requests()[0], task.image_shape), task.levels)
        for index, (start, size) in ctx.owned(spans(len(images), task.batch_size)):
            yield index, images[start:start + size]

    def scores(self, ctx: Context, state: FeatureState) -> list[Score]:
        scores = super().scores(ctx, state)
        task = ctx.task
        requested = task.requests()[1].numpy()
        fake = state.fake()
        cond, correct = conditional_scores(state.real.features, ctx.data.labels.numpy(), fake.features, requested,
                                           np.concatenate(state.classes), task.n_classes, ctx.options.seed,
                                           task.resamples)
        score = self.scorer(ctx, state)
        feat = {"features": state.embedder.name, "features_sha": state.embedder.sha256}
        cls = {"features": state.classifier.name, "features_sha": state.classifier.sha256}
        return scores + [
            score("conditional_accuracy", cond["conditional_accuracy"], **cls, items=correct),
            *(score(m, cond[m], {"reference": "test"}, **feat) for m in ("intra_fid_mean", "intra_fid_max")),
            *(score(m, cond[m], {"k": PRDC_K}, **feat) for m in ("class_coverage_mean", "class_coverage_min")),
        ]


CONDITIONAL = ConditionalKind()
