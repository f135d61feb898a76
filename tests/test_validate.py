"""Seeds, devices and labels are checked up front: a clear message, exit 2, nothing stored."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from genbench.errors import InputError
from genbench.validate import MAX_SEED, check_label, check_seed, label_problem, parse_device
from test_store_hostile import refused


@given(st.integers(0, MAX_SEED))
def test_every_accepted_seed_seeds_numpy_and_torch(seed):
    assert check_seed(seed) == seed
    np.random.default_rng(seed)
    np.random.RandomState(seed)  # torch-fidelity's KID seeds one of these
    torch.Generator().manual_seed(seed)


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_SEED + 1), st.floats(), st.booleans(),
                 st.text(max_size=5)))
def test_every_other_seed_is_an_input_error(seed):
    with pytest.raises(InputError, match="--seed"):
        check_seed(seed)


@pytest.mark.parametrize("seed", [str(2**32), str(2**63), str(2**64), "1e30", "-1", "0x10", "3.5", ""])
@pytest.mark.parametrize("command", [["run", "--no-baselines", "--model", "toy_models:noisy"],
                                     ["compare", "a.json", "b.json"]])
def test_out_of_range_seeds_are_usage_errors(tmp_path, cli, capsys, seed, command):
    store = tmp_path / "r.sqlite"
    refused(cli(*command, "--seed", seed, "--store", store), capsys, "--seed")
    assert not store.exists()


@pytest.mark.parametrize("device", ["bogus", "", " ", "meta", "cpu:3", "cuda:99", "xla", "cuda:-1", "cpu\n"])
def test_bad_devices_are_refused_by_value(tmp_path, cli, capsys, device):
    store = tmp_path / "r.sqlite"
    refused(cli("run", "--no-baselines", "--model", "toy_models:noisy", "--device", device, "--store", store),
            capsys, "--device")
    assert not store.exists()


def test_parse_device_accepts_what_runs_here():
    assert parse_device("cpu") == torch.device("cpu")
    assert parse_device("auto").type in ("cpu", "cuda")


@settings(max_examples=300)
@given(st.text(max_size=250))
def test_a_label_is_accepted_exactly_when_it_is_printable_text(label):
    problem = label_problem(label)
    printable = (label.strip() == label and label and len(label) <= 200
                 and not any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in label)
                 and not any("\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069" for c in label))
    assert (problem is None) == bool(printable)
    if problem is None:
        label.encode("utf-8")  # storable and printable anywhere


@pytest.mark.parametrize("name, needle", [
    ("", "empty"), ("  ", "empty"), ("a\nb", "control character"), ("tab\there", "control character"),
    ("x\r", "white space"), ("\udcff", "lone surrogate"), ("a\x1b[31mred", "control character"),
    ("evil\u202etxt.exe", "bidirectional"), ("line\u2028sep", "line separator"), ("x" * 201, "201 characters"),
])
def test_bad_vendor_labels_are_refused_before_anything_is_stored(tmp_path, cli, capsys, name, needle):
    store = tmp_path / "r.sqlite"
    refused(cli("eval", "--task", "images/digits", "--samples", tmp_path, "--name", name, "--store", store),
            capsys, "--name", needle)
    assert not store.exists()


def test_check_label_refuses_what_is_not_text():
    with pytest.raises(InputError, match="must be text"):
        check_label(3, "--name")
    assert check_label("[bold]vendor[/]", "--name") == "[bold]vendor[/]"  # markup is text, shown literally


def test_the_largest_accepted_seed_runs_and_is_stored(tmp_path, cli):
    """Every library a run seeds takes it: 2**32 would pass numpy's and torch's generators and fail
    in the RandomState that torch-fidelity's KID seeds."""
    store = tmp_path / "r.sqlite"
    assert cli("run", "--no-baselines", "--model", "toy_models:noisy", "--seed", MAX_SEED, "--store", store) == 0
    from genbench.store import Store

    with Store(store, readonly=True) as db:
        (run_id,) = {s.run_id for s in db.latest_scores()}
        assert db.run(run_id)["seed"] == MAX_SEED
