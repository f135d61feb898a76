"""The public Python API; the CLI is a thin layer over these functions."""

from __future__ import annotations

import gc
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch

from genbench import distributed, provenance
from genbench.errors import GenbenchError
from genbench.journal import Journal, Plan, unfinished_plan
from genbench.kinds import kind_of
from genbench.models.protocol import RemoteModel, capabilities
from genbench.models.sources import MODELS, FileSource, ModelSource, load_model
from genbench.report.leaderboard import Board, build_boards
from genbench.exhibit import Exhibit
from genbench.runner import Progress, RunOptions, evaluate_pair
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
    rank: int = 0  # under torchrun, only rank 0 holds the scores and reports them

    def to_json(self) -> list[dict[str, Any]]:
        return [{**s.to_dict(), "run_id": self.run_id, "provenance": self.provenance} for s in self.scores]


def run_suite(suite: str, models: list[str] | None = None, *, baselines: bool = True, seed: int = 0,
              store: Path | None = None, features: str | None = None, weights_dir: Path | None = None,
              corpus_dir: Path | None = None, data_dir: Path | None = None, device: str = "auto",
              resume: str | None = None,
              progress: Callable[[str], Progress] | None = None) -> RunResult:
    """Score the suite's baselines (and ``models``) on every task of ``suite``; store one run.

    Each (task, model) pair is committed to the run's journal as it finishes (genbench.journal);
    ``resume`` (a run id, or "" for the one unfinished run of this same command) scores only the
    pairs a crashed or killed run had not finished. Models are loaded one at a time and freed
    after their tasks, so the run needs the memory of its largest model, not of all of them.
    """
    seed, torch_device = check_seed(seed), parse_device(device)
    path = store_path(store)
    check_writable(path)  # before hours of work, not after
    tasks = suite_tasks(suite)
    names = list(dict.fromkeys((list(SUITE_BASELINES.get(suite, ())) if baselines else []) + list(models or [])))
    if not names:
        raise GenbenchError("No models to run: pass --model or leave the suite's baselines on.")
    shard = distributed.setup(torch_device)
    options = RunOptions(seed=seed, features=features, weights_dir=weights_dir, corpus_dir=corpus_dir,
                         data_dir=data_dir, device=torch_device)
    config = {"command": "run", "suite": suite, "tasks": [t.name for t in tasks], "models": names,
              "seed": seed, "features": features, "cost": asdict(options.cost)}
    plan = Plan("run", seed, config, provenance.config_hash(config), str(torch_device), shard.world,
                [(task.name, name) for name in names for task in tasks])
    journal = _open_journal(path, plan, resume, shard)
    skipped = [why for why in journal.done.values() if why]
    labels: dict[str, str] = {}  # label → the model name that has it
    try:
        for name in names:
            pending = [task for task in tasks if (task.name, name) not in journal.done]
            if not pending:
                continue
            source = load_model(name, torch_device, options.data)
            _check_label(labels, source.label, name)
            for task in pending:
                needed = kind_of(task.protocol).capability
                if needed not in capabilities(source.model):
                    why = f"{source.label} on {task.name}: no {needed!r} capability"
                    skipped.append(why)
                    if shard.rank == 0:
                        journal.commit(task.name, name, [], why)
                    continue
                bar = progress(f"{task.name} · {source.label}") if progress and shard.rank == 0 else None
                result = evaluate_pair(task, source, options, bar, shard)
                if shard.rank == 0:
                    journal.commit(task.name, name, result.scores, exhibits=result.exhibits)
                    _link_attempts(source, journal.run_id)
            del source  # load, score, free: one model's memory at a time
            _free(torch_device)
        scores, failure = [], None
        if shard.rank == 0:
            try:
                scores = journal.finish([provenance.resumption(str(torch_device))] if resume is not None else [])
            except GenbenchError as exc:
                failure = exc
        distributed.agree(shard, failure)
    except GenbenchError as exc:
        raise _kept(exc, journal) from exc
    return RunResult(journal.run_id, scores, journal.provenance, skipped, rank=shard.rank)


def _open_journal(path: Path, plan: Plan, resume: str | None, shard: distributed.Shard) -> Journal:
    """Rank 0 starts or reopens the run's journal; under torchrun the other ranks learn which pairs are done."""
    journal, failure = None, None
    if shard.rank == 0:
        try:
            journal = (Journal.resume(path, resume or None, plan) if resume is not None
                       else Journal.start(path, plan, provenance.collect(plan.config, plan.device)))
        except GenbenchError as exc:
            failure = exc
    distributed.agree(shard, failure)
    run_id, done = distributed.broadcast(shard, (journal.run_id, journal.done) if journal else None)
    if journal is None:  # not rank 0: a journal it never writes, knowing what is done
        journal = Journal(path, run_id, plan, {})
        journal.done = done
    return journal


def resume_run(run_id: str, *, store: Path | None = None, weights_dir: Path | None = None,
               corpus_dir: Path | None = None, data_dir: Path | None = None,
               progress: Callable[[str], Progress] | None = None) -> RunResult:
    """Finish an unfinished run from its id alone: the suite, models, seed and device it was started with."""
    plan = unfinished_plan(store_path(store), run_id)
    config = plan.config
    return run_suite(config["suite"], config["models"], baselines=False, seed=plan.seed, store=store,
                     features=config["features"], weights_dir=weights_dir, corpus_dir=corpus_dir,
                     data_dir=data_dir, device=plan.device, resume=run_id, progress=progress)


def _check_label(labels: dict[str, str], label: str, name: str) -> None:
    if label in labels:
        raise GenbenchError(f"Models {labels[label]!r} and {name!r} are both labelled {label}; their scores would "
                            "mix. Give each model a distinct `name` attribute.")
    labels[label] = name


def _free(device: torch.device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def _kept(exc: GenbenchError, journal: Journal) -> GenbenchError:
    """The error, saying where the finished pairs wait when there are any: fix, then resume."""
    if not journal.path.exists():
        return exc
    done = len(journal.done)
    return type(exc)(f"{exc}\nNothing was stored; the run's {done} finished pair(s) are kept in {journal.path}. "
                     f"Resume it with `genbench run --resume {journal.run_id}` (with the same --store).")


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
    shard = distributed.setup(torch_device)
    bar = progress(f"{task.name} · {name}") if progress and shard.rank == 0 else None
    result = evaluate_pair(task, FileSource(name, Path(samples)), options, bar, shard)
    if shard.rank != 0:  # rank 0 scores and stores
        distributed.barrier(shard)
        return RunResult("", [], {}, rank=shard.rank)
    config = {"command": "eval", "task": task.name, "samples": str(samples), "name": name, "seed": seed,
              "features": features, "reference": None if reference is None else str(reference),
              "pairs": pairs, "resize": resize, "skip_bad": skip_bad}
    try:
        return _store(store, "eval", seed, config, f"none (files); features on {torch_device}", result.scores,
                      result.exhibits)
    finally:
        distributed.barrier(shard)


def eval_model(task_name: str, model: str, *, seed: int = 0, store: Path | None = None, features: str | None = None,
               weights_dir: Path | None = None, corpus_dir: Path | None = None, data_dir: Path | None = None,
               device: str = "auto",
               progress: Callable[[str], Progress] | None = None) -> RunResult:
    """Score one model (a registered name, ``module:attr`` or ``endpoint:NAME``) on one task; store one run."""
    seed, torch_device = check_seed(seed), parse_device(device)
    check_writable(store_path(store))
    task = TASKS.get(task_name)
    options = RunOptions(seed=seed, features=features, weights_dir=weights_dir, corpus_dir=corpus_dir, data_dir=data_dir,
                         device=torch_device)
    source = load_model(model, torch_device, options.data)
    bar = progress(f"{task.name} · {source.label}") if progress else None
    evaluation = evaluate_pair(task, source, options, bar)
    config = {"command": "eval", "task": task.name, "model": model, "seed": seed, "features": features}
    result = _store(store, "eval", seed, config, str(torch_device), evaluation.scores, evaluation.exhibits)
    _link_attempts(source, result.run_id)
    return result


def _link_attempts(source: Any, run_id: str) -> None:
    """A remote model's attempt records name the run that stored its scores."""
    if isinstance(source.model, RemoteModel):
        source.model.link_run(run_id)


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
           scores: list[Score], exhibits: list[Exhibit]) -> RunResult:
    prov = provenance.collect(config, device)
    run_id = write_run(store_path(store), command, seed, prov["config_hash"], prov, scores, exhibits=exhibits)
    return RunResult(run_id, scores, prov)


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


__all__ = ["run_suite", "eval_samples", "eval_model", "RunResult", "ModelSource", "FileSource"]
