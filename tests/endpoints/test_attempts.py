"""Every attempt is recorded durably: `genbench eval` through a faulty endpoint leaves one row per
request the server received, linked to the stored run, readable with `genbench attempts`, and
never holding the API key."""

from __future__ import annotations

import json
from collections import Counter

from endpoint_support import SMALL_TRANSLATION, endpoint_config, run_cli, serving  # noqa: F401 (a fixture)
from faults import FaultyApp

SECRET = "sk-test-attempts-0123456789"


def test_eval_records_every_attempt_with_its_run(endpoint_config, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ATTEMPTS_KEY", SECRET)
    cache = tmp_path / "cache-flaky"
    faulty = lambda app: FaultyApp(app, share=0.3, faults=("http_500", "http_429"))  # noqa: E731
    with serving("copy-source", wrap=faulty) as (url, faults):
        endpoint_config("flaky", base_url=url, model="copy-source", api_key_env="ATTEMPTS_KEY", max_attempts=6,
                        backoff_initial_s=0.01, backoff_max_s=0.05, concurrency=16, max_failure_rate=1.0)
        out = tmp_path / "run.json"
        code = run_cli(["eval", "--task", SMALL_TRANSLATION.name, "--model", "endpoint:flaky",
                        "--store", str(tmp_path / "results.sqlite"), "--json", str(out)], monkeypatch)
        assert code == 0, capsys.readouterr().err
    run_id = json.loads(out.read_text())[0]["run_id"]
    rows_file = tmp_path / "attempts.jsonl"
    assert run_cli(["attempts", "--endpoint", "flaky", "--run", run_id, "--format", "jsonl",
                    "--out", str(rows_file)], monkeypatch) == 0
    rows = [json.loads(line) for line in rows_file.read_text().splitlines()]
    assert len(rows) == faults.requests["/v1/chat/completions"]
    assert {row["run_id"] for row in rows} == {run_id} and {row["task"] for row in rows} == {SMALL_TRANSLATION.name}
    errors = Counter(row["error"] for row in rows if row["error"])
    assert errors == Counter({k: v for k, v in faults.injected.items() if v})
    assert {row["status"] for row in rows if row["error"]} <= {500, 429}
    assert sum(row["error"] is None for row in rows) == len({row["item"] for row in rows}) == 96
    for path in cache.iterdir():  # neither the log nor the cache holds the key
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "300")
    assert run_cli(["attempts", "--dir", str(cache)], monkeypatch) == 0  # the latest session, summarised
    table = capsys.readouterr().err
    assert run_id in table and "http_500" in table
    assert run_cli(["attempts", "--dir", str(cache), "--out", str(tmp_path / "x")], monkeypatch) == 2
    assert run_cli(["attempts", "--dir", str(tmp_path / "nowhere")], monkeypatch) == 2
    assert "No attempt log" in capsys.readouterr().err
