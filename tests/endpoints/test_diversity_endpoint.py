"""Sampled diversity through an endpoint (`sample_diversity = true`): one seeded chat request per
sample at the task's temperature, the seed and temperature in the cache key and the signature;
through `genbench serve` the samples are the model's own, and a rerun sends nothing."""

from __future__ import annotations

from dataclasses import replace

import httpx
import numpy as np
import pytest
import torch

from endpoint_support import endpoint_config, serving  # noqa: F401 (endpoint_config: a fixture)
from genbench.data.bible import ParallelSplit, load_test, split_hash
from genbench.data.dataset import DATASETS
from genbench.endpoints.config import EndpointConfig
from genbench.endpoints.prompts import template_for
from genbench.endpoints.requests import chat_request
from genbench.metrics import text
from genbench.models.sources import load_model
from genbench.runner import RunOptions, evaluate
from genbench.tasks.spec import TASKS

NAME, SOURCES, SAMPLES = "text/translate-es-en-first-8", 4, 3


def _task():
    if NAME not in TASKS:
        def first(options):
            pairs = load_test(options).pairs[:8]
            return ParallelSplit("test-first-8", pairs, split_hash(pairs))

        DATASETS.register("bible/test-first-8", first)
        TASKS.register(NAME, replace(TASKS.get("text/translate-es-en"), name=NAME, resamples=50,
                                     data="bible/test-first-8", diversity_sources=SOURCES,
                                     samples_per_source=SAMPLES))
    return TASKS.get(NAME)


def _expected_samples(task, seed: int) -> list[list[str]]:
    """What genbench serve answers with --max-batch 1: each request sampled with a generator seeded
    from its own seed, the seeds drawn as the endpoint draws them from the task's generator."""
    model = load_model("transformer-mt", torch.device("cpu")).model
    sources = next(task.load_data(RunOptions().data).batches(SOURCES)).sources
    generator = torch.Generator().manual_seed(seed)
    draws = []
    for _ in range(SAMPLES):
        seeds = torch.randint(0, 2**31 - 1, (SOURCES,), generator=generator).tolist()
        draws.append([model.sample_translations([s], task.temperature,
                                                torch.Generator().manual_seed(hash((k,)) % 2**63))[0]
                      for s, k in zip(sources, seeds)])
    return [[draw[i] for draw in draws] for i in range(SOURCES)]


def test_diversity_through_serve_is_the_models_own_sampling(endpoint_config, quick_options) -> None:
    task = _task()
    with serving("transformer-mt", max_batch=1) as (url, counter):
        endpoint_config("mt", base_url=url, model="transformer-mt", sample_diversity=True, concurrency=4)
        scores = {s.metric: s for s in evaluate(task, load_model("endpoint:mt", torch.device("cpu")), quick_options)}
        sent = counter.requests["/v1/chat/completions"]
        rerun = {s.metric: s for s in evaluate(task, load_model("endpoint:mt", torch.device("cpu")), quick_options)}
        assert counter.requests["/v1/chat/completions"] == sent  # every sample came from the cache
    assert sent == 8 + SOURCES * SAMPLES
    groups = _expected_samples(task, quick_options.seed)
    expected = {"distinct_1": [text.distinct_n(g, 1) for g in groups],
                "distinct_2": [text.distinct_n(g, 2) for g in groups],
                "self_bleu": [text.self_bleu(g) for g in groups]}
    for metric, values in expected.items():
        assert scores[metric].n == SOURCES
        assert scores[metric].value == pytest.approx(float(np.mean(values)), abs=1e-12), metric
        assert rerun[metric].value == scores[metric].value
        rendered = scores[metric].signature.render()
        assert f"temperature:{task.temperature}" in rendered and f"samples:{SAMPLES}" in rendered
        assert "request:chat,temperature=1.0,max_tokens=256,seed=sent,one-request-per-sample" in rendered
    assert "request:chat,temperature=0," in scores["bleu"].signature.render()
    assert scores["distinct_1"].value > 0.3  # sampled at temperature 1, not greedy answers five times


def test_each_draw_is_its_own_request_even_when_the_seed_is_not_sent() -> None:
    template = template_for("translate", None, "test")
    for send_seed in (True, False):
        config = EndpointConfig(name="v", base_url="http://h/v1", model="m", send_seed=send_seed)
        keys = {chat_request(config, template, "hola", seed, 1.0).key for seed in range(5)}
        assert len(keys) == 5
        assert chat_request(config, template, "hola", 0, 1.0).key != chat_request(config, template, "hola", 0, 0.7).key
        assert ("seed" in chat_request(config, template, "hola", 3, 1.0).body) == send_seed
    greedy = EndpointConfig(name="v", base_url="http://h/v1", model="m", send_seed=False)
    assert len({chat_request(greedy, template, "hola", seed).key for seed in range(5)}) == 1  # temperature 0


def test_serve_refuses_to_sample_a_model_that_cannot() -> None:
    with serving("copy-source") as (url, _):
        body = {"model": "copy-source", "messages": [{"role": "user", "content": "hola"}], "temperature": 1.0}
        reply = httpx.post(f"{url}/chat/completions", json=body)
    assert reply.status_code == 400 and "deterministically only" in reply.json()["error"]["message"]
