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
