"""Reconstruction: ``reconstruct(images)`` on every item of the task's data, scored per item
(PSNR, SSIM, LPIPS when its backbone is present)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import torch

from genbench.data.digits import quantize
from genbench.data.image_folder import read_paired_folder
from genbench.features.lpips_net import LPIPS_SIZE
from genbench.kinds.base import TaskKind
from genbench.kinds.per_item import PerItemState
from genbench.metrics.intervals import mean_with_interval
from genbench.metrics.reconstruction import PSNR_SETTINGS, SSIM_SETTINGS, psnr_per_item, ssim_per_item
from genbench.score import Score
from genbench.scoring.context import Context
from genbench.scoring.cost_step import CostCall
from genbench.scoring.outputs import call_model, check_images, tile
from genbench.scoring.perceptual import Lpips


@dataclass(frozen=True)
class PairedOutputs:
    start: int
    outputs: torch.Tensor  # checked and on the task's grid, CPU
    targets: torch.Tensor  # the items they answer, CPU


class ReconstructionKind(TaskKind):
    protocol = "reconstruct"
    capability = "reconstruct"
    request = "reconstruct(images)"
    primary_metric = "psnr"

    def new_state(self, ctx: Context) -> PerItemState:
        lpips = Lpips(ctx.options)
        measures = {"psnr": lambda b: psnr_per_item(b.outputs, b.targets),
                    "ssim": lambda b: ssim_per_item(b.outputs, b.targets)}
        if lpips.available:
            measures["lpips"] = lambda b: lpips(b.outputs, b.targets)
        return PerItemState(measures, lpips=lpips)

    def model_outputs(self, ctx: Context) -> Iterator[tuple[int, PairedOutputs]]:
        source, task = ctx.model, ctx.task
        for index, batch in ctx.owned(ctx.data.batches(task.batch_size, source.device)):
            size = len(batch.ids)
            out = call_model(source, "reconstruct", lambda: source.model.reconstruct(batch.images))
            yield index, PairedOutputs(batch.start, quantize(check_images(out, (size, *task.image_shape),
                                                                          ctx.calling("reconstruct")),
                                                      task.levels), batch.images.cpu())
            ctx.progress("reconstructing", batch.start + size, len(ctx.data))

    def file_outputs(self, ctx: Context) -> Iterator[tuple[int, PairedOutputs]]:
        task = ctx.task
        outputs = quantize(read_paired_folder(ctx.source.path, ctx.data.ids, task.image_shape), task.levels)
        for index, batch in ctx.owned(ctx.data.batches(task.batch_size)):
            yield index, PairedOutputs(batch.start, outputs[batch.start:batch.start + len(batch.ids)], batch.images)

    def scores(self, ctx: Context, state: PerItemState) -> list[Score]:
        score, seed = self.scorer(ctx, state), ctx.options.seed
        resamples = ctx.task.resamples * 5
        psnr, ssim = state.items("psnr"), state.items("ssim")
        return [
            score("psnr", mean_with_interval(psnr, resamples, seed), PSNR_SETTINGS, items=psnr),
            score("ssim", mean_with_interval(ssim, resamples, seed), SSIM_SETTINGS, items=ssim),
            state.resources["lpips"].score("lpips", state.items("lpips"), score, resamples, seed,
                             {"net": "alex", "version": "0.1", "resize": LPIPS_SIZE}),
        ]

    def cost_call(self, ctx: Context) -> CostCall:
        source, shape = ctx.model, ctx.task.image_shape
        first = next(ctx.data.batches(ctx.options.cost.large_batch)).images

        def call(batch: int) -> object:
            return source.model.reconstruct(tile(first, batch).to(source.device))

        return CostCall("reconstruct", call, lambda out, batch, who: check_images(out, (batch, *shape), who))


RECONSTRUCTION = ReconstructionKind()
