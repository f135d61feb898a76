"""A model that fails is named in the error, wherever it fails, including the timed cost calls."""

from __future__ import annotations

import pytest
import torch

from genbench.errors import InputError
from genbench.models.sources import ModelSource
from genbench.runner import evaluate
from genbench.tasks import TASKS
from toy_models import FailsAtBatchOne


def test_a_model_failing_in_a_cost_call_is_an_input_error_naming_it(quick_options):
    source = ModelSource("fragile", FailsAtBatchOne(), torch.device("cpu"))
    with pytest.raises(InputError, match=r"Model 'fragile' raised RuntimeError in sample\(\) \(batch of 1, timing cost\)"):
        evaluate(TASKS.get("images/digits"), source, quick_options)


def test_the_cli_reports_it_with_exit_2_and_stores_nothing(tmp_path, cli, capsys):
    store = tmp_path / "r.sqlite"
    code = cli("run", "--no-baselines", "--model", "toy_models:fails_at_batch_one", "--store", store)
    assert code == 2 and "timing cost" in capsys.readouterr().err
    assert not store.exists()


def sha256(path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("call, task", [("sample", "images/digits"), ("sample_labels", "images/digits-conditional"),
                                        ("reconstruct", "images/digits-recon"), ("stylize", "style/photo-texture")])
def test_a_base_exception_only_at_batch_one_is_refused_naming_the_model_and_the_timed_call(quick_options, call, task):
    from hostile_models import make

    source = ModelSource("fragile", make(call, "base-exception", at_one=True), torch.device("cpu"))
    with pytest.raises(InputError, match=rf"Model 'fragile' raised ModelGaveUp in {call}\(\) \(batch of 1, timing cost\)"):
        evaluate(TASKS.get(task), source, quick_options)


@pytest.mark.parametrize("fault", ["meta", "nan", "one-short"])
def test_a_bad_output_only_in_a_timed_call_is_refused_too(quick_options, fault):
    from hostile_models import make

    source = ModelSource("fragile", make("reconstruct", fault, at_one=True), torch.device("cpu"))
    with pytest.raises(InputError, match=r"Model 'fragile' reconstruct\(\) \(batch of 1, timing cost\) returned"):
        evaluate(TASKS.get("images/digits-recon"), source, quick_options)


@pytest.mark.parametrize("spec, shown", [
    ("hostile_models:sample__system_exit_0", "raised SystemExit in sample(): 0"),
    ("hostile_models:sample__generator_exit", "raised GeneratorExit in sample()"),
    ("hostile_models:sample__meta", "sample() returned a tensor on the meta device"),
    ("hostile_models:sample__bool", "sample() returned a tensor of dtype torch.bool"),
    ("hostile_models:parameters_raise", "raised ModelGaveUp in parameters()"),
])
def test_the_cli_refuses_a_hostile_model_with_exit_2_and_the_store_byte_identical(tmp_path, cli, capsys, spec, shown):
    from hostile_cases import one_run_store

    store = one_run_store(tmp_path / "r.sqlite")
    before = sha256(store)
    assert cli("run", "--no-baselines", "--model", spec, "--store", store) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert shown in err and "Traceback" not in err
    assert sha256(store) == before


def test_ctrl_c_in_a_model_stops_the_run_with_exit_130_and_nothing_stored(tmp_path, cli, capsys):
    store, export = tmp_path / "r.sqlite", tmp_path / "scores.json"
    assert cli("run", "--no-baselines", "--model", "hostile_models:reconstruct__keyboard_interrupt__at_1",
               "--store", store, "--json", export) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not store.exists() and not export.exists()
