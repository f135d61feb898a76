"""A chat endpoint scored like a local model: through `genbench serve`, transformer-mt translates
exactly as in process under greedy decoding; a task scored through an endpoint gets the very scores
of the same model in process; a rerun sends no request it already has an answer for."""

from __future__ import annotations

import torch

from endpoint_support import SMALL_TRANSLATION, endpoint_config, serving  # noqa: F401 (endpoint_config: a fixture)
from genbench.models.sources import load_model
from genbench.runner import RunOptions, evaluate
from genbench.tasks.spec import TASKS

TASK = TASKS.get("text/translate-es-en")
QUALITY = ("bleu", "chrf", "ter", "length_ratio", "semantic_similarity")


def _sources(n: int | None = None) -> list[str]:
    data = TASK.load_data(RunOptions().data)
    return next(data.batches(len(data))).sources[:n]


def test_transformer_mt_through_serve_translates_as_in_process(endpoint_config) -> None:
    # Greedy decoding on a CPU is slow on a shared machine: 24 verses, micro-batched in varying groups.
    sources = _sources(24)
    expected = load_model("transformer-mt", torch.device("cpu")).model.translate(sources)
    with serving("transformer-mt", max_batch=8) as (url, counter):
        endpoint_config("mt", base_url=url, model="transformer-mt", concurrency=6)
        model = load_model("endpoint:mt", torch.device("cpu")).model
        model.bind(TASK, 0, len(sources))
        assert model.translate(sources) == expected
    assert counter.requests["/v1/chat/completions"] == len(sources)


def test_task_scores_through_an_endpoint_equal_in_process(endpoint_config, quick_options) -> None:
    task = SMALL_TRANSLATION
    local = evaluate(task, load_model("copy-source", torch.device("cpu")), quick_options)
    with serving("copy-source") as (url, counter):
        endpoint_config("copy", base_url=url, model="copy-source", concurrency=16)
        source = load_model("endpoint:copy", torch.device("cpu"))
        remote = {s.metric: s for s in evaluate(task, source, quick_options)}
        sent = counter.requests["/v1/chat/completions"]
        rerun = {s.metric: s for s in evaluate(task, load_model("endpoint:copy", torch.device("cpu")), quick_options)}
        assert counter.requests["/v1/chat/completions"] == sent  # the rerun sent nothing
    assert sent == len(task.load_data(quick_options.data))
    for score in local:
        if score.metric in QUALITY:
            assert remote[score.metric].value == score.value, score.metric
            assert remote[score.metric].items == score.items
            assert remote[score.metric].signature.key() == score.signature.key()  # one board with local models
            assert rerun[score.metric].value == score.value
    assert remote["failure_rate"].value == 0.0 and remote["failure_rate"].n == sent
    assert remote["retries_per_item"].value == 0.0
    assert 0 < remote["request_latency_p50"].value <= remote["request_latency_p99"].value
    assert remote["tokens_in_per_item"].value > remote["tokens_out_per_item"].value > 0
    assert "deterministic:no" in remote["bleu"].signature.render()
    assert "prompt:" in remote["bleu"].signature.render()
    assert rerun["request_latency_p50"].value is None  # nothing sent, nothing timed
    assert "response cache" in rerun["request_latency_p50"].unavailable_reason
