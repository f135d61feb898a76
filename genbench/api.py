"""The public Python API; the CLI is a thin layer over these functions."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from genbench import provenance
from genbench.errors import GenbenchError
from genbench.kinds import kind_of
from genbench.models.protocol import capabilities
from genbench.models.sources import MODELS, FileSource, ModelSource, load_model
from genbench.report.leaderboard import Board, build_boards
from genbench.runner import Progress, RunOptions, evaluate
from genbench.score import Score
from genbench.store import Store, check_writable, store_path, write_run
from genbench.tasks.spec import SUITE_BASELINES, TASKS, suite_tasks
from genbench.validate import check_label, check_seed, parse_device

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    run_id: str
    scores: list[Score]
    provenance: dict[str, Any]
    skipped: list[str] = field(default_factory=list)  # "(model, task): why" for pairs not run

    def to_json(self) -> list[dict[str, Any]]:
        return [{**s.to_dict(), "run_id": self.run_id, "provenance": self.provenance} for s in self.scores]


def run_suite(suite: str, models: list[str] | None = None, *, baselines: bool = True, seed: int = 0,
              store: Path | None = None, features: str | None = None, weights_dir: Path | None = None,
              corpus_dir: Path | None = None, data_dir: Path | None = None, device: str = "auto",
              progress: Callable[[str], Progress] | None = None) -> RunResult:
    """Score the suite's baselines (and ``models``) on every task of ``suite``; store one run."""
    seed, torch_device = check_seed(seed), parse_device(device)
    check_writable(store_path(store))  # before hours of work, not after
    tasks = suite_tasks(suite)
    names = list(dict.fromkeys((list(SUITE_BASELINES.get(suite, ())) if baselines else []) + list(models or [])))
    if not names:
        raise GenbenchError("No models to run: pass --model or leave the suite's baselines on.")
    options = RunOptions(seed=seed, features=features, weights_dir=weights_dir, corpus_dir=corpus_dir,
                         data_dir=data_dir, device=torch_device)
    sources = [load_model(name, torch_device, options.data) for name in names]
    labels = [s.label for s in sources]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise GenbenchError(f"Several models are labelled {', '.join(duplicates)}; their scores would mix. "
                            "Give each model a distinct `name` attribute.")
    scores: list[Score] = []
    skipped: list[str] = []
    for task in tasks:
        for source in sources:
            needed = kind_of(task.protocol).capability
            if needed not in capabilities(source.model):
                skipped.append(f"{source.label} on {task.name}: no {needed!r} capability")
                continue
            bar = progress(f"{task.name} · {source.label}") if progress else None
            scores += evaluate(task, source, options, bar)
    config = {"command": "run", "suite": suite, "tasks": [t.name for t in tasks], "models": names,
              "seed": seed, "features": features, "cost": asdict(options.cost)}
    return _store(store, "run", seed, config, str(torch_device), scores, skipped)


def eval_samples(task_name: str | None, samples: Path, name: str, *, seed: int = 0, store: Path | None = None,
                 features: str | None = None, weights_dir: Path | None = None, corpus_dir: Path | None = None,
                 data_dir: Path | None = None, device: str = "auto", reference: Path | None = None,
                 pairs: bool = False, resize: str = "clean", skip_bad: bool = False, progress: Callable[[str], Progress] | None = None) -> RunResult:
    """Score outputs made elsewhere (a folder of images, a text file) as if a model had produced them:
    on a named task, or against ``reference`` images (a folder, zip or manifest; ``pairs``: each
    output against the reference image of the same relative name)."""
    name, seed = check_label(name, "--name"), check_seed(seed)
    check_writable(store_path(store))
    task = _eval_task(task_name, reference, pairs, features, resize, skip_bad)
    if name in MODELS:
        raise GenbenchError(f"--name {name!r} is a registered model's name; its rows would mix with that "
                            "model's. Choose another label.")
    torch_device = parse_device(device)
    options = RunOptions(seed=seed, features=features, weights_dir=weights_dir, corpus_dir=corpus_dir,
                         data_dir=data_dir, device=torch_device)
    bar = progress(f"{task.name} · {name}") if progress else None
    scores = evaluate(task, FileSource(name, Path(samples)), options, bar)
    config = {"command": "eval", "task": task.name, "samples": str(samples), "name": name, "seed": seed,
              "features": features, "reference": None if reference is None else str(reference),
              "pairs": pairs, "resize": resize, "skip_bad": skip_bad}
    return _store(store, "eval", seed, config, f"none (files); features on {torch_device}", scores, [])


def _eval_task(task_name: str | None, reference: Path | None, pairs: bool, features: str | None, resize: str,
               skip_bad: bool) -> object:
    if (task_name is None) == (reference is None):
        raise GenbenchError("Pass --task (a named task) or --reference (your own images), not both and not neither.")
    if reference is not None:
        from genbench.features.resize import check_policy
        from genbench.tasks.folder import adhoc_task

        return adhoc_task(Path(reference), pairs, features, check_policy(resize), skip_bad)
    task = TASKS.get(task_name)
    if pairs or skip_bad or resize != "clean":
        raise GenbenchError(f"--pairs, --skip-bad and --resize apply to --reference images; task {task.name} "
                            "fixes its own.")
    return task


def _store(store: Path | None, command: str, seed: int, config: dict[str, Any], device: str,
           scores: list[Score], skipped: list[str]) -> RunResult:
    prov = provenance.collect(config, device)
    run_id = write_run(store_path(store), command, seed, prov["config_hash"], prov, scores)
    return RunResult(run_id, scores, prov, skipped)


def leaderboard_boards(task: str | None = None, suite: str | None = None, models: list[str] | None = None,
                       store: Path | None = None) -> list[Board]:
    """Boards of the latest stored scores for one task, a suite, or everything."""
    if task and suite:
        raise GenbenchError("Pass a task or a suite, not both.")
    tasks = [TASKS.get(task).name] if task else [t.name for t in suite_tasks(suite)] if suite else None
    path = store_path(store)
    with Store(path, readonly=True) as db:  # refuses a missing store, or anything but a regular file
        scores = [s.score for s in db.latest_scores(tasks)]
    if models:
        scores = [s for s in scores if s.model in set(models)]
    if not scores:
        raise GenbenchError(f"Store {path} has no scores for {task or suite or 'any task'}.")
    return build_boards(scores)


def list_models() -> list[str]:
    return MODELS.names()


__all__ = ["run_suite", "eval_samples", "RunResult", "ModelSource", "FileSource"]
