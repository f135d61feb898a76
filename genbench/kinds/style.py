"""Style transfer: ``stylize(content, style)`` on every (content, style) pair of the task's data,
scored per pair against the content (SSIM, PSNR, LPIPS) and the style (Gram and colour distances)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import torch

from genbench.data.digits import quantize
from genbench.data.image_folder import read_paired_folder
from genbench.errors import UnavailableError
from genbench.kinds.base import TaskKind
from genbench.kinds.per_item import PerItemState
from genbench.metrics import style
from genbench.metrics.intervals import mean_with_interval
from genbench.score import Score
from genbench.scoring.context import Context
from genbench.scoring.cost_step import CostCall
from genbench.scoring.outputs import call_model, check_images, tile
from genbench.scoring.perceptual import Lpips

GRAM_SETTINGS = {"layers": "all", "normalised": "by H·W and C²"}
VGG_GRAM_SETTINGS = {"layers": "relu1_2,relu2_2,relu3_3", "normalised": "by H·W and C²"}
COLOUR_SETTINGS = {"distance": "wasserstein-1d-per-channel"}


@dataclass(frozen=True)
class StyledOutputs:
    start: int
    outputs: torch.Tensor  # checked and on the task's grid, CPU
    content: torch.Tensor
    style: torch.Tensor


class StyleKind(TaskKind):
    protocol = "stylize"
    capability = "stylize"
    request = "stylize(content, style)"
    # The style task trades content against style; its board is ordered by style distance and the
    # two bracket rows (output = content, output = style) show where each model sits on the trade-off.
    primary_metric = "style_gram"

    def new_state(self, ctx: Context) -> PerItemState:
        from genbench.features.lpips_net import load_backbone
        from genbench.features.style_net import load as load_style_net

        net = load_style_net().to(ctx.options.device)
        lpips = Lpips(ctx.options)
        try:  # the classic VGG16 Gram distance, only when genuine VGG16 weights are present
            vgg, vgg_sha = load_backbone("vgg", ctx.options.weights_dir)
            vgg, vgg_reason = vgg.to(ctx.options.device), None
        except UnavailableError as exc:
            vgg, vgg_sha, vgg_reason = None, "none", str(exc)
        measures = {
            "content_ssim": lambda b: style.content_ssim(b.outputs, b.content),
            "content_psnr": lambda b: style.content_psnr(b.outputs, b.content),
            "style_gram": lambda b: style.gram_distance(net.gram_features(b.outputs), net.gram_features(b.style)),
            "style_colour": lambda b: style.colour_distance(b.outputs, b.style),
        }
        if lpips.available:
            measures["content_lpips"] = lambda b: lpips(b.outputs, b.content)
        if vgg is not None:
            measures["style_gram_vgg"] = lambda b: style.gram_distance(style.vgg_grams(vgg, b.outputs),
                                                                       style.vgg_grams(vgg, b.style))
        return PerItemState(measures, net=net, lpips=lpips, vgg_sha=vgg_sha, vgg_reason=vgg_reason)

    def model_outputs(self, ctx: Context) -> Iterator[tuple[int, StyledOutputs]]:
        source, task = ctx.model, ctx.task
        for index, batch in ctx.owned(ctx.data.batches(task.batch_size, source.device)):
            size = len(batch.ids)
            out = call_model(source, "stylize", lambda: source.model.stylize(batch.content, batch.style))
            out = quantize(check_images(out, (size, *task.image_shape), ctx.calling("stylize")), task.levels)
            yield index, StyledOutputs(batch.start, out, batch.content.cpu(), batch.style.cpu())
            ctx.progress("stylizing", batch.start + size, len(ctx.data))

    def file_outputs(self, ctx: Context) -> Iterator[tuple[int, StyledOutputs]]:
        task = ctx.task
        outputs = quantize(read_paired_folder(ctx.source.path, ctx.data.ids, task.image_shape), task.levels)
        for index, batch in ctx.owned(ctx.data.batches(task.batch_size)):
            yield index, StyledOutputs(batch.start, outputs[batch.start:batch.start + len(batch.ids)], batch.content,
                                batch.style)

    def scores(self, ctx: Context, state: PerItemState) -> list[Score]:
        score, seed, resamples = self.scorer(ctx, state), ctx.options.seed, ctx.task.resamples
        net, lpips, res = state.resources["net"], state.resources["lpips"], state.resources
        per_item = {
            "content_ssim": (style.SSIM_SETTINGS, {}),
            "content_psnr": (style.PSNR_SETTINGS, {}),
            "style_gram": (GRAM_SETTINGS, {"features": net.name, "features_sha": net.sha256}),
            "style_colour": (COLOUR_SETTINGS, {}),
        }
        scores = []
        for metric, (settings, feat) in per_item.items():
            values = state.items(metric)
            scores.append(score(metric, mean_with_interval(values, resamples, seed), settings, items=values, **feat))
        scores.append(lpips.score("content_lpips", state.items("content_lpips"), score, resamples, seed,
                                       {"net": "alex", "version": "0.1", "against": "content"}))
        vgg = state.items("style_gram_vgg")
        if vgg is None:
            scores.append(score.unavailable("style_gram_vgg", str(res["vgg_reason"]), VGG_GRAM_SETTINGS))
        else:
            scores.append(score("style_gram_vgg", mean_with_interval(vgg, resamples, seed), VGG_GRAM_SETTINGS,
                                features="vgg16", features_sha=res["vgg_sha"], items=vgg))
        return scores

    def cost_call(self, ctx: Context) -> CostCall:
        source, shape = ctx.model, ctx.task.image_shape
        first = next(ctx.data.batches(ctx.options.cost.large_batch))

        def call(batch: int) -> object:
            content, style_images = tile(first.content, batch), tile(first.style, batch)
            return source.model.stylize(content.to(source.device), style_images.to(source.device))

        return CostCall("stylize", call, lambda out, batch, who: check_images(out, (batch, *shape), who))


STYLE = StyleKind()
