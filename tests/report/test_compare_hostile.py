"""`genbench compare` inputs under hostile input: a refusal names the file and the item or line; a
row without a usable signature is incomparable, never "same"."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genbench.config import DEFAULT_TOLERANCES, GateConfig
from genbench.errors import InputError
from genbench.report.compare import INCOMPARABLE, compare
from genbench.report.sources import _entry, load_entries
from test_compare import SIG, entry, write
from test_store_hostile import refused

ITEMS = np.random.default_rng(0).normal(20, 2, size=450)


def rows(**changes) -> list[dict]:
    return [{**entry("vae", "psnr", ITEMS), **changes}]


@pytest.mark.parametrize("signature", ["", None, "x", "nonsense|more", "task:images/digits-recon@1",
                                       "seed:0", "|||", "metric:psnr|seed:1"])
def test_a_row_without_a_usable_signature_is_incomparable(tmp_path, cli, capsys, signature):
    base = write(tmp_path / "b.json", rows(signature=signature))
    cand = write(tmp_path / "c.json", rows(signature=signature))
    assert cli("compare", base, cand, "--json", tmp_path / "out.json") == 3
    (row,) = json.loads((tmp_path / "out.json").read_text())
    assert row["verdict"] == INCOMPARABLE and "no usable signature" in row["reason"]


def test_an_empty_signature_column_in_a_published_table_is_incomparable(tmp_path, cli):
    fields = ["task", "model", "metric", "value", "ci_low", "ci_high", "n", "signature"]
    for name in ("b.csv", "c.csv"):
        with open(tmp_path / name, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fields)
            writer.writeheader()
            writer.writerow({"task": "images/digits", "model": "vae", "metric": "fid", "value": "5.0",
                             "ci_low": "4", "ci_high": "6", "n": "450", "signature": ""})
    assert cli("compare", tmp_path / "b.csv", tmp_path / "c.csv", "--json", tmp_path / "o.json") == 3
    assert json.loads((tmp_path / "o.json").read_text())[0]["verdict"] == INCOMPARABLE


HOSTILE_FIELDS = {
    "n-huge": {"n": 10**30},
    "n-beyond-float": {"n": 10**400},
    "n-float-infinity": {"n": 1e400},
    "n-negative": {"n": -1},
    "n-fraction": {"n": 2.5},
    "n-text": {"n": "many"},
    "n-list": {"n": [1]},
    "value-beyond-float": {"value": 10**400},
    "value-infinite": {"value": float("inf")},
    "value-object": {"value": {"a": 1}},
    "value-bool": {"value": True},
    "model-list": {"model": ["vae"]},
    "model-empty": {"model": ""},
    "model-newline": {"model": "va\ne"},
    "model-surrogate": {"model": "\udcff"},
    "signature-number": {"signature": 7},
    "signature-surrogate": {"signature": SIG.format(metric="psnr", seed=0) + "\udcff"},
    "items-beyond-float": {"items": [10**400] * 3},
    "items-nested": {"items": [[[1.0]]]},
    "items-text": {"items": ["a", "b"]},
}


@pytest.mark.parametrize("case", sorted(HOSTILE_FIELDS))
def test_hostile_fields_are_refused_naming_file_and_item(tmp_path, cli, capsys, case):
    good = write(tmp_path / "b.json", rows())
    bad = write(tmp_path / "bad.json", rows(**HOSTILE_FIELDS[case]))
    refused(cli("compare", good, bad), capsys, "bad.json, item 0")


@pytest.mark.parametrize("text, needle", [
    ("[" * 100_000 + "]" * 100_000, "line 1: JSON nested more than"),
    ('[{"task": "t", "n": ' + "9" * 5000 + "}]", "5,000 digits"),
    ("[\n" + "[" * 2000, "line 2"),
    ("\ufeff[]", "not valid JSON"),
])
def test_hostile_documents_are_refused_naming_the_file_and_line(tmp_path, cli, capsys, text, needle):
    good = write(tmp_path / "b.json", rows())
    (tmp_path / "bad.json").write_text(text, encoding="utf-8")
    refused(cli("compare", good, tmp_path / "bad.json"), capsys, "bad.json", needle)


@pytest.mark.parametrize("config, needle", [
    ('[tool.genbench.tolerance]\npsnr = { absolute = "abc" }\n', "finite number"),
    ("[tool.genbench.tolerance]\npsnr = { absolute = -1.0 }\n", "finite number"),
    ("[tool.genbench.tolerance]\npsnr = { relative = nan }\n", "finite number"),
    ("[tool.genbench.tolerance]\npsnr = { relative = inf }\n", "finite number"),
    ('[tool.genbench.tolerance]\npsnr = { ignore = "yes" }\n', "true or false"),
    ("[tool]\ngenbench = 5\n", "must be tables"),
    ("[tool.genbench]\ntolerance = [1, 2]\n", "must be tables"),
    ("[tool.genbench]\nalpha = true\n", "alpha"),
    ("x = " + "[" * 5000 + "]" * 5000 + "\n", "not valid TOML"),
])
def test_hostile_tolerance_files_are_refused(tmp_path, cli, capsys, config, needle):
    good = write(tmp_path / "b.json", rows())
    (tmp_path / "pyproject.toml").write_text(config)
    refused(cli("compare", good, good, "--config", tmp_path / "pyproject.toml"), capsys, "pyproject.toml", needle)


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
                    st.lists(st.floats(), max_size=3), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["task", "model", "metric", "value", "ci_low", "ci_high", "n",
                                        "higher_is_better", "signature", "items"]), SCALARS))
def test_an_entry_is_built_or_refused_never_crashes(row):
    try:
        built = _entry(row, "f.json, item 0")
    except InputError as exc:
        assert str(exc).startswith("f.json, item 0")
        return
    assert isinstance(built.model, str) and isinstance(built.n, int) and 0 <= built.n < 2**63
    assert built.value is None or np.isfinite(built.value)
    # Whatever was accepted compares with itself without crashing, and never as "same" unsigned.
    (result,) = compare([built], [built], GateConfig(dict(DEFAULT_TOLERANCES)), resamples=50)
    if built.unsigned_fields():
        assert result.verdict == INCOMPARABLE


def test_a_fifo_named_like_an_input_is_refused_without_hanging(tmp_path):
    import os

    for name in ("x.json", "x.csv"):
        os.mkfifo(tmp_path / name)
        with pytest.raises(InputError, match="FIFO"):
            load_entries(str(tmp_path / name))


def test_a_paired_test_too_large_for_memory_is_refused_before_it_allocates(tmp_path, cli, capsys):
    many = np.zeros(20_000)
    base = write(tmp_path / "b.json", [entry("vae", "psnr", many)])
    cand = write(tmp_path / "c.json", [entry("vae", "psnr", many + 1)])
    refused(cli("compare", base, cand), capsys, "vae · psnr", "lower --resamples")
    refused(cli("compare", base, cand, "--resamples", str(10**7)), capsys, "--resamples")


@pytest.mark.parametrize("name, config, needle", [
    ("gate.toml", "[tolerance]\npsnr = { absolute = -1.0 }\n", "finite number"),  # genbench.toml style, any name
    ("gate.toml", "[tolerences]\npsnr = { absolute = 1.0 }\n", "holds neither"),
    ("pyproject.toml", "[tool.genbench]\ntolerence = 1\n", "unknown key(s) 'tolerence'"),
    ("genbench.toml", "alfa = 0.1\n", "unknown key(s) 'alfa'"),
])
def test_a_named_config_is_never_silently_ignored(tmp_path, cli, capsys, name, config, needle):
    good = write(tmp_path / "b.json", rows())
    (tmp_path / name).write_text(config)
    refused(cli("compare", good, good, "--config", tmp_path / name), capsys, name, needle)
