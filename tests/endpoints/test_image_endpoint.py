"""An image endpoint scored like a local model: cgan through `genbench serve` (images/generations,
b64_json) reaches the same quality as in process."""

from __future__ import annotations

from dataclasses import replace

import torch

from endpoint_support import endpoint_config, serving  # noqa: F401 (endpoint_config: a fixture)
from genbench.config import GateConfig, DEFAULT_TOLERANCES
from genbench.models.sources import load_model
from genbench.report.compare import SAME, compare
from genbench.report.sources import Entry
from genbench.runner import evaluate
from genbench.tasks.spec import TASKS

TASK = TASKS.get("images/digits-conditional")


def test_cgan_through_serve_has_the_quality_of_in_process(endpoint_config, quick_options) -> None:
    local = [s for s in evaluate(TASK, load_model("cgan", torch.device("cpu")), quick_options)
             if s.metric in ("fid", "conditional_accuracy", "intra_fid_mean", "coverage", "precision", "recall")]
    with serving("cgan") as (url, counter):
        endpoint_config("cgan", base_url=url, model="cgan", api="images", concurrency=16, images_per_request=5)
        remote = evaluate(TASK, load_model("endpoint:cgan", torch.device("cpu")), quick_options)
    assert counter.requests["/v1/images/generations"] == 450 // 5
    by_metric = {s.metric: s for s in remote}
    assert by_metric["failure_rate"].value == 0.0 and by_metric["fid"].n == 450
    base = [Entry.from_score(s) for s in local]
    cand = [replace(Entry.from_score(by_metric[s.metric]), model=s.model) for s in local]
    verdicts = compare(base, cand, GateConfig(dict(DEFAULT_TOLERANCES)), resamples=2000)
    assert {c.metric: c.verdict for c in verdicts} == {s.metric: SAME for s in local}, verdicts
