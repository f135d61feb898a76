"""The commands a user runs, end to end on small models, offline."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import write_folder
from genbench.data.digits import load_digits


def quality(rows: list[dict]) -> dict[tuple[str, str], float]:
    cost = {"throughput", "latency_p50", "latency_p95", "peak_rss_increase", "peak_cuda_allocated"}
    return {(r["model"], r["metric"]): (r["value"], r["ci_low"], r["ci_high"]) for r in rows if r["metric"] not in cost}


def test_same_seed_twice_gives_identical_scores(tmp_path, cli):
    outs = []
    for i in range(2):
        assert cli("run", "--no-baselines", "--model", "toy_models:noisy", "--seed", 3,
                   "--store", tmp_path / "r.sqlite", "--json", tmp_path / f"{i}.json") == 0
        outs.append(quality(json.loads((tmp_path / f"{i}.json").read_text())))
    assert outs[0] == outs[1] and len(outs[0]) >= 10
    assert cli("run", "--no-baselines", "--model", "toy_models:noisy", "--seed", 4,
               "--store", tmp_path / "r.sqlite", "--json", tmp_path / "2.json") == 0
    assert quality(json.loads((tmp_path / "2.json").read_text())) != outs[0]


def test_json_has_the_documented_fields_and_provenance(tmp_path, cli):
    assert cli("run", "--no-baselines", "--model", "toy_models:noisy", "--store", tmp_path / "r.sqlite",
               "--json", tmp_path / "o.json") == 0
    rows = json.loads((tmp_path / "o.json").read_text())
    for field in ("task", "model", "metric", "value", "ci_low", "ci_high", "n", "higher_is_better", "signature",
                  "provenance"):
        assert field in rows[0]
    prov = rows[0]["provenance"]
    assert {"versions", "git", "device", "host", "config_hash"} <= set(prov)
    assert {"commit", "dirty"} <= set(prov["git"])
    metrics = {r["metric"] for r in rows}
    assert {"fid", "kid", "kid_std", "precision", "recall", "density", "coverage", "classifier_score",
            "modes_covered", "class_js", "throughput", "latency_p50", "latency_p95", "peak_rss_increase"} <= metrics


def test_vendor_folder_scores_like_the_model_that_made_it(tmp_path, cli):
    """Real test images written as PNGs and read back score FID ≈ 0 against the test split."""
    test = load_digits("test")
    folder = write_folder(tmp_path / "vendor", test.images)
    assert cli("eval", "--task", "images/digits", "--samples", folder, "--name", "vendor",
               "--store", tmp_path / "r.sqlite", "--json", tmp_path / "o.json") == 0
    rows = {r["metric"]: r for r in json.loads((tmp_path / "o.json").read_text())}
    assert abs(rows["fid"]["value"]) < 1e-6 and rows["fid"]["n"] == 450
    assert rows["fid"]["ci_low"] >= 0 and rows["coverage"]["ci_high"] <= 1  # intervals stay in range
    assert "throughput" not in rows  # files have no cost to measure

    paired = write_folder(tmp_path / "recon", test.images, ids=list(test.ids))
    assert cli("eval", "--task", "images/digits-recon", "--samples", paired, "--name", "vendor",
               "--store", tmp_path / "r.sqlite", "--json", tmp_path / "p.json") == 0
    rows = {r["metric"]: r for r in json.loads((tmp_path / "p.json").read_text())}
    assert rows["ssim"]["value"] == pytest.approx(1.0)
    assert rows["lpips"]["value"] is None and "alexnet-owt-7be5be79.pth" in rows["lpips"]["unavailable_reason"]


def test_leaderboard_formats(tmp_path, cli, capsys):
    store = tmp_path / "r.sqlite"
    assert cli("run", "--no-baselines", "--model", "toy_models:noisy", "--store", store) == 0
    capsys.readouterr()
    assert cli("leaderboard", "--suite", "images", "--format", "csv", "--store", store) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["metric"] for r in rows} >= {"fid", "precision"} and all(r["signature"] for r in rows)
    assert cli("leaderboard", "--task", "images/digits", "--format", "md", "--store", store) == 0
    md = capsys.readouterr().out
    assert "| rank | model |" in md and "Signatures:" in md
    assert cli("leaderboard", "--suite", "images", "--publish", tmp_path / "pub", "--store", store) == 0
    assert (tmp_path / "pub" / "images.md").is_file() and (tmp_path / "pub" / "images.csv").is_file()
    assert cli("leaderboard", "--suite", "nope", "--store", store) == 2


def test_an_unwritable_cache_costs_time_not_the_run(tmp_path, cli, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # a cache path beneath a file cannot be created, even by root
    monkeypatch.setenv("GENBENCH_CACHE", str(blocker / "cache"))
    assert cli("run", "--no-baselines", "--model", "toy_models:noisy", "--store", tmp_path / "r.sqlite") == 0
