"""Load scenarios in MLPerf LoadGen's sense, on a task's requests:

- ``offline``: every request at once, at most ``concurrency`` in flight: throughput.
- ``server``: Poisson arrivals at a target rate, open loop (a request is due at its arrival time
  whether or not earlier ones were answered, and its latency counts from then), against a latency
  SLO at a percentile: the run is valid when that percentile is within the SLO.
- ``single-stream``: one request at a time, the next when the last is answered: p90 latency.

The cache is never consulted: a scenario measures the endpoint. Answers are still checked, and a
failed request counts against the failure rate, as in a task run."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from genbench.endpoints import requests as rq
from genbench.endpoints.client import EndpointModel, api_key
from genbench.endpoints.metrics import request_scores, spread
from genbench.endpoints.prompts import template_for
from genbench.endpoints.transport import Outcome, Parse, Request, Transport, call_all
from genbench.errors import InputError
from genbench.metrics.intervals import Estimate, mean_with_interval

SCENARIOS = ("offline", "server", "single-stream")
THROUGHPUT_WINDOWS = 10


@dataclass(frozen=True)
class Scenario:
    name: str
    requests: int = 256  # how many of the task's requests (cycled if the task has fewer)
    qps: float | None = None  # server: target arrivals per second
    slo_ms: float | None = None  # server: latency bound
    slo_percentile: float = 99.0  # server: which percentile must meet it (MLPerf: 99 for most)
    seed: int = 0

    def check(self) -> "Scenario":
        if self.name not in SCENARIOS:
            raise InputError(f"Unknown scenario {self.name!r}; choose one of {', '.join(SCENARIOS)}.")
        if self.requests < 1:
            raise InputError("A scenario needs at least one request.")
        if self.name == "server" and not (self.qps and self.qps > 0 and self.slo_ms and self.slo_ms > 0):
            raise InputError("The server scenario needs a target rate (--qps > 0) and an SLO (--slo-ms > 0).")
        if not 0 < self.slo_percentile < 100:
            raise InputError("--slo-percentile must lie strictly between 0 and 100.")
        return self


def task_requests(model: EndpointModel, task: Any, count: int, seed: int) -> tuple[list[Request], Parse, list[int]]:
    """``count`` requests as a task run would send them (prompts from the task's data, cycled),
    their parser and how many items each asks for."""
    config = model.config
    template = template_for(task.protocol, config.template(task.name), f"Endpoint {config.name!r}")
    if task.protocol == "translate":
        data = task.load_data(_data_options())
        sources = next(data.batches(len(data))).sources
        return ([rq.chat_request(config, template, sources[i % len(sources)], seed) for i in range(count)],
                rq.parse_chat, [1] * count)
    shape = tuple(task.image_shape)
    size = f"{shape[2]}x{shape[1]}"
    n = config.images_per_request
    values = ([str(int(c)) for c in task.requests()[1]] if task.protocol == "conditional" else [None])
    requests = [rq.image_request(config, template, values[i % len(values)], n, seed + i, size) for i in range(count)]
    return requests, rq.image_parser(shape, config.resize_images), [n] * count


def _data_options():
    from genbench.data.dataset import DataOptions

    return DataOptions()


async def _offline(transport: Transport, requests: list[Request], parse: Parse, deadline: float) -> list[Outcome]:
    return await call_all(transport, requests, parse, deadline)


async def _single_stream(transport: Transport, requests: list[Request], parse: Parse,
                         deadline: float) -> list[Outcome]:
    out = []
    for request in requests:
        out.append(await transport.call(request, parse, deadline) if time.monotonic() < deadline
                   else Outcome(request, error="deadline"))
    return out


async def _server(transport: Transport, requests: list[Request], parse: Parse, deadline: float,
                  scenario: Scenario) -> list[Outcome]:
    """Open loop: each request is due at its Poisson arrival time; latency counts from then, so a
    server that falls behind shows it. At most ``concurrency`` are in flight; the others wait for a
    slot (the transport's semaphore) with their clock running."""
    rng = np.random.default_rng(scenario.seed)
    arrivals = np.cumsum(rng.exponential(1.0 / scenario.qps, len(requests)))
    start = time.monotonic()
    tasks = []
    for request, at in zip(requests, arrivals):
        delay = start + at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if time.monotonic() >= deadline:
            break
        tasks.append(asyncio.create_task(transport.call(request, parse, deadline, start=start + at)))
    outcomes = list(await asyncio.gather(*tasks))
    return outcomes + [Outcome(r, error="deadline") for r in requests[len(outcomes):]]


def run_scenario(model: EndpointModel, task: Any, scenario: Scenario, score: Any) -> list[Any]:
    """The scenario's scores (built by ``score``, a genbench.scoring.scorer.Scorer for the task)."""
    scenario = scenario.check()
    requests, parse, items = task_requests(model, task, scenario.requests, scenario.seed)
    config = model.config
    deadline = time.monotonic() + config.deadline_s

    async def go() -> tuple[list[Outcome], float, float]:
        async with Transport(config, api_key(config)) as transport:
            began = time.monotonic()
            if scenario.name == "offline":
                outcomes = await _offline(transport, requests, parse, deadline)
            elif scenario.name == "single-stream":
                outcomes = await _single_stream(transport, requests, parse, deadline)
            else:
                outcomes = await _server(transport, requests, parse, deadline, scenario)
            return outcomes, began, time.monotonic()

    outcomes, began, ended = asyncio.run(go())
    for index, outcome in enumerate(outcomes):  # the scenario's position is the item key: prompts repeat
        if outcome.attempts:
            model.attempts.record(model.sessions[-1], index, outcome.request.key, outcome.attempts)
    model.attempts.flush()
    settings = {"scenario": scenario.name, "concurrency": 1 if scenario.name == "single-stream" else config.concurrency,
                "requests": scenario.requests, "items_per_request": items[0]}
    if scenario.name == "server":
        settings.update(qps=scenario.qps, slo_ms=scenario.slo_ms, slo_percentile=scenario.slo_percentile)
    throughput = windowed_throughput(outcomes, items, began, ended)
    scores = request_scores(score, scenario.seed, settings, config, items=items, ok=[o.ok for o in outcomes],
                            sent=[True] * len(outcomes), attempts=[max(len(o.attempts), 1) for o in outcomes],
                            latency_s=[o.latency_s for o in outcomes], ttft_s=[o.ttft_s for o in outcomes],
                            usage=[o.usage for o in outcomes], throughput=throughput,
                            images=task.protocol != "translate")
    if scenario.name == "server":
        scores += _validity(score, scenario, settings, outcomes, items)
    return scores


def windowed_throughput(outcomes: list[Outcome], items: list[int], began: float, ended: float) -> Estimate:
    """Items answered per second over the run, with the range over ten equal time windows as interval."""
    wall = max(ended - began, 1e-9)
    done = sum(k for o, k in zip(outcomes, items) if o.ok)
    return spread(_window_rates(outcomes, items, began, wall), done / wall)


def _window_rates(outcomes: list[Outcome], items: list[int], began: float, wall: float) -> list[float]:
    done = [(o.finished - began, k) for o, k in zip(outcomes, items) if o.ok and o.finished is not None]
    if len(done) < THROUGHPUT_WINDOWS:
        return []
    counts, _ = np.histogram([t for t, _ in done], bins=np.linspace(0, wall, THROUGHPUT_WINDOWS + 1),
                             weights=[k for _, k in done])
    return list(counts / (wall / THROUGHPUT_WINDOWS))


def _validity(score: Any, scenario: Scenario, settings: dict[str, Any], outcomes: list[Outcome],
              items: list[int]) -> list[Any]:
    latency = np.array([1000 * (o.latency_s if o.ok else np.inf) for o in outcomes])
    within = (latency <= scenario.slo_ms).astype(np.float64)

    measured = float(np.percentile(latency, scenario.slo_percentile))  # a failed request counts as too late
    valid = 1.0 if measured <= scenario.slo_ms else 0.0
    return [score("within_slo", mean_with_interval(within, 1000, scenario.seed), settings, device="remote",
                  n=len(within), items=within),
            score("scenario_valid", Estimate(valid, valid, valid, "exact"), settings, device="remote", n=len(within))]
