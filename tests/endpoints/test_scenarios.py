"""Load scenarios against `genbench serve`: offline, server (Poisson arrivals, SLO, validity) and
single-stream, stored as scores with intervals and signatures; compare gates their failure rate
and p95 like any metric."""

from __future__ import annotations

import asyncio
import json

import pytest

from endpoint_support import endpoint_config, run_cli, serving  # noqa: F401 (endpoint_config: a fixture)
from faults import FaultyApp
from genbench.config import DEFAULT_TOLERANCES, GateConfig
from genbench.report.compare import WORSE, compare
from genbench.report.sources import Entry


def _load(args: list[str], tmp_path, monkeypatch, name: str = "scores.json") -> dict:
    out = tmp_path / name
    code = run_cli(["load", "--model", "endpoint:copy", "--task", "text/translate-es-en", "--store",
                    str(tmp_path / "results.sqlite"), "--json", str(out), *args], monkeypatch)
    assert code == 0
    return {row["metric"]: row for row in json.loads(out.read_text())}


def test_offline_and_single_stream(endpoint_config, tmp_path, monkeypatch) -> None:
    with serving("copy-source") as (url, counter):
        endpoint_config("copy", base_url=url, model="copy-source", concurrency=8, prices={"input_per_1k": 0.5,
                                                                                           "output_per_1k": 1.5})
        offline = _load(["--scenario", "offline", "--requests", "200"], tmp_path, monkeypatch)
        single = _load(["--scenario", "single-stream", "--requests", "40"], tmp_path, monkeypatch, "single.json")
    assert counter.requests["/v1/chat/completions"] == 240  # scenarios never answer from the cache
    assert offline["failure_rate"]["value"] == 0 and offline["failure_rate"]["n"] == 200
    assert offline["throughput_remote"]["value"] > 0
    assert offline["throughput_remote"]["ci_low"] <= offline["throughput_remote"]["value"]
    p = [offline[f"request_latency_p{q}"]["value"] for q in (50, 90, 95, 99)]
    assert p == sorted(p) and p[0] > 0
    assert offline["request_latency_p95"]["ci_low"] <= p[2] <= offline["request_latency_p95"]["ci_high"]
    assert "scenario:offline" in offline["request_latency_p95"]["signature"]
    assert offline["request_latency_p95"]["signature"].startswith("task:load:offline/text/translate-es-en@1")
    tokens_in, tokens_out = offline["tokens_in_per_item"]["value"], offline["tokens_out_per_item"]["value"]
    assert offline["cost_per_1k_items"]["value"] == pytest.approx((tokens_in * 0.5 + tokens_out * 1.5), rel=1e-9)
    assert "concurrency:1" in single["request_latency_p90"]["signature"]


def test_server_scenario_is_open_loop_and_judged_against_its_slo(endpoint_config, tmp_path, monkeypatch) -> None:
    with serving("copy-source") as (url, _):
        endpoint_config("copy", base_url=url, model="copy-source", concurrency=8)
        easy = _load(["--scenario", "server", "--qps", "40", "--slo-ms", "30000", "--requests", "80"], tmp_path,
                     monkeypatch)
        hard = _load(["--scenario", "server", "--qps", "40", "--slo-ms", "0.01", "--requests", "80"], tmp_path,
                     monkeypatch, "hard.json")
    assert easy["scenario_valid"]["value"] == 1 and easy["within_slo"]["value"] == 1
    assert hard["scenario_valid"]["value"] == 0 and hard["within_slo"]["value"] < 0.05
    assert "qps:40" in easy["scenario_valid"]["signature"]


class Slow:
    """Answers every request after ``delay_s``."""

    def __init__(self, app, delay_s: float) -> None:
        self.app, self.delay_s = app, delay_s

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            await asyncio.sleep(self.delay_s)
        await self.app(scope, receive, send)


def _entries(rows: dict, metric: str) -> list[Entry]:
    r = rows[metric]
    return [Entry(r["task"], "vendor", metric, r["value"], r["ci_low"], r["ci_high"], r["n"], r["higher_is_better"],
                  r["signature"], tuple(r["items"]) if r["items"] else None)]


def _run_against(wrap, tmp_path, monkeypatch, endpoint_config, name: str) -> dict:
    with serving("copy-source", wrap=wrap) as (url, _):
        (tmp_path / "genbench.toml").unlink(missing_ok=True)
        endpoint_config("copy", base_url=url, model="copy-source", concurrency=8, max_failure_rate=1.0,
                        max_attempts=1)
        return _load(["--scenario", "offline", "--requests", "64"], tmp_path, monkeypatch, name)


def test_compare_gates_failure_rate_and_p95(endpoint_config, tmp_path, monkeypatch) -> None:
    base = _run_against(lambda app: app, tmp_path, monkeypatch, endpoint_config, "base.json")
    failing = _run_against(lambda app: FaultyApp(app, share=0.3, faults=("http_500",)), tmp_path, monkeypatch,
                           endpoint_config, "failing.json")
    slow = _run_against(lambda app: Slow(app, 1.0), tmp_path, monkeypatch, endpoint_config, "slow.json")
    assert failing["failure_rate"]["value"] > 0.2
    gate = GateConfig(dict(DEFAULT_TOLERANCES))
    for cand, metric in ((failing, "failure_rate"), (slow, "request_latency_p95")):
        [verdict] = compare(_entries(base, metric), _entries(cand, metric), gate)
        assert verdict.verdict == WORSE, verdict
    [same] = compare(_entries(base, "failure_rate"), _entries(slow, "failure_rate"), gate)
    assert same.verdict != WORSE
