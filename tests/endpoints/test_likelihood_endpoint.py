"""Text likelihood through /v1/completions (echo, max_tokens 0, logprobs 0): a language model scored
through `genbench serve` gets the in-process likelihood scores; an answer without log-probabilities
makes them unavailable by name; every parameter of the request is in its cache key."""

from __future__ import annotations

import json

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from endpoint_support import SMALL_LM, endpoint_config, serving  # noqa: F401 (endpoint_config: a fixture)
from genbench.endpoints.config import EndpointConfig
from genbench.endpoints.prompts import template_for
from genbench.endpoints.requests import completion_parser, completion_request
from genbench.endpoints.transport import BadAnswer
from genbench.errors import InputError
from genbench.models.sources import load_model
from genbench.runner import RunOptions, evaluate

LIKELIHOOD = ("bits_per_char", "perplexity_own_tokens")
TEMPLATE = template_for("text_likelihood", None, "test")


def _texts(n: int) -> list[str]:
    data = SMALL_LM.load_data(RunOptions().data)
    return next(data.batches(n)).targets


def test_char_unigram_through_serve_scores_as_in_process(endpoint_config, quick_options) -> None:
    local = {s.metric: s for s in evaluate(SMALL_LM, load_model("char-unigram", torch.device("cpu")), quick_options)}
    with serving("char-unigram", max_batch=16) as (url, counter):
        endpoint_config("lm", base_url=url, model="char-unigram", likelihood=True, tokenizer="characters",
                        concurrency=8)
        remote = {s.metric: s for s in evaluate(SMALL_LM, load_model("endpoint:lm", torch.device("cpu")),
                                                quick_options)}
        sent = counter.requests["/v1/completions"]
        rerun = {s.metric: s for s in evaluate(SMALL_LM, load_model("endpoint:lm", torch.device("cpu")),
                                               quick_options)}
        assert counter.requests["/v1/completions"] == sent  # the rerun sent nothing
    assert sent == len(SMALL_LM.load_data(quick_options.data))
    for metric in LIKELIHOOD:
        # Per-character log-probabilities travel as JSON float64 (repr round-trips exactly) and are
        # summed left to right as the model sums them: equal to the last bit.
        assert remote[metric].value == local[metric].value, metric
        assert rerun[metric].value == local[metric].value
        assert remote[metric].n == local[metric].n
        assert remote[metric].signature.key() == local[metric].signature.key(), metric
    assert remote["bits_per_char"].items == local["bits_per_char"].items
    rendered = remote["bits_per_char"].signature.render()
    assert "request:completions,echo,max_tokens=0,logprobs=0" in rendered and "deterministic:no" in rendered
    assert remote["failure_rate"].value == 0.0


def test_transformer_mt_through_serve_matches_in_process_per_token_sums(endpoint_config) -> None:
    texts = _texts(12)
    log_prob, n_tokens = load_model("transformer-mt", torch.device("cpu")).model.text_log_prob(texts)
    with serving("transformer-mt", max_batch=5) as (url, _):
        endpoint_config("mt", base_url=url, model="transformer-mt", likelihood=True, concurrency=4)
        model = load_model("endpoint:mt", torch.device("cpu")).model
        model.bind(SMALL_LM, 0, len(texts))
        remote_lp, remote_n = model.text_log_prob(texts)
    assert remote_n.tolist() == n_tokens.tolist()
    # float32 attention over differently padded micro-batches moves a verse's log-probability (some
    # hundred nats): the first 3 verses scored 3 rather than 40 at a time moved by up to 5.7e-6 nats.
    # A relative 1e-6 bound is far above that and far below any change of the model.
    assert remote_lp.tolist() == pytest.approx(log_prob.tolist(), rel=1e-6)


class _NoLogprobs:
    """A vendor that answers /v1/completions but without log-probabilities."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        async def strip(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [h for h in message["headers"] if h[0] != b"content-length"]}
            elif message["type"] == "http.response.body" and message.get("body"):
                answer = json.loads(message["body"])
                for choice in answer.get("choices", []):
                    choice["logprobs"] = None
                message = {**message, "body": json.dumps(answer).encode()}
            await send(message)

        await self.app(scope, receive, strip if scope["type"] == "http" else send)


def test_an_answer_without_logprobs_makes_likelihood_unavailable_by_name(endpoint_config, quick_options) -> None:
    with serving("char-unigram", wrap=_NoLogprobs) as (url, _):
        endpoint_config("bare", base_url=url, model="char-unigram", likelihood=True)
        scores = {s.metric: s for s in evaluate(SMALL_LM, load_model("endpoint:bare", torch.device("cpu")),
                                                quick_options)}
    for metric in LIKELIHOOD:
        assert scores[metric].value is None
        assert "without log-probabilities" in scores[metric].unavailable_reason
        assert "'bare'" in scores[metric].unavailable_reason and "no_logprobs" in scores[metric].unavailable_reason
    assert scores["failure_rate"].value == 1.0  # the refused requests are counted, nothing is hidden


def _config(**kw) -> EndpointConfig:
    return EndpointConfig(**{"name": "v", "base_url": "http://h/v1", "model": "m", **kw})


@settings(max_examples=30, deadline=None)
@given(field=st.sampled_from(["model", "prompt", "max_tokens", "echo", "logprobs", "temperature"]),
       change=st.integers(1, 100))
def test_every_part_of_a_completion_request_is_in_its_key(field: str, change: int) -> None:
    from genbench.endpoints.cache import request_key

    request = completion_request(_config(), TEMPLATE, "In the beginning")
    assert request.body == {"model": "m", "prompt": "<|endoftext|>In the beginning<|endoftext|>", "max_tokens": 0,
                            "echo": True, "logprobs": 0, "temperature": 0}
    changed = dict(request.body)
    value = changed[field]
    changed[field] = (not value) if isinstance(value, bool) else (
        f"{value}{change}" if isinstance(value, str) else value + change)
    assert request_key("http://h/v1/completions", changed, TEMPLATE.digest) != request.key
    other = template_for("text_likelihood", "<s>{text}</s>", "test")
    assert completion_request(_config(), other, "In the beginning").key != request.key
    assert completion_request(_config(base_url="http://g/v1"), TEMPLATE, "In the beginning").key != request.key


def _answer(tokens: list[str], offsets: list[int], values: list[float | None]) -> dict:
    return {"choices": [{"logprobs": {"tokens": tokens, "text_offset": offsets, "token_logprobs": values}}]}


def test_completion_parser_sums_the_text_and_end_marker_only() -> None:
    request = completion_request(_config(), TEMPLATE, "ab")
    parse = completion_parser(TEMPLATE)
    head = len("<|endoftext|>")
    # start marker (no log-probability), "a", "b", end marker, then a generated token to leave out
    good = _answer(["<|endoftext|>", "a", "b", "<|endoftext|>", "x"], [0, head, head + 1, head + 2, head + 15],
                   [None, -1.0, -2.0, -0.5, -9.0])
    assert parse(request, good) == {"log_prob": -3.5, "n_tokens": 3}
    cases = {
        "no_logprobs": [{"choices": [{"logprobs": None}]},
                        _answer(["<|endoftext|>", "ab"], [0, head], [None, None])],
        "misaligned_tokens": [_answer(["<|endoftext|>a", "b"], [0, head + 1], [None, -1.0])],
        "bad_answer": [_answer(["<|endoftext|>", "ab"], [0, head], [None, 0.5]), {"choices": []}],
    }
    for kind, payloads in cases.items():
        for payload in payloads:
            with pytest.raises(BadAnswer) as caught:
                parse(request, payload)
            assert caught.value.kind == kind


@pytest.mark.parametrize("template", ["{text}<|endoftext|>", "<|endoftext|>{text}", "{text}"])
def test_a_likelihood_template_needs_both_markers(template: str) -> None:
    with pytest.raises(InputError, match="start marker"):
        template_for("text_likelihood", template, "test")


@pytest.mark.parametrize("change, message", [({"logprobs": 1}, "logprobs: 0"), ({"echo": False}, "echo: true"),
                                             ({"max_tokens": 16}, "max_tokens: 0"),
                                             ({"prompt": "no markers"}, "each prompt must be")])
def test_serve_refuses_what_it_cannot_answer_truthfully(change: dict, message: str) -> None:
    import httpx

    body = {"model": "char-unigram", "prompt": "<|endoftext|>ab<|endoftext|>", "max_tokens": 0, "echo": True,
            "logprobs": 0, **change}
    with serving("char-unigram") as (url, _):
        reply = httpx.post(f"{url}/completions", json=body)
    assert reply.status_code == 400 and message in reply.json()["error"]["message"]
