"""The cost step every kind ends with: throughput, latency and memory of one model call, plus parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from genbench.metrics.cost import COST_DEFINITIONS, describe_device, measure_cost, parameter_count, resident_bytes
from genbench.metrics.intervals import Estimate
from genbench.score import Score
from genbench.scoring.context import Context
from genbench.scoring.outputs import call_model
from genbench.scoring.scorer import Scorer


@dataclass(frozen=True)
class CostCall:
    """The model call a kind's cost is timed on, and the check its outputs must pass (as in scoring)."""

    method: str
    call: Callable[[int], object]  # runs ``method`` on a batch of that many items
    check: Callable[[object, int, str], object]  # (output, batch, who) → raises InputError for a bad output


def cost_scores(ctx: Context, score: Scorer, cost: CostCall) -> list[Score]:
    """Cost of ``cost.call``; a failing call or a bad output (checked off the clock) names the model."""
    source, meter = ctx.model, ctx.options.cost
    device = describe_device(source.device)
    settings = {"batch": meter.large_batch, "repeats": meter.repeats, "warmup": meter.warmup,
                "latency_calls": meter.latency_calls}
    ctx.progress("measuring cost", 0, 1)
    weights = call_model(source, "parameters", lambda: resident_bytes(source.model, source.device))

    def during(batch: int) -> str:
        return f"batch of {batch}, timing cost"

    def timed(batch: int) -> object:
        return call_model(source, cost.method, lambda: cost.call(batch), during=during(batch))

    def check(batch: int, output: object) -> None:
        cost.check(output, batch, ctx.calling(cost.method, during(batch)))

    measured = measure_cost(timed, source.device, meter, ctx.options.seed, weights, check)
    ctx.progress("measuring cost", 1, 1)
    scores = [score(name, est, {**settings, **COST_DEFINITIONS.get(name, {})}, device=device,
                    n=meter.latency_calls if name.startswith("latency") else meter.repeats)
              for name, est in measured.items()]
    params = call_model(source, "parameters", lambda: parameter_count(source.model))
    if params is not None:
        scores.append(score("parameters", Estimate(params, params, params, "exact"), n=1))
    return scores
