"""Load and cost scores of an endpoint's requests: latency percentiles, time to first token,
throughput, tokens from ``usage``, cost per 1,000 items from the price table, failure rate and
retries per item, each with a 95 % interval (bootstrap over requests; throughput: min..max over
windows or calls)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from genbench.endpoints.config import EndpointConfig
from genbench.metrics.intervals import Estimate, bootstrap_items, mean_with_interval

RESAMPLES = 1000
PERCENTILES = (50, 90, 95, 99)


def percentile(values: np.ndarray, q: float, seed: int) -> Estimate:
    return bootstrap_items(lambda idx: float(np.percentile(values[idx], q)), len(values), RESAMPLES, seed)


def spread(rates: Sequence[float], value: float) -> Estimate:
    """A rate measured once overall, with the range of its parts (calls or time windows) as interval."""
    rates = [r for r in rates if np.isfinite(r)]
    if len(rates) < 2:
        return Estimate(value, float("nan"), float("nan"), "none")
    return Estimate(value, float(min(rates)), float(max(rates)), f"min-max-of-{len(rates)}-parts")


def item_costs(usages: list[dict[str, int]], images: list[int], config: EndpointConfig) -> np.ndarray:
    p = config.prices
    return np.array([(u.get("prompt_tokens", 0) * p.input_per_1k + u.get("completion_tokens", 0) * p.output_per_1k)
                     / 1000 + p.per_image * k for u, k in zip(usages, images)], dtype=np.float64)


def request_scores(score: Any, seed: int, settings: dict[str, Any], config: EndpointConfig, *,
                   items: list[int], ok: list[bool], sent: list[bool], attempts: list[int],
                   latency_s: list[float | None], ttft_s: list[float | None], usage: list[dict[str, int]],
                   throughput: Estimate | None, images: bool) -> list[Any]:
    """Every load and cost score from per-request facts (one entry per request)."""
    def per_item(values: Sequence[float], mask: Sequence[bool] | None = None) -> np.ndarray:
        return np.array([v for v, k, m in zip(values, items, mask or [True] * len(items)) if m for _ in range(k)],
                        dtype=np.float64)

    failed = per_item([0.0 if good else 1.0 for good in ok])
    out = [score("failure_rate", mean_with_interval(failed, RESAMPLES, seed), settings, device="remote",
                 n=len(failed), items=failed)]
    sent_ok = [s and good for s, good in zip(sent, ok)]
    if not any(sent):
        reason = "every answer came from the response cache; nothing was sent, so nothing was timed"
        names = ["retries_per_item", "throughput_remote"] + [f"request_latency_p{q}" for q in PERCENTILES]
        return out + [score.unavailable(m, reason, settings) for m in names] + _usage(
            score, seed, settings, config, items, ok, usage, images)
    retries = per_item([a - 1 for a in attempts], sent)
    out.append(score("retries_per_item", mean_with_interval(retries, RESAMPLES, seed), settings, device="remote",
                     n=len(retries), items=retries))
    latency = np.array([1000 * t for t, good in zip(latency_s, sent_ok) if good and t is not None])
    for q in PERCENTILES:
        metric = f"request_latency_p{q}"
        out.append(score(metric, percentile(latency, q, seed), settings, device="remote", n=len(latency))
                   if len(latency) else score.unavailable(metric, "no request was answered", settings))
    ttft = np.array([1000 * t for t, good in zip(ttft_s, sent_ok) if good and t is not None])
    if len(ttft):
        out += [score(f"ttft_p{q}", percentile(ttft, q, seed), settings, device="remote", n=len(ttft))
                for q in (50, 95)]
    if throughput is not None:
        out.append(score("throughput_remote", throughput, settings, device="remote", n=int(sum(per_item(ok, sent)))))
    return out + _usage(score, seed, settings, config, items, ok, usage, images)


def _usage(score: Any, seed: int, settings: dict[str, Any], config: EndpointConfig, items: list[int],
           ok: list[bool], usage: list[dict[str, int]], images: bool) -> list[Any]:
    """Tokens per item as the endpoint's ``usage`` reports them, and cost per 1,000 items (answered
    items, cached ones included: the cache saves money, not the answer's price)."""
    answered = [(u, k) for u, k, good in zip(usage, items, ok) if good]
    out = []
    for metric, field in (("tokens_in_per_item", "prompt_tokens"), ("tokens_out_per_item", "completion_tokens")):
        values = np.array([u[field] / k for u, k in answered if field in u], dtype=np.float64)
        out.append(score(metric, mean_with_interval(values, RESAMPLES, seed), settings, device="remote",
                         n=len(values)) if len(values) else
                   score.unavailable(metric, f"the endpoint reported no usage.{field}", settings))
    prices = config.prices
    if not (prices.input_per_1k or prices.output_per_1k or prices.per_image):
        out.append(score.unavailable("cost_per_1k_items", f"endpoint {config.name!r} declares no prices", settings))
    elif answered:
        costs = item_costs([u for u, _ in answered], [k if images else 0 for _, k in answered], config)
        per_item_cost = 1000 * costs / np.array([k for _, k in answered])
        est = mean_with_interval(per_item_cost, RESAMPLES, seed)
        out.append(score("cost_per_1k_items", est, {**settings, "currency": prices.currency}, device="remote",
                         n=len(per_item_cost)))
    return out


def run_scores(records: list[Any], walls: list[float], config: EndpointConfig, score: Any, seed: int,
               protocol: str) -> list[Any]:
    """The scores of one task's requests (genbench.endpoints.client.Record)."""
    settings = {"measured": "task-requests", "concurrency": config.concurrency}
    sent_calls = sorted({r.call for r in records if not r.outcome.cached})
    throughput = None
    if sent_calls:
        done = {c: sum(r.items for r in records if r.call == c and r.outcome.ok and not r.outcome.cached)
                for c in sent_calls}
        total = sum(walls[c] for c in sent_calls)
        throughput = spread([done[c] / walls[c] for c in sent_calls if walls[c] > 0],
                            sum(done.values()) / total if total > 0 else float("nan"))
    outcomes = [r.outcome for r in records]
    return request_scores(score, seed, settings, config, items=[r.items for r in records],
                          ok=[o.ok for o in outcomes], sent=[not o.cached for o in outcomes],
                          attempts=[len(o.attempts) for o in outcomes], latency_s=[o.latency_s for o in outcomes],
                          ttft_s=[o.ttft_s for o in outcomes], usage=[o.usage for o in outcomes],
                          throughput=throughput, images=protocol != "translate")
