"""Task kinds are plugins: the runner dispatches on a registry, imports none of them, and refuses
a protocol no kind evaluates."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from typing import Iterator

import numpy as np
import pytest
import torch

from genbench.data.dataset import DATASETS, Dataset
from genbench.data.digits import ImageBatch
from genbench.errors import GenbenchError, InputError
from genbench.kinds import KINDS, kind_of
from genbench.kinds.base import TaskKind
from genbench.kinds.per_item import PerItemState
from genbench.metrics.intervals import mean_with_interval
from genbench.models.sources import ModelSource
from genbench.runner import evaluate
from genbench.tasks import TASKS


def test_the_runner_imports_no_task_kind():
    code = ("import sys, genbench.runner, genbench.api; "
            "print(sorted(m for m in sys.modules if m.startswith('genbench.kinds.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_an_unknown_protocol_is_an_error_naming_it(quick_options):
    task = dataclasses.replace(TASKS.get("images/digits"), protocol="sampel")
    with pytest.raises(GenbenchError, match="Unknown task kind 'sampel'.*Did you mean: sample"):
        evaluate(task, ModelSource("m", object(), torch.device("cpu")), quick_options)


def test_every_shipped_task_has_a_kind_and_a_dataset():
    for name in TASKS.names():
        task = TASKS.get(name)
        assert isinstance(kind_of(task.protocol), TaskKind)
        assert task.data in DATASETS


class Tiny:
    """A dataset of four 2×2 images that is not one genbench ships."""

    name = "tiny"
    images = torch.linspace(0, 1, 16).reshape(4, 1, 2, 2)
    content_hash = "tiny-v1"

    @property
    def ids(self) -> tuple[str, ...]:
        return ("a", "b", "c", "d")

    def __len__(self) -> int:
        return 4

    def batches(self, size: int, device: torch.device | None = None) -> Iterator[ImageBatch]:
        for start in range(0, 4, size):
            yield ImageBatch(start, self.ids[start:start + size], self.images[start:start + size].to(device),
                             torch.zeros(len(self.ids[start:start + size]), dtype=torch.long))


class Brighten(TaskKind):
    """A kind a user's package could add: scores ``reconstruct`` by PSNR on any dataset."""

    protocol = "brighten"
    capability = "reconstruct"
    request = "reconstruct(images)"
    primary_metric = "psnr"

    def new_state(self, ctx):
        from genbench.metrics.reconstruction import psnr_per_item

        return PerItemState({"psnr": lambda b: psnr_per_item(b[0], b[1])})

    def model_outputs(self, ctx):
        for index, batch in ctx.owned(ctx.data.batches(3)):
            yield index, (ctx.model.model.reconstruct(batch.images), batch.images)

    def file_outputs(self, ctx):
        raise InputError("no files")

    def scores(self, ctx, state):
        values = state.items("psnr")
        return [self.scorer(ctx, state)("psnr", mean_with_interval(values, 10, 0), items=values)]


class HalfWay:
    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        return images * 0.5


def test_a_plugin_kind_on_a_plugin_dataset_runs_through_the_generic_runner(quick_options):
    KINDS.register("brighten", Brighten())
    DATASETS.register("tiny", lambda options: Tiny())
    task = dataclasses.replace(TASKS.get("images/digits-recon"), name="user/brighten", protocol="brighten",
                               data="tiny")
    assert isinstance(Tiny(), Dataset)
    (score,) = evaluate(task, ModelSource("halfway", HalfWay(), torch.device("cpu")), quick_options)
    from genbench.metrics.reconstruction import psnr_per_item

    expected = psnr_per_item(Tiny.images * 0.5, Tiny.images)
    assert score.n == 4 and score.value == pytest.approx(float(np.mean(expected)))
    assert score.signature.data_hash == "tiny-v1" and score.task == "user/brighten"
