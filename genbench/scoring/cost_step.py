"""The cost step every kind ends with: throughput, latency and memory of one model call, plus parameters."""

from __future__ import annotations

from typing import Callable

from genbench.metrics.cost import COST_DEFINITIONS, describe_device, measure_cost, parameter_count, resident_bytes
from genbench.metrics.intervals import Estimate
from genbench.score import Score
from genbench.scoring.context import Context
from genbench.scoring.outputs import call_model
from genbench.scoring.scorer import Scorer


def cost_scores(ctx: Context, score: Scorer, method: str, call: Callable[[int], object]) -> list[Score]:
    """``call(batch)`` runs the model's ``method`` on ``batch`` items; its failures name the model."""
    source, cost = ctx.model, ctx.options.cost
    device = describe_device(source.device)
    settings = {"batch": cost.large_batch, "repeats": cost.repeats, "warmup": cost.warmup,
                "latency_calls": cost.latency_calls}
    ctx.progress("measuring cost", 0, 1)
    weights = resident_bytes(source.model, source.device)

    def checked(batch: int) -> object:
        return call_model(source, method, lambda: call(batch), during=f"batch of {batch}, timing cost")

    measured = measure_cost(checked, source.device, cost, ctx.options.seed, weights)
    ctx.progress("measuring cost", 1, 1)
    scores = [score(name, est, {**settings, **COST_DEFINITIONS.get(name, {})}, device=device,
                    n=cost.latency_calls if name.startswith("latency") else cost.repeats)
              for name, est in measured.items()]
    params = parameter_count(source.model)
    if params is not None:
        scores.append(score("parameters", Estimate(params, params, params, "exact"), n=1))
    return scores
