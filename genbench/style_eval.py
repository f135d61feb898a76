"""Scores one source on a style-transfer task: every (content, style) pair, per item, then cost."""

from __future__ import annotations

import torch

from genbench.data.digits import quantize
from genbench.data.image_folder import read_paired_folder
from genbench.data.style_pairs import load_pairs
from genbench.errors import InputError, UnavailableError
from genbench.metrics import style
from genbench.metrics.intervals import mean_with_interval
from genbench.models.protocol import capabilities
from genbench.models.sources import FileSource, ModelSource
from genbench.runner import (Progress, RunOptions, Scorer, batches, call_model, check_images, cost_scores,
                             lpips_score, tile)
from genbench.score import Score
from genbench.tasks.spec import StyleTask

def evaluate_style(task: StyleTask, source: ModelSource | FileSource, options: RunOptions,
                   progress: Progress) -> list[Score]:
    pairs = load_pairs()
    outputs = _outputs(task, source, pairs.content, pairs.style, progress)

    from genbench.features.style_net import load as load_style_net

    net = load_style_net()
    gram = style.gram_distance(net.gram_features(outputs), net.gram_features(pairs.style))
    per_item = {
        "content_ssim": (style.content_ssim(outputs, pairs.content), style.SSIM_SETTINGS, {}),
        "content_psnr": (style.content_psnr(outputs, pairs.content), style.PSNR_SETTINGS, {}),
        "style_gram": (gram, {"layers": "all", "normalised": "by H·W and C²"},
                       {"features": net.name, "features_sha": net.sha256}),
        "style_colour": (style.colour_distance(outputs, pairs.style), {"distance": "wasserstein-1d-per-channel"}, {}),
    }
    score = Scorer(task, source.label, len(pairs), options.seed, pairs.content_hash)
    scores = [score(metric, mean_with_interval(values, task.resamples, options.seed), settings, items=values, **feat)
              for metric, (values, settings, feat) in per_item.items()]
    scores.append(lpips_score("content_lpips", outputs, pairs.content, score, task.resamples, options,
                              {"net": "alex", "version": "0.1", "against": "content"}))
    scores.append(_vgg_gram(task, outputs, pairs.style, score, options))
    if isinstance(source, ModelSource):
        def call(b: int) -> object:
            content, style_images = tile(pairs.content, b), tile(pairs.style, b)
            return source.model.stylize(content.to(source.device), style_images.to(source.device))

        scores += cost_scores(task, source, score, options, progress, call)
    return scores


def _outputs(task: StyleTask, source: ModelSource | FileSource, content: torch.Tensor, style_images: torch.Tensor,
             progress: Progress) -> torch.Tensor:
    if isinstance(source, FileSource):
        return quantize(read_paired_folder(source.path, load_pairs().ids, task.image_shape), task.levels)
    if "stylize" not in capabilities(source.model):
        raise InputError(f"Model {source.label!r} cannot answer task {task.name}, which needs stylize(content, style).")
    parts = []
    for start, size in batches(len(content), task.batch_size):
        c = content[start:start + size].to(source.device)
        s = style_images[start:start + size].to(source.device)
        out = call_model(source, "stylize", lambda: source.model.stylize(c, s))
        parts.append(quantize(check_images(out, (size, *task.image_shape), f"Model {source.label!r}"), task.levels))
        progress("stylizing", start + size, len(content))
    return torch.cat(parts)


def _vgg_gram(task: StyleTask, outputs: torch.Tensor, style_images: torch.Tensor, score: Scorer,
              options: RunOptions) -> Score:
    """The classic VGG16 Gram distance, reported only when genuine VGG16 weights are present."""
    from genbench.features.lpips_net import load_backbone

    settings = {"layers": "relu1_2,relu2_2,relu3_3", "normalised": "by H·W and C²"}
    try:
        vgg, sha = load_backbone("vgg", options.weights_dir)
    except UnavailableError as exc:
        return score.unavailable("style_gram_vgg", str(exc), settings)
    values = style.gram_distance(style.vgg_grams(vgg, outputs), style.vgg_grams(vgg, style_images))
    return score("style_gram_vgg", mean_with_interval(values, task.resamples, options.seed), settings,
                 features="vgg16", features_sha=sha, items=values)
