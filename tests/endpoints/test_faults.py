"""Faults: ≥ 30 % of requests answered with timeouts, 500s, 429 + Retry-After, malformed JSON,
truncated bodies, wrong image sizes and wrong counts. The run completes in bounded time, every
fault class is counted, the answered items are scored exactly as a fault-free run scores them,
and past the failure-rate threshold the run fails with exit code 4 and stores nothing."""

from __future__ import annotations

import time
from collections import Counter

import pytest
import sacrebleu
import torch

from endpoint_support import SMALL_TRANSLATION, endpoint_config, run_cli, serving  # noqa: F401 (endpoint_config: a fixture)
from faults import PERMANENT, TRANSIENT, FaultyApp
from genbench.endpoints.client import EndpointFailure
from genbench.models.sources import load_model
from genbench.runner import RunOptions, evaluate
from genbench.tasks.spec import TASKS

# Short timeouts and backoff: an injected hang (3 s) times out at 1 s; a run stays within seconds.
# The client and the server share one process (and its GIL) on a busy machine: 1 s is far above an honest answer.
FAST = dict(read_timeout_s=1.0, connect_timeout_s=1.0, total_timeout_s=2.0, max_attempts=4, backoff_initial_s=0.01,
            backoff_max_s=0.05, concurrency=16)
TRANSLATION = SMALL_TRANSLATION
CONDITIONAL = TASKS.get("images/digits-conditional")


def _faulty(**kw):
    return lambda app: FaultyApp(app, share=0.35, hang_s=3.0, **kw)


def _attempt_errors(model) -> Counter:
    return Counter(a.error for r in model.records for a in r.outcome.attempts if a.error)


def test_text_run_under_faults_scores_the_answered_items(endpoint_config, quick_options) -> None:
    with serving("copy-source", wrap=_faulty()) as (url, faults):
        endpoint_config("flaky", base_url=url, model="copy-source", max_failure_rate=1.0, **FAST)
        model = load_model("endpoint:flaky", torch.device("cpu"))
        began = time.monotonic()
        scores = {s.metric: s for s in evaluate(TRANSLATION, model, quick_options)}
        wall = time.monotonic() - began
    requested = sum(faults.requests.values())
    assert sum(faults.injected.values()) >= 0.3 * requested
    errors = _attempt_errors(model.model)
    assert set(errors) == {"timeout", "http_500", "http_429", "malformed_json", "truncated_body"}, errors
    assert errors["http_500"] == faults.injected["http_500"] and errors["http_429"] == faults.injected["http_429"]
    answered = [r.outcome for r in model.model.records if r.outcome.ok]
    data = TRANSLATION.load_data(RunOptions().data)
    batch = next(data.batches(len(data)))
    kept = [i for i, r in enumerate(model.model.records) if r.outcome.ok]
    assert 0 < len(kept) < len(batch.ids)
    # copy-source answers each verse with its source: a fault-free run's hypotheses on the same items.
    expected = sacrebleu.corpus_bleu([batch.sources[i] for i in kept], [[batch.targets[i] for i in kept]])
    assert scores["bleu"].value == pytest.approx(expected.score, abs=1e-9) and scores["bleu"].n == len(kept)
    assert [o.answer["text"] for o in answered] == [batch.sources[i] for i in kept]
    failed = len(batch.ids) - len(kept)
    assert scores["failure_rate"].value == pytest.approx(failed / len(batch.ids))
    assert scores["retries_per_item"].value > 0
    assert wall < 120
    _attempt_log_adds_up(model.model, faults, scores)


def _attempt_log_adds_up(model, faults: FaultyApp, scores: dict) -> None:
    """The durable attempt log holds one row per request the server received, each injected fault
    as its error class, and the retries the scores count."""
    rows = list(model.attempts.rows(model.sessions[-1:]))
    assert len(rows) == sum(faults.requests.values())
    logged = Counter(row["error"] for row in rows if row["error"])
    assert logged == _attempt_errors(model)
    for fault in ("http_500", "http_429", "malformed_json", "truncated_body", "timeout"):
        assert logged[fault] == faults.injected[fault], fault
    requests = {row["item"] for row in rows}
    assert len(requests) == len(model.records)  # every request was sent (a fresh cache)
    assert len(rows) - len(requests) == round(scores["retries_per_item"].value * scores["retries_per_item"].n)
    assert sum(row["error"] is None for row in rows) == sum(r.outcome.ok for r in model.records)
    for item in requests:  # numbered 1, 2, … in the order sent; only the last may be an answer
        mine = [row for row in rows if row["item"] == item]
        assert [row["attempt"] for row in mine] == list(range(1, len(mine) + 1))
        assert all(row["error"] for row in mine[:-1])
        assert all(row["latency_s"] >= 0 and row["sent_at"] > 1.7e9 for row in mine)


def test_image_run_under_faults_loses_no_answer(endpoint_config, quick_options) -> None:
    # max_batch=1: each request is its own model call seeded by the request, so answers are reproducible.
    with serving("cgan", wrap=_faulty(), max_batch=1) as (url, faults):
        endpoint_config("flaky", base_url=url, model="cgan", api="images", max_failure_rate=1.0, **FAST)
        endpoint_config("clean", base_url=url, model="cgan", api="images", **FAST)
        flaky = load_model("endpoint:flaky", torch.device("cpu"))
        scores = {s.metric: s for s in evaluate(CONDITIONAL, flaky, quick_options)}
        faults.share = 0.0
        clean = load_model("endpoint:clean", torch.device("cpu"))
        clean_scores = {s.metric: s for s in evaluate(CONDITIONAL, clean, quick_options)}
    errors = _attempt_errors(flaky.model)
    assert set(errors) == set(TRANSIENT + PERMANENT), errors
    fresh = {r.outcome.request.key: r.outcome.answer["images"] for r in clean.model.records}
    answered = [r.outcome for r in flaky.model.records if r.outcome.ok]
    assert answered and all(fresh[o.request.key] == o.answer["images"] for o in answered)  # byte-identical
    assert scores["fid"].n == len(answered) < 450 == clean_scores["fid"].n
    assert clean_scores["failure_rate"].value == 0.0


def test_failure_rate_above_threshold_fails_the_run(endpoint_config, tmp_path, monkeypatch) -> None:
    store = tmp_path / "results.sqlite"
    with serving("copy-source", wrap=_faulty(faults=PERMANENT)) as (url, faults):
        endpoint_config("flaky", base_url=url, model="copy-source", **FAST)
        code = run_cli(["run", "--suite", "text", "--no-baselines", "--model", "endpoint:flaky", "--store", str(store)],
                       monkeypatch)
    assert code == EndpointFailure.exit_code == 4
    assert not store.exists()


def test_global_deadline_bounds_a_run(endpoint_config, quick_options) -> None:
    # Every request hangs 30 s: without the deadline, 96 verses at 16 in flight would take 3 minutes.
    with serving("copy-source", wrap=lambda app: FaultyApp(app, share=1.0, faults=("timeout",), hang_s=30)) as (url, _):
        endpoint_config("stuck", base_url=url, model="copy-source", deadline_s=2.0,
                        **{**FAST, "read_timeout_s": 10.0, "total_timeout_s": 10.0})
        model = load_model("endpoint:stuck", torch.device("cpu"))
        began = time.monotonic()
        with pytest.raises(EndpointFailure, match="deadline"):
            evaluate(TRANSLATION, model, quick_options)
        assert time.monotonic() - began < 20  # the 2 s deadline, plus loading the corpus on a busy machine
    assert {r.outcome.error for r in model.model.records} == {"deadline"}
