"""``genbench load``: one scenario against an endpoint, stored as a run of task ``load:SCENARIO/TASK``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from genbench import provenance
from genbench.endpoints.client import EndpointModel
from genbench.endpoints.scenarios import Scenario, run_scenario
from genbench.errors import GenbenchError
from genbench.models.sources import ENDPOINT_PREFIX, load_model
from genbench.scoring.scorer import Scorer
from genbench.store import check_writable, store_path, write_run
from genbench.tasks.spec import TASKS


@dataclass(frozen=True)
class LoadTask:
    """A scenario's scores are a task of their own: a load run must not hide a task run's quality rows."""

    name: str
    version: int
    preprocessing: str = "none"


def run_load(spec: str, task_name: str, scenario: Scenario, store: Path | None = None):
    from genbench.api import RunResult

    if not spec.startswith(ENDPOINT_PREFIX):
        raise GenbenchError(f"genbench load measures an endpoint (endpoint:NAME), not {spec!r}; "
                            f"serve a local model with `genbench serve {spec}` and declare it as an endpoint.")
    scenario = scenario.check()
    check_writable(store_path(store))
    task = TASKS.get(task_name)
    source = load_model(spec, torch.device("cpu"))
    model: EndpointModel = source.model
    model.bind(task, scenario.seed, scenario.requests)
    load_task = LoadTask(f"load:{scenario.name}/{task.name}", task.version)
    scorer = Scorer(load_task, source.label, scenario.requests, scenario.seed, _data_hash(task))
    scores = [model.sign(s) for s in run_scenario(model, task, scenario, scorer)]
    config = {"command": "load", "task": task.name, "model": spec, "scenario": scenario.name,
              "requests": scenario.requests, "qps": scenario.qps, "slo_ms": scenario.slo_ms,
              "slo_percentile": scenario.slo_percentile, "seed": scenario.seed}
    prov = provenance.collect(config, "remote")
    run_id = write_run(store_path(store), "load", scenario.seed, prov["config_hash"], prov, scores)
    model.link_run(run_id)
    return RunResult(run_id, scores, prov, [])


def _data_hash(task) -> str:
    from genbench.data.dataset import DataOptions

    return task.load_data(DataOptions()).content_hash
