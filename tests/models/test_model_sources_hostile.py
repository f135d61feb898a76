"""Loading users' models: a loader's sys.exit(), a name that shadows a baseline, a name that
cannot be shown or stored. Each is a failed load naming the model's spec, exit 2, nothing stored."""

from __future__ import annotations

import sys

import pytest
import torch

from genbench.errors import GenbenchError
from genbench.models.sources import load_model
from test_store_hostile import digest, one_run_store, refused


@pytest.mark.parametrize("target, needles", [
    ("toy_models:exits_in_load", ["toy_models:exits_in_load", "failed", "SystemExit"]),
    ("toy_models:base_exception_in_load", ["toy_models:base_exception_in_load", "LoaderGaveUp"]),
    ("toy_models:shadowing", ["toy_models:shadowing", "'pixelcnn'", "registered model"]),
    ("toy_models:bad_str_name", ["toy_models:bad_str_name", "name", "RuntimeError"]),
    ("toy_models:surrogate_named", ["toy_models:surrogate_named", "lone surrogate"]),
    ("toy_models:newline_named", ["toy_models:newline_named", "control character"]),
    ("toy_models_exit:anything", ["toy_models_exit", "SystemExit"]),
])
def test_hostile_models_are_refused_by_spec_and_the_store_is_untouched(tmp_path, cli, capsys, target, needles):
    store = one_run_store(tmp_path / "r.sqlite")
    before = digest(store)
    refused(cli("run", "--no-baselines", "--model", target, "--store", store), capsys, *needles)
    assert digest(store) == before


@pytest.fixture(autouse=True)
def module_that_exits_on_import(tmp_path, monkeypatch):
    (tmp_path / "toy_models_exit.py").write_text("import sys\nsys.exit(3)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("toy_models_exit", None)


def test_a_baseline_keeps_its_own_name():
    assert load_model("pixel-noise", torch.device("cpu")).label == "pixel-noise"


def test_a_model_whose_attributes_raise_is_refused_by_spec(monkeypatch):
    class Hostile:
        def __getattr__(self, name):
            raise RuntimeError(f"no {name} here")

    import toy_models

    monkeypatch.setattr(toy_models, "hostile", Hostile(), raising=False)
    with pytest.raises(GenbenchError, match="toy_models:hostile"):
        load_model("toy_models:hostile", torch.device("cpu"))


def test_a_markup_name_is_kept_as_the_label(tmp_path):
    source = load_model("toy_models:markup_named", torch.device("cpu"))
    assert source.label == "[bold]vendor[/] [/]x[link=file:///etc]"
