"""What a model's outputs look like: the first 64 outputs of the run's seed as a PNG grid (image
tasks), or a few test sources with each model's translation (text tasks).

Outputs are drawn again through the task kind's own ``model_outputs``, with the stored run's seed,
so a grid shows exactly the samples the run scored first, already snapped to the task's grid.
Nothing is cached: a report is regenerated from the models, deterministically.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any, Iterator

import torch

from genbench.data.dataset import DataOptions
from genbench.errors import GenbenchError
from genbench.kinds import kind_of
from genbench.models.protocol import capabilities
from genbench.models.sources import MODELS, ModelSource, load_model
from genbench.scoring.context import Context, RunOptions

GRID_SIZE = 64
GRID_COLUMNS = 8
TILE_MIN_PX = 32  # small images are enlarged (nearest neighbour) to at least this many pixels
GAP_PX = 2
TRANSLATIONS_SHOWN = 8
IMAGE_PROTOCOLS = ("sample", "conditional", "reconstruct", "stylize")


@dataclass(frozen=True)
class Grid:
    png: bytes
    count: int
    of: int  # outputs the task asks for in all
    item_range: tuple[str, str]  # the first and last item shown, where the task names its items


@dataclass
class TaskSamples:
    """Everything a task page shows about outputs: a grid per model, the task's inputs beside
    paired outputs, translations, and why a model has none."""

    grids: dict[str, Grid] = field(default_factory=dict)
    inputs: dict[str, Grid] = field(default_factory=dict)  # "targets", "content", "style"
    sources: list[tuple[str, str, str]] = field(default_factory=list)  # (id, source, reference)
    translations: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # model → why no samples are shown


class ModelCache:
    """Each registered model loaded once per report, on the CPU."""

    def __init__(self, data: DataOptions) -> None:
        self.data = data
        self._models: dict[str, ModelSource | Exception] = {}

    def get(self, name: str) -> ModelSource:
        if name not in self._models:
            try:
                self._models[name] = load_model(name, torch.device("cpu"), self.data)
            except Exception as exc:  # a failing loader is reported on the page, per model
                self._models[name] = exc
        found = self._models[name]
        if isinstance(found, Exception):
            raise found
        return found


def task_samples(task: Any, entries: list[tuple[str, str, int]], models: ModelCache) -> TaskSamples:
    """``entries``: (model, command of its run, seed of its run) for each model on the task."""
    result = TaskSamples()
    protocol = task.protocol
    if protocol not in IMAGE_PROTOCOLS and protocol != "translate":
        for model, _, _ in entries:
            result.missing[model] = f"a {protocol} task: models score given data, they produce no outputs to show"
        return result
    kind = kind_of(protocol)
    try:
        data = task.load_data(models.data)
    except GenbenchError as exc:  # e.g. the text corpus is not installed here: the scores still stand
        for model, _, _ in entries:
            result.missing[model] = f"the task's data cannot be loaded here: {exc}"
        return result
    for model, command, seed in entries:
        why = _why_not_drawn(model, command)
        if why:
            result.missing[model] = why
            continue
        try:
            source = models.get(model)
            if kind.capability not in capabilities(source.model):
                result.missing[model] = f"no {kind.capability!r} capability"
                continue
            ctx = Context(task, source, RunOptions(seed=seed, corpus_dir=models.data.corpus_dir), data)
            outputs = (batch for _, batch in kind.model_outputs(ctx))  # the kinds yield (batch index, batch)
            with torch.inference_mode():
                if protocol == "translate":
                    _add_translations(result, model, outputs, data)
                else:
                    _add_grid(result, model, task, outputs, data)
        except Exception as exc:  # a model that fails here is shown failing, the rest of the report stands
            result.missing[model] = f"drawing its outputs failed: {type(exc).__name__}: {exc}"
    return result


def _why_not_drawn(model: str, command: str) -> str | None:
    if command != "run":
        return f"its outputs were files given to `genbench {command}`; the store keeps scores, not files"
    if model not in MODELS:
        return "not a registered model: a report imports no user code to draw samples"
    return None


def _first(outputs: Iterator[Any], wanted: int, pick: str | None) -> list[Any]:
    """Batches from ``outputs`` until ``wanted`` items are in hand (fewer if the task has fewer)."""
    batches, count = [], 0
    for batch in outputs:
        batches.append(batch)
        count += len(batch if pick is None else getattr(batch, pick))
        if count >= wanted:
            break
    return batches


def _add_grid(result: TaskSamples, model: str, task: Any, outputs: Iterator[Any], data: Any) -> None:
    protocol = task.protocol
    total = len(task.requests()[0]) if protocol == "conditional" else len(data)
    pick = None if protocol in ("sample", "conditional") else "outputs"
    batches = _first(outputs, GRID_SIZE, pick)
    images = torch.cat([b if pick is None else b.outputs for b in batches])[:GRID_SIZE]
    ids = _item_ids(task, data, len(images))
    result.grids[model] = Grid(grid_png(images), len(images), total, ids)
    if protocol == "reconstruct" and "targets" not in result.inputs:
        targets = torch.cat([b.targets for b in batches])[:GRID_SIZE]
        result.inputs["targets"] = Grid(grid_png(targets), len(targets), total, ids)
    if protocol == "stylize" and "content" not in result.inputs:
        for name in ("content", "style"):
            inputs = torch.cat([getattr(b, name) for b in batches])[:GRID_SIZE]
            result.inputs[name] = Grid(grid_png(inputs), len(inputs), total, ids)


def _item_ids(task: Any, data: Any, count: int) -> tuple[str, str]:
    """The first and last item a grid shows; unconditional samples answer no item."""
    if task.protocol == "sample" or count == 0:
        return ("", "")
    ids = task.requests()[0] if task.protocol == "conditional" else data.ids
    return (ids[0], ids[count - 1])


def _add_translations(result: TaskSamples, model: str, outputs: Iterator[Any], data: Any) -> None:
    batch = next(outputs)
    shown = min(TRANSLATIONS_SHOWN, len(batch.hypotheses))
    if not result.sources:
        first = next(data.batches(shown))
        result.sources = list(zip(first.ids, first.sources, first.targets))
    result.translations[model] = list(batch.hypotheses[:shown])


def grid_png(images: torch.Tensor) -> bytes:
    """(n, C, H, W) in [0, 1] → one PNG: GRID_COLUMNS per row, small images enlarged, a grey gap between."""
    from PIL import Image

    n, channels, height, width = images.shape
    scale = max(1, math.ceil(TILE_MIN_PX / max(height, width)))
    columns = min(GRID_COLUMNS, n)
    rows = math.ceil(n / columns)
    pixels = (images.detach().cpu().float().clamp(0, 1) * 255).round().to(torch.uint8)
    pixels = pixels.repeat_interleave(scale, dim=2).repeat_interleave(scale, dim=3)
    tile_h, tile_w = height * scale, width * scale
    mode = "L" if channels == 1 else "RGB"
    sheet = Image.new(mode, (columns * (tile_w + GAP_PX) + GAP_PX, rows * (tile_h + GAP_PX) + GAP_PX),
                      128 if mode == "L" else (128, 128, 128))
    for i, tile in enumerate(pixels):
        array = tile[0].numpy() if channels == 1 else tile.permute(1, 2, 0).contiguous().numpy()
        row, column = divmod(i, columns)
        sheet.paste(Image.fromarray(array, mode), (GAP_PX + column * (tile_w + GAP_PX), GAP_PX + row * (tile_h + GAP_PX)))
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", optimize=True)  # Pillow writes no time chunk: same pixels, same bytes
    return buffer.getvalue()

