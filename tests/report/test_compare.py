"""`genbench compare`: verdicts, exit codes, exports and input errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from genbench.config import load_config

SIG = ("task:images/digits-recon@1|data:6e872357a9f3|metric:{metric}|impl:torchmetrics-1.9.0|feat:none|"
       "featsha:none|pre:quantize-17-levels|n:450|device:any|ci:bootstrap-percentile-items-B1000|seed:{seed}")


def entry(model: str, metric: str, items: np.ndarray | None, value: float | None = None, seed: int = 0,
          sig: str = SIG, ci: tuple[float, float] | None = None, higher: bool = True) -> dict:
    value = float(np.mean(items)) if value is None else value
    low, high = ci if ci else (value - 0.1, value + 0.1)
    return {"task": "images/digits-recon", "model": model, "metric": metric, "value": value, "ci_low": low,
            "ci_high": high, "n": 450, "higher_is_better": higher, "signature": sig.format(metric=metric, seed=seed),
            "items": None if items is None else [float(v) for v in items]}


def write(path, rows) -> str:
    path.write_text(json.dumps(rows))
    return str(path)


@pytest.fixture
def items():
    return np.random.default_rng(0).normal(20, 2, size=450)


def test_known_large_regression_is_worse_and_exits_1(tmp_path, cli, items, capsys):
    base = write(tmp_path / "b.json", [entry("vae", "psnr", items)])
    cand = write(tmp_path / "c.json", [entry("vae", "psnr", items - 1.5, seed=1)])
    assert cli("compare", base, cand, "--json", tmp_path / "out.json", "--junit", tmp_path / "j.xml",
               "--markdown", tmp_path / "s.md") == 1
    (row,) = json.loads((tmp_path / "out.json").read_text())
    assert row["verdict"] == "worse" and row["difference"] == pytest.approx(-1.5)
    assert row["test"].startswith("paired-bootstrap") and row["p_value"] < 0.01

    root = ET.parse(tmp_path / "j.xml").getroot()
    case = root.find("testsuite/testcase")
    assert root.get("failures") == "1" and case.get("name") == "psnr" and case.find("failure") is not None
    md = (tmp_path / "s.md").read_text().splitlines()
    table = [line for line in md if line.startswith("|")]
    assert table[0].count("|") == table[1].count("|") == table[2].count("|") and "**worse**" in table[2]


def test_identical_runs_are_the_same_and_exit_0(tmp_path, cli, items):
    base = write(tmp_path / "b.json", [entry("vae", "psnr", items)])
    cand = write(tmp_path / "c.json", [entry("vae", "psnr", items, seed=5)])
    assert cli("compare", base, cand, "--json", tmp_path / "out.json") == 0
    assert json.loads((tmp_path / "out.json").read_text())[0]["verdict"] == "same"


def test_a_small_significant_change_within_tolerance_is_the_same(tmp_path, cli, items):
    base = write(tmp_path / "b.json", [entry("vae", "psnr", items)])
    cand = write(tmp_path / "c.json", [entry("vae", "psnr", items - 0.1)])  # tolerance is 0.2 dB
    assert cli("compare", base, cand, "--json", tmp_path / "out.json") == 0
    (row,) = json.loads((tmp_path / "out.json").read_text())
    assert row["verdict"] == "same" and row["reason"] == "within tolerance"


def test_improvement_is_better(tmp_path, cli, items):
    base = write(tmp_path / "b.json", [entry("vae", "psnr", items)])
    cand = write(tmp_path / "c.json", [entry("vae", "psnr", items + 1.0)])
    assert cli("compare", base, cand, "--json", tmp_path / "out.json") == 0
    assert json.loads((tmp_path / "out.json").read_text())[0]["verdict"] == "better"


def test_differing_signatures_are_incomparable_and_exit_3(tmp_path, cli, items):
    other = SIG.replace("n:450", "n:100").replace("impl:torchmetrics-1.9.0", "impl:torchmetrics-2.0.0")
    base = write(tmp_path / "b.json", [entry("vae", "psnr", items)])
    cand = write(tmp_path / "c.json", [entry("vae", "psnr", items - 5, sig=other)])
    assert cli("compare", base, cand, "--json", tmp_path / "out.json") == 3
    (row,) = json.loads((tmp_path / "out.json").read_text())
    assert row["verdict"] == "incomparable"
    assert "impl (torchmetrics-1.9.0 vs torchmetrics-2.0.0)" in row["reason"] and "n (450 vs 100)" in row["reason"]


def test_set_level_metrics_compare_through_their_intervals(tmp_path, cli):
    fid_sig = SIG.replace("digits-recon", "digits")
    base = write(tmp_path / "b.json", [entry("gan", "fid", None, value=10.0, ci=(9.0, 11.0), higher=False, sig=fid_sig)])
    cand = write(tmp_path / "c.json", [entry("gan", "fid", None, value=14.0, ci=(13.0, 15.0), higher=False, sig=fid_sig)])
    assert cli("compare", base, cand, "--json", tmp_path / "out.json") == 1
    (row,) = json.loads((tmp_path / "out.json").read_text())
    assert row["verdict"] == "worse" and row["test"] == "independent-normal-from-intervals"


@pytest.mark.parametrize("content, needle", [
    ("{not json", "not valid JSON"),
    ('{"a": 1}', "expected a list"),
    ('[{"task": "t"}]', "missing field(s)"),
])
def test_malformed_json_is_an_input_error(tmp_path, cli, capsys, items, content, needle):
    good = write(tmp_path / "b.json", [entry("vae", "psnr", items)])
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert cli("compare", good, bad) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "bad.json" in err and needle in err


def test_malformed_csv_and_unknown_run_id_are_input_errors(tmp_path, cli, capsys, items):
    good = write(tmp_path / "b.json", [entry("vae", "psnr", items)])
    bad = tmp_path / "bad.csv"
    bad.write_text("task,model,metric,value,signature\nimages/digits,vae,psnr,not-a-number,x\n")
    assert cli("compare", good, bad) == 2
    assert "bad.csv, line 2" in " ".join(capsys.readouterr().err.split())
    store = tmp_path / "r.sqlite"
    from genbench.store import Store

    Store(store).close()
    assert cli("compare", "deadbeef0000", good, "--store", store) == 2
    assert "no run 'deadbeef0000'" in " ".join(capsys.readouterr().err.split())


def test_tolerances_come_from_the_committed_config(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.genbench]\nalpha = 0.01\n'
                                            '[tool.genbench.tolerance]\npsnr = { absolute = 2.0 }\n')
    config = load_config(cwd=tmp_path)
    assert config.alpha == 0.01 and config.tolerance("psnr").absolute == 2.0
    assert config.tolerance("fid").relative == 0.10  # defaults stay for the rest
    (tmp_path / "genbench.toml").write_text("[tolerance]\npsnr = { bogus = 1 }\n")
    from genbench.errors import InputError

    with pytest.raises(InputError, match="genbench.toml"):
        load_config(cwd=tmp_path)


def test_reruns_of_the_same_model_compare_as_the_same_through_the_store(tmp_path, cli, capsys):
    store = tmp_path / "r.sqlite"
    for seed in (0, 1):
        assert cli("run", "--no-baselines", "--model", "toy_models:noisy", "--seed", seed, "--store", store,
                   "--json", tmp_path / f"{seed}.json") == 0
    run_ids = [json.loads((tmp_path / f"{s}.json").read_text())[0]["run_id"] for s in (0, 1)]
    assert cli("compare", *run_ids, "--store", store, "--json", tmp_path / "cmp.json") == 0
    verdicts = {r["metric"]: r["verdict"] for r in json.loads((tmp_path / "cmp.json").read_text())}
    assert verdicts["fid"] == "same" and "incomparable" not in verdicts.values()


def test_approximate_randomization_can_decide_instead(tmp_path, cli, items):
    base = write(tmp_path / "b.json", [entry("vae", "psnr", items)])
    cand = write(tmp_path / "c.json", [entry("vae", "psnr", items - 1.5)])
    assert cli("compare", base, cand, "--paired-test", "randomization", "--resamples", 500,
               "--json", tmp_path / "out.json") == 1
    (row,) = json.loads((tmp_path / "out.json").read_text())
    assert row["test"] == "approximate-randomization-T500" and row["verdict"] == "worse"


def test_holm_adjustment_matches_its_definition():
    from genbench.report.compare import holm

    # sorted p: 0.01, 0.02, 0.04 with m = 3 → 0.03, max(0.03, 0.04) = 0.04, max(0.04, 0.04) = 0.04
    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []


def test_many_metrics_do_not_add_up_to_a_false_alarm(tmp_path, cli):
    """Twenty metrics each with p ≈ 0.03 would fail a per-metric gate; Holm keeps them all same."""
    sig = SIG.replace("digits-recon", "digits")
    base, cand = [], []
    for i in range(20):
        metric = f"m{i}"
        base.append(entry("gan", metric, None, value=10.0, ci=(9.0, 11.0), higher=False, sig=sig))
        cand.append(entry("gan", metric, None, value=11.55, ci=(10.55, 12.55), higher=False, sig=sig))
    b, c = write(tmp_path / "b.json", base), write(tmp_path / "c.json", cand)
    assert cli("compare", b, c, "--correction", "none", "--json", tmp_path / "none.json") == 1
    assert cli("compare", b, c, "--json", tmp_path / "holm.json") == 0


def test_a_row_lost_by_the_candidate_is_a_regression(tmp_path, cli, items):
    base = write(tmp_path / "b.json", [entry("vae", "psnr", items), entry("vae", "ssim", items / 30)])
    cand = write(tmp_path / "c.json", [entry("vae", "psnr", items)])
    assert cli("compare", base, cand, "--json", tmp_path / "out.json") == 1
    verdicts = {r["metric"]: r["verdict"] for r in json.loads((tmp_path / "out.json").read_text())}
    assert verdicts == {"psnr": "same", "ssim": "missing"}


def test_strict_mode_fails_on_anything_incomparable(tmp_path, cli, items):
    other = SIG.replace("impl:torchmetrics-1.9.0", "impl:torchmetrics-2.0.0")
    base = write(tmp_path / "b.json", [entry("vae", "psnr", items), entry("vae", "ssim", items / 30)])
    cand = write(tmp_path / "c.json", [entry("vae", "psnr", items), entry("vae", "ssim", items / 30, sig=other)])
    assert cli("compare", base, cand) == 0
    assert cli("compare", base, cand, "--strict") == 3


def test_direction_comes_from_the_metric_catalog_not_the_file(tmp_path, cli, items):
    base = write(tmp_path / "b.json", [entry("vae", "psnr", items)])
    lying = entry("vae", "psnr", items - 1.5)
    lying["higher_is_better"] = False  # a garbled file must not turn a PSNR drop into a gain
    cand = write(tmp_path / "c.json", [lying])
    assert cli("compare", base, cand) == 1


def test_unavailable_metrics_on_both_sides_pass_but_losing_one_fails(tmp_path, cli, items):
    lpips_none = entry("vae", "lpips", None, value=0.0)
    lpips_none.update(value=None, ci_low=None, ci_high=None)
    lpips_measured = entry("vae", "lpips", items / 100)
    base = write(tmp_path / "b.json", [lpips_none])
    assert cli("compare", base, base, "--strict") == 0
    measured = write(tmp_path / "m.json", [lpips_measured])
    assert cli("compare", measured, base, "--json", tmp_path / "out.json") == 1
    assert json.loads((tmp_path / "out.json").read_text())[0]["verdict"] == "missing"
