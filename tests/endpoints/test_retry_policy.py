"""The transport's retry policy, request by request against a scripted server: which answers are
retried, how many times, how long it waits (jittered backoff, Retry-After) and where it stops."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from genbench.endpoints.config import EndpointConfig
from genbench.endpoints.server import running
from genbench.endpoints.transport import Request, Transport, retry_after_seconds

OK = json.dumps({"answer": "yes"}).encode()


class Scripted:
    """Answers the n-th request with ``script[n]`` (status, headers), the last one ever after."""

    def __init__(self, *script: tuple[int, dict[str, str]]) -> None:
        self.script, self.seen = list(script), 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        status, headers = self.script[min(self.seen, len(self.script) - 1)]
        self.seen += 1
        body = OK if status == 200 else b'{"error": "scripted"}'
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")] +
                               [(k.encode(), v.encode()) for k, v in headers.items()]})
        await send({"type": "http.response.body", "body": body})


def call(app: Scripted, deadline_s: float = 30.0, **fields: Any):
    fields = {"max_attempts": 4, "backoff_initial_s": 0.01, "backoff_max_s": 0.02, **fields}
    with running(app) as url:
        config = EndpointConfig("scripted", url, "m", **fields)

        async def go():
            async with Transport(config, None) as transport:
                return await transport.call(Request("chat/completions", {"x": 1}, "key"), lambda r, p: p,
                                            time.monotonic() + deadline_s)

        return asyncio.run(go())


def test_transient_errors_are_retried_until_answered() -> None:
    app = Scripted((503, {}), (500, {}), (200, {}))
    outcome = call(app)
    assert outcome.ok and outcome.answer == {"answer": "yes"}
    assert [a.error for a in outcome.attempts] == ["http_503", "http_500", None]
    assert app.seen == 3


@pytest.mark.parametrize("status", [408, 409, 429, 502])
def test_every_retried_status_is_retried_up_to_max_attempts(status: int) -> None:
    app = Scripted((status, {}))
    outcome = call(app, max_attempts=3)
    assert not outcome.ok and outcome.error == f"http_{status}"
    assert len(outcome.attempts) == app.seen == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(status: int) -> None:
    app = Scripted((status, {}), (200, {}))
    outcome = call(app)
    assert not outcome.ok and outcome.error == f"http_{status}"
    assert app.seen == 1


def test_retry_after_is_waited_for_even_when_the_backoff_is_shorter() -> None:
    app = Scripted((429, {"Retry-After": "0.4"}), (200, {}))
    outcome = call(app)
    assert outcome.ok
    first, second = outcome.attempts
    assert first.retry_after_s == pytest.approx(0.4)
    assert second.sent_at - first.sent_at >= 0.4


def test_no_retry_is_started_that_the_deadline_would_cut() -> None:
    # Retry-After 5 s with 1 s of the deadline left: one attempt, failed at once, not slept through.
    app = Scripted((503, {"Retry-After": "5"}), (200, {}))
    start = time.monotonic()
    outcome = call(app, deadline_s=1.0)
    assert not outcome.ok and outcome.error == "http_503"
    assert app.seen == 1 and time.monotonic() - start < 1.0 + 3.0  # the server's start and stop included


def test_retry_after_as_an_http_date() -> None:
    from email.utils import formatdate

    assert retry_after_seconds(formatdate(time.time() + 30, usegmt=True)) == pytest.approx(30, abs=1.5)
    assert retry_after_seconds(formatdate(time.time() - 30, usegmt=True)) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


@settings(max_examples=200, deadline=None)
@given(initial=st.floats(0.001, 5), cap=st.floats(0.001, 60), failed=st.integers(1, 40))
def test_backoff_is_jittered_below_the_exponential_cap(initial: float, cap: float, failed: int) -> None:
    transport = Transport(EndpointConfig("b", "http://127.0.0.1:9/v1", "m", backoff_initial_s=initial,
                                         backoff_max_s=cap), None)
    pause = transport._backoff(failed)
    assert 0.0 <= pause <= min(cap, initial * 2 ** (failed - 1)) + 1e-12
