"""What a run keeps of its outputs for the report, taken from the batches it scores: the first 64
outputs of an image task as one PNG grid (with the task's inputs beside paired outputs: targets,
content and style), or the first 8 translations with their sources and references.

Only batches 0, 1, 2 … in order are taken, and only whole ones: under torchrun rank 0 owns every
world-th batch, so it keeps its first batch alone and the exhibit says how many items it shows.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import torch

from genbench.exhibit import JSON, OUTPUTS, PNG, TRANSLATIONS, Exhibit
from genbench.scoring.context import Context

GRID_SIZE = 64
GRID_COLUMNS = 8
TILE_MIN_PX = 32  # small images are enlarged (nearest neighbour) to at least this many pixels
GAP_PX = 2
TRANSLATIONS_SHOWN = 8
IMAGE_PROTOCOLS = ("sample", "conditional", "reconstruct", "stylize")
INPUTS = {"reconstruct": ("targets",), "stylize": ("content", "style")}  # shown beside paired outputs


class ExhibitCollector:
    """Fed every (batch index, batch) a run scores; keeps what its exhibits need, nothing more."""

    def __init__(self, ctx: Context) -> None:
        self.task, self.data, self.model = ctx.task, ctx.data, ctx.source.label
        self.protocol = ctx.task.protocol
        self.world = ctx.shard.world
        self.wanted = TRANSLATIONS_SHOWN if self.protocol == "translate" else GRID_SIZE
        self.open = self.protocol in IMAGE_PROTOCOLS or self.protocol == "translate"
        self.total = len(self.task.requests()[0]) if self.protocol == "conditional" else len(self.data)
        self.parts: list[dict[str, Any]] = []
        self.count = 0

    def add(self, index: int, batch: Any) -> None:
        if not self.open:
            return
        parts = self._parts(batch)
        size = len(next(iter(parts.values())))
        # A batch out of order, or with a remote model's failed requests left out, would show items
        # under the wrong ids: the exhibit ends before it.
        expected = min(self.task.batch_size, self.total - index * self.task.batch_size)
        if index != len(self.parts) or (self.protocol != "sample" and size != expected):
            self.open = False
            return
        keep = min(size, self.wanted - self.count)
        self.parts.append({name: value[:keep] for name, value in parts.items()})
        self.count += keep
        self.open = self.count < self.wanted

    def _parts(self, batch: Any) -> dict[str, Any]:
        if self.protocol in ("sample", "conditional"):
            return {OUTPUTS: batch.detach().cpu()}
        if self.protocol == "translate":
            return {TRANSLATIONS: list(batch.hypotheses)}
        return {OUTPUTS: batch.outputs.detach().cpu(),
                **{name: getattr(batch, name).detach().cpu() for name in INPUTS.get(self.protocol, ())}}

    def exhibits(self) -> list[Exhibit]:
        if not self.count:
            return []
        meta = {"count": self.count, "of": self.total, "ranks": self.world}
        if self.protocol == "translate":
            return [self._translations(meta)]
        if self.protocol != "sample":
            ids = self.task.requests()[0] if self.protocol == "conditional" else self.data.ids
            meta.update(first_item=str(ids[0]), last_item=str(ids[self.count - 1]))
        names = (OUTPUTS, *INPUTS.get(self.protocol, ()))
        return [Exhibit(self.task.name, self.model, name, PNG, grid_png(torch.cat([p[name] for p in self.parts])),
                        meta) for name in names]

    def _translations(self, meta: dict[str, Any]) -> Exhibit:
        hypotheses = [h for p in self.parts for h in p[TRANSLATIONS]]
        first = next(self.data.batches(len(hypotheses)))  # the items they answer, with their texts
        rows = [{"item": str(item), "source": source, "reference": reference, "translation": hypothesis}
                for item, source, reference, hypothesis in zip(first.ids, first.sources, first.targets, hypotheses)]
        body = json.dumps(rows, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return Exhibit(self.task.name, self.model, TRANSLATIONS, JSON, body, meta)


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
