"""Sending requests: an aiohttp session with a bounded pool of workers fed by a bounded queue,
request and token rate limits (aiolimiter), connect/read/total timeouts, and retries with jittered
exponential backoff that honour ``Retry-After`` (tenacity), only on 408/409/429/5xx and network errors.

aiohttp rather than httpx: against a server that answers instantly, httpx's connection pool
managed 430–480 requests/s at 16 connections on two cores where aiohttp managed 5,700
(``benchmarks/endpoint_client_overhead.py`` measures both), and the client's own overhead is what a
load test must keep out of its figures.

Every attempt is recorded with its status, error class and latency. An item that still fails
after its retries, or that the global deadline leaves unanswered, is an ``Outcome`` with an
error class, never an exception: the caller counts it.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import json
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

import aiohttp
from aiolimiter import AsyncLimiter
from tenacity import RetryCallState, wait_random_exponential

from genbench.endpoints.config import EndpointConfig

RETRIED_STATUSES = frozenset({408, 409, 429}) | frozenset(range(500, 600))


@dataclass(frozen=True)
class Request:
    route: str  # below the base URL: "chat/completions", "images/generations"
    body: dict[str, Any]
    key: str  # the cache key (genbench.endpoints.cache.request_key)
    tokens: int = 0  # estimated prompt + completion tokens, for the tokens-per-minute limit


@dataclass(frozen=True)
class Attempt:
    status: int | None  # HTTP status, None when no response came
    error: str | None  # None: answered; else the error class (http_503, timeout, malformed_json …)
    latency_s: float
    retry_after_s: float | None = None
    sent_at: float = 0.0  # time.time() when it was sent


@dataclass
class Outcome:
    request: Request
    answer: dict[str, Any] | None = None  # the checked answer (Parse's result)
    error: str | None = None  # the last attempt's error class when unanswered
    attempts: list[Attempt] = field(default_factory=list)
    cached: bool = False
    latency_s: float | None = None  # scheduled (or first send) to answer, retries and waits included
    ttft_s: float | None = None  # time to the first streamed token
    finished: float | None = None  # time.monotonic() when answered
    usage: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.answer is not None


class BadAnswer(Exception):
    """A response that arrived but cannot be used: ``kind`` is its error class (not retried)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


# (the request, the JSON of its response) → the checked answer; raises BadAnswer.
Parse = Callable[[Request, dict[str, Any]], dict[str, Any]]


class _Retryable(Exception):
    def __init__(self, attempt: Attempt) -> None:
        super().__init__(attempt.error)
        self.attempt = attempt


class _Final(Exception):
    def __init__(self, attempt: Attempt) -> None:
        super().__init__(attempt.error)
        self.attempt = attempt


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date (RFC 9110)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())


class Transport:
    """One endpoint's connection pool, limiters and retry policy; use as ``async with``."""

    def __init__(self, config: EndpointConfig, api_key: str | None) -> None:
        self.config = config
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._base = config.base_url + "/"
        self.session: aiohttp.ClientSession | None = None
        self.slots = asyncio.BoundedSemaphore(config.concurrency)
        self.requests = AsyncLimiter(config.requests_per_minute, 60) if config.requests_per_minute else None
        self.tokens = AsyncLimiter(config.tokens_per_minute, 60) if config.tokens_per_minute else None
        self._wait = wait_random_exponential(multiplier=config.backoff_initial_s, max=config.backoff_max_s)

    async def __aenter__(self) -> "Transport":
        # The whole attempt is bounded by asyncio.timeout (total_timeout_s, or what the deadline
        # leaves); aiohttp bounds connecting and each wait for bytes.
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.config.connect_timeout_s,
                                        sock_read=self.config.read_timeout_s)
        connector = aiohttp.TCPConnector(limit=self.config.concurrency)
        self.session = aiohttp.ClientSession(headers=self._headers, timeout=timeout, connector=connector,
                                             trust_env=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session is not None:
            await self.session.close()

    async def call(self, request: Request, parse: Parse, deadline: float, start: float | None = None) -> Outcome:
        """Send ``request`` until answered, out of attempts or past ``deadline`` (time.monotonic())."""
        outcome = Outcome(request)
        begin = time.monotonic() if start is None else start
        try:
            for number in itertools.count(1):
                try:
                    outcome.answer = await self._attempt(request, parse, deadline, outcome)
                    break
                except _Retryable as exc:
                    pause = max(self._backoff(number), exc.attempt.retry_after_s or 0.0)
                    if number >= self.config.max_attempts or time.monotonic() + pause >= deadline:
                        raise
                    await asyncio.sleep(pause)
        except (_Retryable, _Final) as exc:
            outcome.error = exc.attempt.error
        if not outcome.attempts:  # the deadline passed before the first send
            outcome.error = "deadline"
        if outcome.ok:
            outcome.finished = time.monotonic()
            outcome.latency_s = outcome.finished - begin
        return outcome

    def _backoff(self, failed: int) -> float:
        """tenacity's jittered exponential wait after ``failed`` attempts. The loop around it is
        written out because tenacity's async retry manager costs more per request than the whole
        exchange with a fast server, on the path where the first attempt succeeds."""
        state = RetryCallState(None, None, (), {})
        state.attempt_number = failed
        return self._wait(state)

    async def _attempt(self, request: Request, parse: Parse, deadline: float, outcome: Outcome) -> dict[str, Any]:
        async with self.slots:
            if self.requests is not None:
                await self.requests.acquire()
            if self.tokens is not None:
                await self.tokens.acquire(min(max(request.tokens, 1), self.config.tokens_per_minute))
            budget = min(self.config.total_timeout_s, deadline - time.monotonic())
            if budget <= 0:
                raise _Final(self._record(outcome, Attempt(None, "deadline", 0.0)))
            sent = time.monotonic()
            try:
                async with asyncio.timeout(budget):
                    return await self._exchange(request, parse, outcome, sent)
            except TimeoutError:
                clipped = budget < self.config.total_timeout_s  # the run's deadline, not the request's limit
                attempt = self._record(outcome, Attempt(None, "deadline" if clipped else "timeout",
                                                        time.monotonic() - sent))
                raise (_Final if clipped else _Retryable)(attempt)

    async def _exchange(self, request: Request, parse: Parse, outcome: Outcome, sent: float) -> dict[str, Any]:
        def fail(status: int | None, error: str, retry: bool, after: float | None = None) -> Exception:
            attempt = self._record(outcome, Attempt(status, error, time.monotonic() - sent, after))
            return _Retryable(attempt) if retry else _Final(attempt)

        try:
            response = await self.session.post(self._base + request.route, json=request.body)
        except aiohttp.ServerTimeoutError:  # connecting, or waiting for the status line
            raise fail(None, "timeout", True)
        except aiohttp.ClientConnectorError:
            raise fail(None, "connect_error", True)
        except aiohttp.ClientError:
            raise fail(None, "network_error", True)
        try:
            if response.status != 200:
                after = retry_after_seconds(response.headers.get("Retry-After"))
                raise fail(response.status, f"http_{response.status}", response.status in RETRIED_STATUSES, after)
            try:
                if request.body.get("stream"):
                    payload = await self._read_stream(response, outcome, sent)
                else:
                    payload = json.loads(await response.read())
            except aiohttp.ServerTimeoutError:
                raise fail(200, "timeout", True)
            except aiohttp.ClientError:  # the connection broke inside the body
                raise fail(200, "truncated_body", True)
            except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nesting past the parser
                raise fail(200, "malformed_json", False)
            try:
                if not isinstance(payload, dict):
                    raise BadAnswer("malformed_json", "the body is not a JSON object")
                answer = parse(request, payload)
            except BadAnswer as exc:
                raise fail(200, exc.kind, False)
            usage = payload.get("usage")
            if isinstance(usage, dict):
                outcome.usage = {k: int(v) for k, v in usage.items()
                                 if k in ("prompt_tokens", "completion_tokens") and isinstance(v, int) and v >= 0}
            self._record(outcome, Attempt(200, None, time.monotonic() - sent))
            return answer
        finally:
            response.release()  # an unread or broken body closes the connection rather than reusing it

    async def _read_stream(self, response: aiohttp.ClientResponse, outcome: Outcome, sent: float) -> dict[str, Any]:
        """Server-sent chat chunks joined into one completion; the first content chunk's arrival is TTFT."""
        parts: list[str] = []
        usage: dict[str, Any] | None = None
        done = False
        async for raw in response.content:
            line = raw.decode("utf-8")
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                done = True
                break
            chunk = json.loads(data)
            if not isinstance(chunk, dict) or not isinstance(chunk.get("choices", []), list):
                raise ValueError("a stream chunk is not a chat completion chunk")
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or ():
                delta = choice.get("delta") if isinstance(choice, dict) else None
                piece = delta.get("content") if isinstance(delta, dict) else None
                if isinstance(piece, str) and piece:
                    if outcome.ttft_s is None:
                        outcome.ttft_s = time.monotonic() - sent
                    parts.append(piece)
        if not done:
            raise ValueError("the stream ended before [DONE]")
        return {"choices": [{"message": {"role": "assistant", "content": "".join(parts)}}], "usage": usage}

    @staticmethod
    def _record(outcome: Outcome, attempt: Attempt) -> Attempt:
        attempt = replace(attempt, sent_at=time.time() - attempt.latency_s)
        outcome.attempts.append(attempt)
        return attempt


async def call_all(transport: Transport, requests: Iterable[Request], parse: Parse, deadline: float,
                   done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Every request through ``concurrency`` workers fed by a bounded queue, results in request order.

    ``done`` runs in the event loop's thread as each outcome arrives (the cache's one writer)."""
    config = transport.config
    queue: asyncio.Queue[tuple[int, Request] | None] = asyncio.Queue(maxsize=config.queue_size)
    results: dict[int, Outcome] = {}

    async def worker() -> None:
        while (item := await queue.get()) is not None:
            index, request = item
            if time.monotonic() >= deadline:
                outcome = Outcome(request, error="deadline")
            else:
                outcome = await transport.call(request, parse, deadline)
            results[index] = outcome
            if done is not None:
                done(outcome)

    workers = [asyncio.create_task(worker()) for _ in range(config.concurrency)]
    try:
        for item in enumerate(requests):
            await queue.put(item)
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
    return [results[i] for i in range(len(results))]
