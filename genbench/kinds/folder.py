"""A user's images against a user's reference: generation (FID, KID, PRDC in a feature network's
space) and pairs (PSNR, SSIM, LPIPS of each output against the reference item of the same name).

Outputs are files (``eval --samples``: a folder, zip or manifest) or a model's ``sample(n,
generator)`` at the task's image size, snapped to 8 bits as files are. Images stream through in
batches, decoded by a thread pool, into a state whose memory does not grow with N
(genbench.kinds.bounded_features).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch

from genbench.data.dataset import spans
from genbench.data.image_source import ImageCollection, RgbBatch, open_images
from genbench.errors import InputError
from genbench.features import load_features
from genbench.features.reference import reference_features
from genbench.features.resize import check_policy, describe, network_inputs
from genbench.kinds.base import TaskKind
from genbench.kinds.bounded_features import BoundedFeatureState
from genbench.kinds.generation import require_samples, signed_feature_scores
from genbench.kinds.per_item import PerItemState
from genbench.metrics.generation import gaussian_stats, set_scores
from genbench.metrics.grouped_fid import jackknife_fid
from genbench.metrics.intervals import mean_with_interval
from genbench.metrics.reconstruction import PSNR_SETTINGS, SsimDefinition, psnr_per_item
from genbench.models.sources import ModelSource
from genbench.score import Score
from genbench.scoring.context import Context
from genbench.scoring.outputs import call_model, check_images
from genbench.scoring.perceptual import Lpips
from genbench.scoring.randomness import batch_generator
from genbench.scoring.scorer import Scorer

log = logging.getLogger(__name__)

# Photographs and renders: Wang et al.'s Gaussian window, on each RGB channel, averaged.
RGB_SSIM = SsimDefinition(win_size=11, gaussian_weights=True, use_sample_covariance=False)


def open_samples(ctx: Context) -> ImageCollection:
    samples = open_images(ctx.source.path, ctx.task.skip_bad, role="samples")
    if samples.content_hash == ctx.data.content_hash:
        log.warning("%s and %s hold the same images: the scores compare the reference with itself.",
                    ctx.source.path, ctx.task.reference)
    return samples


def skipped_settings(ctx: Context, samples: ImageCollection | None) -> dict[str, int]:
    """Damaged files left out under --skip-bad, recorded in the score (and so in its signature)."""
    if not ctx.task.skip_bad:
        return {}
    return {"skipped_reference": len(ctx.data.skipped), "skipped_samples": len(samples.skipped) if samples else 0}


def model_batches(ctx: Context, n: int) -> Iterator[tuple[int, RgbBatch]]:
    """A model's samples for a folder task, snapped to 8 bits as PNG files are."""
    task = ctx.task
    shape = (3, task.image_size, task.image_size)
    for index, (start, size) in ctx.owned(spans(n, task.batch_size)):
        generator = batch_generator(ctx.options.seed, task.name, start)
        out = call_model(ctx.model, "sample", lambda: ctx.model.model.sample(size, generator))
        images = check_images(out, (size, *shape), ctx.calling("sample"))
        pixels = (images * 255).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
        yield index, RgbBatch(start, tuple(f"sample-{start + i:06d}" for i in range(size)), list(pixels))
        ctx.progress("sampling", start + size, n)


class FolderGenerationKind(TaskKind):
    protocol = "folder_sample"
    capability = "sample"
    request = "sample(n, generator) at the task's image size"
    primary_metric = "fid"

    def new_state(self, ctx: Context) -> BoundedFeatureState:
        task, options = ctx.task, ctx.options
        policy = check_policy(task.resize)
        net = load_features(options.features or task.features, options.weights_dir, options.device)
        if net.input_size is None:
            raise InputError(f"Feature network {net.name!r} is tied to its own task's images; a user's RGB images "
                             "need one such as mobilenet-v2 or inception (--features).")
        size = None if policy == "torch-fidelity" and net.resizes_itself else net.input_size

        def prepare(batch: RgbBatch) -> Iterator[torch.Tensor]:
            return network_inputs(batch.images, policy, size)

        ctx.scratch["preprocessing"] = describe(policy, size, net.resizes_itself, net.eight_bit_input)
        real = reference_features(ctx.data, net, prepare, ctx.scratch["preprocessing"])
        return BoundedFeatureState(net, real, prepare, self.wanted(ctx), options.seed)

    def wanted(self, ctx: Context) -> int:
        """How many outputs are scored: the samples' files, or what the task asks a model for."""
        if isinstance(ctx.source, ModelSource):
            return ctx.task.samples or len(ctx.data)
        if "samples" not in ctx.scratch:
            ctx.scratch["samples"] = open_samples(ctx)
        return len(ctx.scratch["samples"].entries)

    def scorer(self, ctx: Context, state: BoundedFeatureState) -> Scorer:
        return Scorer(ctx.task, ctx.source.label, state.sums.n, ctx.options.seed, ctx.data.content_hash,
                      preprocessing=ctx.scratch["preprocessing"])

    def model_outputs(self, ctx: Context) -> Iterator[tuple[int, RgbBatch]]:
        return model_batches(ctx, self.wanted(ctx))

    def file_outputs(self, ctx: Context) -> Iterator[tuple[int, RgbBatch]]:
        self.wanted(ctx)  # opens the samples
        return ctx.owned(ctx.scratch["samples"].batches(ctx.task.batch_size))

    def scores(self, ctx: Context, state: BoundedFeatureState) -> list[Score]:
        require_samples(ctx, state.sums.n)
        subset = state.subset()
        ctx.progress("scoring", 0, 1)
        est = {"fid": jackknife_fid(gaussian_stats(state.real.features), state.sums),
               **set_scores(state.real, subset, ctx.options.seed, ctx.task.resamples)}
        ctx.progress("scoring", 1, 1)
        extra = {"reference": "user-images", **skipped_settings(ctx, ctx.scratch.get("samples"))}
        return signed_feature_scores(est, state.embedder, self.scorer(ctx, state), len(subset.features), extra,
                                     {"samples_at_most": state.at_most})


@dataclass(frozen=True)
class ImagePairs:
    ids: tuple[str, ...]
    outputs: torch.Tensor  # (n, 3, H, W) float in [0, 1], CPU
    targets: torch.Tensor


def pair_tensors(ids: tuple[str, ...], outputs: list[np.ndarray], targets: list[np.ndarray]) -> Iterator[ImagePairs]:
    """Runs of consecutive pairs of one size as tensors; a pair whose sizes differ is refused by name."""
    run: list[int] = []
    for i, (out, tgt) in enumerate(zip(outputs, targets)):
        if out.shape != tgt.shape:
            raise InputError(f"{ids[i]}: the output is {out.shape[1]}×{out.shape[0]} pixels but its reference is "
                             f"{tgt.shape[1]}×{tgt.shape[0]}; paired images must have the same size.")
        if run and out.shape != outputs[run[0]].shape:
            yield _pairs(ids, outputs, targets, run)
            run = []
        run.append(i)
    if run:
        yield _pairs(ids, outputs, targets, run)


def _pairs(ids: tuple[str, ...], outputs: list[np.ndarray], targets: list[np.ndarray], run: list[int]) -> ImagePairs:
    def stack(images: list[np.ndarray]) -> torch.Tensor:
        return torch.from_numpy(np.stack([images[i] for i in run])).permute(0, 3, 1, 2).double() / 255

    return ImagePairs(tuple(ids[i] for i in run), stack(outputs), stack(targets))


class FolderPairsKind(TaskKind):
    protocol = "folder_pairs"
    capability = "reconstruct"
    request = "reconstruct(images)"
    primary_metric = "psnr"

    def new_state(self, ctx: Context) -> PerItemState:
        lpips = Lpips(ctx.options)

        def ssim(pairs: ImagePairs) -> np.ndarray:  # mean over the RGB channels of each image
            n, c = pairs.outputs.shape[:2]
            flat = RGB_SSIM.per_item(pairs.outputs.reshape(n * c, 1, *pairs.outputs.shape[2:]),
                                     pairs.targets.reshape(n * c, 1, *pairs.targets.shape[2:]))
            return flat.reshape(n, c).mean(axis=1)

        measures = {"psnr": lambda p: psnr_per_item(p.outputs, p.targets), "ssim": ssim}
        if lpips.available:
            measures["lpips"] = lambda p: lpips(p.outputs.float(), p.targets.float())
        return PerItemState(measures, lpips=lpips)

    def file_outputs(self, ctx: Context) -> Iterator[tuple[int, ImagePairs]]:
        samples = ctx.scratch["samples"] = open_samples(ctx)
        outputs = {e.id: e for e in samples.entries}
        missing = [i for i in ctx.data.ids if i not in outputs]
        extra = sorted(set(outputs) - set(ctx.data.ids))
        if missing or extra:
            problems = ([f"{len(missing)} reference image(s) have no output, e.g. {missing[0]}"] if missing else []) + (
                [f"{len(extra)} output(s) answer no reference image, e.g. {extra[0]}"] if extra else [])
            raise InputError(f"{ctx.source.path}: " + "; ".join(problems) + ". Outputs are matched to reference "
                             "images by relative file name.")
        samples.entries = [outputs[i] for i in ctx.data.ids]  # the reference's order
        batches = zip(ctx.data.batches(ctx.task.batch_size), samples.batches(ctx.task.batch_size))
        for index, (targets, produced) in ctx.owned(batches):
            decoded = set(produced.ids)  # a damaged output skipped under --skip-bad drops its pair
            both = [i for i in targets.ids if i in decoded]
            out = dict(zip(produced.ids, produced.images))
            tgt = dict(zip(targets.ids, targets.images))
            for pairs in pair_tensors(tuple(both), [out[i] for i in both], [tgt[i] for i in both]):
                yield index, pairs

    def model_outputs(self, ctx: Context) -> Iterator[tuple[int, ImagePairs]]:
        source = ctx.model
        for index, batch in ctx.owned(ctx.data.batches(ctx.task.batch_size)):
            for pairs in pair_tensors(batch.ids, batch.images, batch.images):
                out = call_model(source, "reconstruct",
                                 lambda: source.model.reconstruct(pairs.targets.float().to(source.device)))
                checked = check_images(out, tuple(pairs.targets.shape), ctx.calling("reconstruct"))
                snapped = (checked * 255).round().double() / 255  # 8 bits, as files are
                yield index, ImagePairs(pairs.ids, snapped, pairs.targets)

    def scores(self, ctx: Context, state: PerItemState) -> list[Score]:
        psnr = state.items("psnr")
        score = Scorer(ctx.task, ctx.source.label, len(psnr), ctx.options.seed, ctx.data.content_hash)
        extra = skipped_settings(ctx, ctx.scratch.get("samples"))
        resamples, seed = ctx.task.resamples * 5, ctx.options.seed
        ssim = state.items("ssim")
        return [
            score("psnr", mean_with_interval(psnr, resamples, seed), {**PSNR_SETTINGS, "on": "rgb", **extra}, items=psnr),
            score("ssim", mean_with_interval(ssim, resamples, seed), {**RGB_SSIM.settings(), "on": "rgb-mean", **extra},
                  items=ssim),
            state.resources["lpips"].score("lpips", state.items("lpips"), score, resamples, seed,
                                           {"net": "alex", "version": "0.1", **extra}),
        ]


FOLDER_GENERATION = FolderGenerationKind()
FOLDER_PAIRS = FolderPairsKind()
