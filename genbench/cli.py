"""The ``genbench`` command: parse, call the API, render. Heavy imports happen inside commands."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from genbench import __version__
from genbench.validate import MAX_SEED  # no heavy imports: --help stays instant

if TYPE_CHECKING:
    from genbench.metrics.tolerance import Tolerance

STORE_HELP = "SQLite results database (default: $GENBENCH_STORE or ./genbench-results.sqlite)."
WEIGHTS_HELP = "Folder of pretrained weights (default: $GENBENCH_WEIGHTS or ~/.cache/genbench/weights)."
CORPUS_HELP = ("SWORD library folder holding the text suite's corpus (default: $GENBENCH_SWORD_PATH, $SWORD_PATH, "
               "~/.sword, /usr/share/sword).")

DATA_HELP = ("Folder holding the four Fashion-MNIST IDX files (default: $GENBENCH_FASHION_MNIST, "
             "~/.local/share/genbench/fashion-mnist, /usr/share/datasets/fashion-mnist).")


def _console():
    from rich.console import Console

    return Console(stderr=True)


def _plain(text: object) -> str:
    """User-supplied text (a model's name, a file name, a message quoting them) as rich shows it
    literally: ``[bold]`` in a label is text, never markup, and never a MarkupError."""
    from rich.markup import escape

    return escape(str(text))


def _add_row(table, *cells: object) -> None:
    """A table row of names that packages registered (entry points), shown literally."""
    table.add_row(*(_plain(cell) for cell in cells))


# Seeds feed numpy (legacy RandomState too), torch and the store; genbench.validate says why 2**32 - 1.
SEED = click.IntRange(min=0, max=MAX_SEED)
# A p-value's resolution is 1/(resamples + 1); beyond a million draws only memory and time grow.
MAX_RESAMPLES = 1_000_000


class _Bars:
    """One rich progress bar per (task, model) step; the API only sees callbacks."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=_console(), transient=False)

    def __enter__(self) -> "_Bars":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, label: str):
        ids: dict[str, int] = {}

        def update(step: str, done: int, total: int) -> None:
            if step not in ids:
                ids[step] = self.progress.add_task(_plain(f"{label} · {step}"), total=total)
            self.progress.update(ids[step], completed=done, total=total)

        return update


def _check_writable(*paths: Path | None) -> None:
    """Fail before hours of work, not after, when an output cannot be written."""
    from genbench.errors import InputError

    for path in paths:
        if path is None:
            continue
        folder = Path(path).parent
        if Path(path).is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
            raise InputError(f"Cannot write {path}: {'it is a folder' if Path(path).is_dir() else 'its folder is missing or read-only'}.")


def _write_json(path: Path | None, payload: object) -> None:
    if path is None:
        return
    from genbench.atomic import write_text_atomically

    write_text_atomically(path, json.dumps(payload, indent=2) + "\n")


def _show(result, json_path: Path | None) -> None:
    from rich.console import Console

    from genbench.report.leaderboard import build_boards
    from genbench.report.render import to_rich

    console = Console()
    for table in to_rich(build_boards(result.scores)):
        console.print(table)
    for reason in sorted({s.unavailable_reason for s in result.scores if s.unavailable_reason}):
        _console().print(f"[yellow]unavailable:[/] {_plain(reason)}")
    for line in result.skipped:
        _console().print(f"[dim]skipped: {_plain(line)}[/]")
    _console().print(f"run [bold]{result.run_id}[/] stored ({len(result.scores)} scores)")
    _write_json(json_path, result.to_json())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="genbench")
@click.option("-v", "--verbose", is_flag=True, help="Log progress details.")
def cli(verbose: bool) -> None:
    """Evaluate and benchmark generative models with comparable, signed scores."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from genbench.config import settings_tables

    if any("tasks" in table for _, table in settings_tables()):  # the team's own tasks (genbench.tasks.config)
        from genbench.tasks.config import register_declared

        register_declared()


def _scoring_options(command):
    """Options shared by the commands that score and store: seed, store, JSON export, feature networks."""
    for option in reversed([
        click.option("--seed", default=0, show_default=True, type=SEED,
                     help="Seed for sampling and intervals (0 to 2**32 - 1)."),
        click.option("--store", type=click.Path(path_type=Path), help=STORE_HELP),
        click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write the scores as JSON here."),
        click.option("--features", help="Embedding network for FID/KID/PRDC, e.g. inception (default: the task's)."),
        click.option("--weights-dir", type=click.Path(path_type=Path), help=WEIGHTS_HELP),
        click.option("--corpus-dir", type=click.Path(path_type=Path), help=CORPUS_HELP),
        click.option("--data-dir", type=click.Path(path_type=Path), help=DATA_HELP),
        click.option("--device", default="auto", show_default=True,
                     help="auto, cpu, cuda or cuda:N: where models and feature networks run."),
    ]):
        command = option(command)
    return command


@cli.command()
@click.option("--suite", default="images", show_default=True, help="Suite to run (see `genbench list suites`).")
@click.option("--model", "models", multiple=True, help="Extra model: a registered name or package.module:attr. Repeatable.")
@click.option("--no-baselines", is_flag=True, help="Run only the --model models, not the suite's baselines.")
@click.option("--resume", is_flag=False, flag_value="", default=None, metavar="[RUN_ID]",
              help="Finish an interrupted run: --resume RUN_ID alone, or the run's own command with --resume. "
                   "Only the (task, model) pairs it had not finished are scored.")
@_scoring_options
@click.pass_context
def run(ctx: click.Context, suite: str, models: tuple[str, ...], no_baselines: bool, resume: str | None, seed: int,
        store: Path | None, json_path: Path | None, features: str | None, weights_dir: Path | None,
        corpus_dir: Path | None, data_dir: Path | None, device: str) -> None:
    """Run a suite's tasks on its baselines (and --model models); store and show the scores.

    Under torchrun (torchrun --nproc_per_node N -m genbench run …) each task's batches are split
    over the ranks; rank 0 scores, measures cost, stores and reports."""
    from genbench.api import resume_run, run_suite

    _check_writable(json_path)
    chosen = [name for name in ("suite", "models", "no_baselines", "seed", "features", "device")
              if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT]
    with _Bars() as bars:
        if resume and not chosen:  # the run id alone: the run's own plan says what to do
            result = resume_run(resume, store=store, weights_dir=weights_dir, corpus_dir=corpus_dir,
                                data_dir=data_dir, progress=bars)
        else:
            result = run_suite(suite, list(models), baselines=not no_baselines, seed=seed, store=store,
                               features=features, weights_dir=weights_dir, corpus_dir=corpus_dir, data_dir=data_dir,
                               device=device, resume=resume, progress=bars)
    if result.rank == 0:
        _show(result, json_path)


@cli.command(name="eval")
@click.option("--task", "task_name", help="Task id, e.g. images/digits (or give --reference).")
@click.option("--reference", type=click.Path(path_type=Path),
              help="Your own real images to score against: a folder (searched recursively), a .zip file or a "
                   "manifest (.jsonl/.txt of paths).")
@click.option("--samples", type=click.Path(path_type=Path),
              help="Image tasks: a folder of PNG files (paired tasks: <item id>.png); with --reference: a folder, "
                   "zip or manifest of images. Text tasks: a UTF-8 file with one hypothesis per test item in "
                   "order, or a .jsonl file of {\"id\", \"hypothesis\"}.")
@click.option("--model", "model", help="Instead of --samples: a model to score on --task, e.g. endpoint:NAME "
                                       "(an endpoint declared in genbench.toml or pyproject.toml).")
@click.option("--name", help="Label for these outputs in the store and leaderboards (with --samples).")
@click.option("--pairs", is_flag=True,
              help="With --reference: score each sample against the reference image of the same relative name "
                   "(PSNR, SSIM, LPIPS) instead of the two sets' distributions.")
@click.option("--resize", default="clean", show_default=True, type=click.Choice(["clean", "torch-fidelity"]),
              help="With --reference: how images reach the feature network's input size (clean-fid's clean "
                   "bicubic, or torch-fidelity's bilinear for comparability with it).")
@click.option("--skip-bad", is_flag=True,
              help="With --reference: leave damaged images out (counted, and recorded in the scores) instead "
                   "of refusing them.")
@_scoring_options
def eval_(task_name: str | None, reference: Path | None, samples: Path | None, model: str | None, name: str | None,
          pairs: bool, resize: str, skip_bad: bool, seed: int, store: Path | None, json_path: Path | None,
          features: str | None, weights_dir: Path | None, corpus_dir: Path | None, data_dir: Path | None,
          device: str) -> None:
    """Score outputs made elsewhere (a vendor's) as if a model had produced them, on a task or
    against your own reference images; or a model (an endpoint) on one task."""
    from genbench.api import eval_model, eval_samples
    from genbench.errors import GenbenchError

    _check_writable(json_path)
    if model is not None:
        if samples is not None or reference is not None or name is not None or task_name is None:
            raise GenbenchError("--model scores a model on --task; it takes neither --samples, --reference nor --name.")
        with _Bars() as bars:
            result = eval_model(task_name, model, seed=seed, store=store, features=features, weights_dir=weights_dir,
                                corpus_dir=corpus_dir, data_dir=data_dir, device=device, progress=bars)
        return _show(result, json_path)
    if samples is None or name is None:
        raise GenbenchError("Pass --samples and --name (outputs made elsewhere), or --model with --task.")
    with _Bars() as bars:
        result = eval_samples(task_name, samples, name, seed=seed, store=store, features=features,
                              weights_dir=weights_dir, corpus_dir=corpus_dir, data_dir=data_dir, device=device,
                              reference=reference, pairs=pairs, resize=resize, skip_bad=skip_bad, progress=bars)
    if result.rank == 0:
        _show(result, json_path)


@cli.command(name="list")
@click.argument("what", type=click.Choice(["suites", "tasks", "models", "metrics", "features"]))
def list_(what: str) -> None:
    """List suites, tasks, models, metrics or feature networks."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=what)
    if what == "suites":
        from genbench.tasks import SUITE_BASELINES, SUITES

        table.add_column("suite"), table.add_column("tasks"), table.add_column("default models")
        for name, tasks in SUITES.items():
            _add_row(table, name, ", ".join(tasks), ", ".join(SUITE_BASELINES.get(name, ())))
    elif what == "tasks":
        from genbench.tasks import TASKS

        table.add_column("task"), table.add_column("version"), table.add_column("protocol"), table.add_column("description")
        for name in TASKS.names():
            task = TASKS.get(name)
            _add_row(table, name, str(task.version), task.protocol, task.description)
    elif what == "models":
        from genbench.api import list_models

        table.add_column("model")
        for name in list_models():
            _add_row(table, name)
    elif what == "metrics":
        from genbench.metrics import METRICS

        for column in ("metric", "kind", "better", "library", "default tolerance", "description"):
            table.add_column(column)
        for name in METRICS.names():
            info = METRICS.get(name)
            better = f"closer to {info.target:g}" if info.target is not None else (
                "higher" if info.higher_is_better else "lower")
            _add_row(table, name, info.category, better, info.library, describe_tolerance(info.tolerance),
                     info.description)
    else:
        from genbench.features import FEATURES

        table.add_column("feature network")
        for name in FEATURES.names():
            _add_row(table, name)
    Console().print(table)


@cli.command()
@click.option("--task", "task_name", help="Show one task.")
@click.option("--suite", help="Show every task of a suite.")
@click.option("--format", "fmt", type=click.Choice(["table", "md", "csv", "json"]), default="table", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Write to this file instead of standard output.")
@click.option("--publish", type=click.Path(path_type=Path),
              help="Write <suite>.md and <suite>.csv into this folder (needs --suite).")
@click.option("--models", "only_models", help="Comma-separated models to include (default: all).")
@click.option("--store", type=click.Path(path_type=Path), help=STORE_HELP)
def leaderboard(task_name: str | None, suite: str | None, fmt: str, out: Path | None, publish: Path | None,
                only_models: str | None, store: Path | None) -> None:
    """Render the latest stored scores as leaderboards, one board per comparable signature."""
    from genbench.api import leaderboard_boards
    from genbench.atomic import write_text_atomically
    from genbench.errors import GenbenchError
    from genbench.report.render import to_csv, to_json, to_markdown, to_rich

    if publish and not suite:
        raise GenbenchError("--publish needs --suite (it writes <suite>.md and <suite>.csv).")
    models = [m.strip() for m in only_models.split(",")] if only_models else None
    boards = leaderboard_boards(task=task_name, suite=suite, models=models, store=store)
    title = f"genbench leaderboard: {suite or task_name or 'all tasks'}"
    if publish:
        write_text_atomically(publish / f"{suite}.md", to_markdown(boards, title))
        write_text_atomically(publish / f"{suite}.csv", to_csv(boards))
        _console().print(_plain(f"published {publish / (suite + '.md')} and {publish / (suite + '.csv')}"))
        return
    if fmt == "table" and out is None:
        from rich.console import Console

        for table in to_rich(boards):
            Console().print(table)
        return
    text = {"md": lambda: to_markdown(boards, title), "csv": lambda: to_csv(boards),
            "json": lambda: to_json(boards), "table": lambda: to_markdown(boards, title)}[fmt]()
    if out:
        write_text_atomically(out, text)
    else:
        click.echo(text, nl=False)


@cli.command()
@click.option("--suite", help="Report every task of a suite (latest scores per task and model).")
@click.option("--task", "task_name", help="Report one task.")
@click.option("--run", "run_ids", multiple=True, help="Report the scores of this run id. Repeatable.")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="Folder to write the site into (new, empty, or an earlier report, which is replaced whole).")
@click.option("--store", type=click.Path(path_type=Path), help=STORE_HELP)
def report(suite: str | None, task_name: str | None, run_ids: tuple[str, ...], out: Path, store: Path | None) -> None:
    """Write a static HTML site of the stored scores: boards, quality-versus-cost plots, the sample grids runs stored, provenance.

    Without --suite, --task or --run every task in the store is reported.
    """
    from genbench.report.site.build import build_report
    from genbench.store import store_path

    summary = build_report(store_path(store), out, suite=suite, task=task_name, run_ids=run_ids)
    _console().print(_plain(f"wrote {summary.out / 'index.html'}: {summary.pages} pages, {summary.images} images, "
                            f"{summary.bytes / 1e6:.2f} MB"))


@cli.command(name="compare")
@click.argument("base")
@click.argument("cand")
@click.option("--store", type=click.Path(path_type=Path), help=STORE_HELP + " Used when BASE/CAND are run ids.")
@click.option("--config", type=click.Path(path_type=Path),
              help="Tolerances file (default: ./genbench.toml, else [tool.genbench] in ./pyproject.toml).")
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write the comparisons as JSON.")
@click.option("--junit", "junit_path", type=click.Path(path_type=Path), help="Write JUnit XML (regressions fail).")
@click.option("--markdown", "md_path", type=click.Path(path_type=Path), help="Write a Markdown summary.")
@click.option("--html", "html_path", type=click.Path(path_type=Path),
              help="Write a self-contained HTML page of every comparison, regressions first.")
@click.option("--models", "only_models", help="Comma-separated models to compare (default: all in both).")
@click.option("--paired-test", type=click.Choice(["bootstrap", "randomization"]), default="bootstrap",
              show_default=True, help="Test for metrics with per-item values on both sides.")
@click.option("--resamples", default=10_000, show_default=True, type=click.IntRange(min=1, max=MAX_RESAMPLES),
              help=f"Resamples (bootstrap) or trials (randomization), at most {MAX_RESAMPLES:,}.")
@click.option("--correction", type=click.Choice(["holm", "none"]), default="holm", show_default=True,
              help="Multiple-testing correction over all compared metrics (holm keeps false alarms below alpha).")
@click.option("--seed", default=12345, show_default=True, type=SEED,
              help="Seed of the significance tests (0 to 2**32 - 1).")
@click.option("--strict", is_flag=True, help="Exit 3 if anything is incomparable (e.g. a library version changed).")
def compare_(base: str, cand: str, store: Path | None, config: Path | None, json_path: Path | None,
             junit_path: Path | None, md_path: Path | None, html_path: Path | None, only_models: str | None,
             paired_test: str,
             resamples: int, correction: str, seed: int, strict: bool) -> None:
    """Compare CAND against BASE (run ids, --json exports or published CSV/JSON tables).

    Exit codes: 0 no regression, 1 at least one regression (or a row of BASE missing from CAND),
    2 usage or input error, 3 nothing comparable (with --strict: anything incomparable).
    """
    from rich.console import Console

    from genbench.atomic import write_text_atomically
    from genbench.config import load_config
    from genbench.report import compare_render
    from genbench.report.compare import compare, exit_code
    from genbench.report.sources import load_entries
    from genbench.store import store_path

    db = store_path(store)
    base_entries, cand_entries = load_entries(base, db), load_entries(cand, db)
    if only_models:
        keep = {m.strip() for m in only_models.split(",")}
        base_entries = [e for e in base_entries if e.model in keep]
        cand_entries = [e for e in cand_entries if e.model in keep]
    comparisons = compare(base_entries, cand_entries, load_config(config), seed=seed, resamples=resamples,
                          paired_test=paired_test, correction=correction)
    Console().print(compare_render.to_rich(comparisons))
    for path, render in ((json_path, compare_render.to_json), (junit_path, compare_render.to_junit),
                         (md_path, compare_render.to_markdown)):
        if path is not None:
            write_text_atomically(path, render(comparisons))
    if html_path is not None:
        from genbench.report.site.compare_page import to_html

        write_text_atomically(html_path, to_html(comparisons, base, cand))
    code = exit_code(comparisons, strict)
    summary = {0: "no regression", 1: "regression found", 3: "not comparable"}[code]
    _console().print(f"{summary} ({len(comparisons)} comparisons)")
    sys.exit(code)


@cli.group(name="store")
def store_group() -> None:
    """The results database: merging stores made on several machines."""


@store_group.command(name="merge")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--into", required=True, type=click.Path(path_type=Path), help="The store to merge into (created if missing).")
def store_merge(sources: tuple[Path, ...], into: Path) -> None:
    """Copy every run of SOURCES into --into, in one transaction. Idempotent: a run already there is
    left alone; the same run id with other content is refused and nothing is written."""
    from genbench.store_merge import merge_stores

    added, present = merge_stores(list(sources), into)
    click.echo(f"{added} run(s) merged into {into}; {present} already there.")


@cli.group()
def corpus() -> None:
    """The text suite's corpus: where it is, and getting it."""


@corpus.command(name="where")
@click.option("--corpus-dir", type=click.Path(path_type=Path), help=CORPUS_HELP)
def corpus_where(corpus_dir: Path | None) -> None:
    """Show which SWORD folder holds the corpus, and each split's size and hash."""
    from genbench.data.bible import find_library, load_corpus

    root = find_library(corpus_dir)
    click.echo(f"SWORD folder: {root}")
    for split in ("train", "validation", "test"):
        data = load_corpus(split, root)
        click.echo(f"{split}: {len(data):,} pairs, sha256 {data.content_hash}")
    _fashion_where()


def _fashion_where() -> None:
    from genbench.data.fashion import find_dataset, load_fashion
    from genbench.errors import UnavailableError

    try:
        folder = find_dataset()
    except UnavailableError as exc:
        click.echo(f"Fashion-MNIST: {exc}")
        return
    click.echo(f"Fashion-MNIST folder: {folder}")
    for split in ("train", "test"):
        data = load_fashion(split, folder)
        click.echo(f"fashion/{split}: {len(data):,} images, sha256 {data.content_hash}")


@corpus.command(name="get")
@click.option("--method", type=click.Choice(["auto", "apt", "download"]), default="auto", show_default=True,
              help="auto: apt-get where it can (root, Debian), else the publisher's download.")
@click.option("--dest", type=click.Path(path_type=Path), default=Path.home() / ".sword", show_default=True,
              help="SWORD folder for downloaded modules.")
@click.option("--url", default=None, help="Base URL of the module zip files (default: the publisher's).")
@click.option("--data-dest", type=click.Path(path_type=Path), default=None,
              help="Folder for downloaded Fashion-MNIST files (default: ~/.local/share/genbench/fashion-mnist).")
@click.option("--data-url", default=None, help="Base URL of the Fashion-MNIST files (default: the publisher's).")
def corpus_get(method: str, dest: Path, url: str | None, data_dest: Path | None, data_url: str | None) -> None:
    """Install the text suite's corpus (SWORD modules) and the fashion suite's Fashion-MNIST files
    where they are missing (hash-checked when downloaded)."""
    from genbench.data import corpus_get as getter
    from genbench.data import fashion, fashion_get
    from genbench.data.bible import find_library

    root = _install("corpus", find_library, getter.install_with_apt,
                    lambda: getter.download_modules(dest, url or getter.PUBLISHER_URL), method)
    click.echo(f"corpus {'already installed' if root is None else 'installed'} in {find_library(root)}")
    folder = _install("Fashion-MNIST", fashion.find_dataset, fashion_get.install_with_apt,
                      lambda: fashion_get.download(data_dest or fashion.DOWNLOAD_DIR,
                                                   data_url or fashion_get.PUBLISHER_URL), method)
    click.echo(f"Fashion-MNIST {'already installed' if folder is None else 'installed'} in "
               f"{fashion.find_dataset(folder)}")


def _install(what: str, find, apt, download, method: str) -> Path | None:
    """Where ``what`` already is (None: the standard places), else install it by ``method``."""
    from genbench.errors import UnavailableError

    try:
        find()
        return None
    except UnavailableError:
        pass
    if method in ("auto", "apt"):
        try:
            return apt()
        except UnavailableError as exc:
            if method == "apt":
                raise
            _console().print(f"[yellow]apt ({_plain(what)}):[/] {_plain(exc)} Downloading instead.")
    return download()


@cli.group()
def weights() -> None:
    """Pretrained weights files: what is present, and getting them hash-checked."""


@weights.command(name="list")
@click.option("--weights-dir", type=click.Path(path_type=Path), help=WEIGHTS_HELP)
def weights_list(weights_dir: Path | None) -> None:
    """Show every weights file genbench knows: present or missing, path, full sha256, sources."""
    from genbench.features.weights_sources import status

    # Plain lines rather than a table: full hashes, paths and URLs stay whole and copy-pasteable.
    for row in status(weights_dir):
        colour = {"present": "green", "missing": "yellow"}.get(row.state, "red")
        click.echo(f"{click.style(row.weights.name, bold=True)}  {click.style(row.state, fg=colour)}  {row.path}")
        click.echo(f"  sha256   {row.weights.spec.sha256} ({row.weights.hash_from})")
        for i, source in enumerate(row.weights.sources, 1):
            click.echo(f"  source {i} {source.describe()}")


@weights.command(name="get")
@click.argument("name")
@click.option("--weights-dir", type=click.Path(path_type=Path), help=WEIGHTS_HELP)
def weights_get(name: str, weights_dir: Path | None) -> None:
    """Download NAME (see `genbench weights list`) into the weights directory, its full sha256 checked
    before the file appears; sources are tried in order and each failure is reported."""
    from genbench.features.weights_sources import get

    console = _console()
    path, fetched = get(name, weights_dir,
                        report=lambda line: console.print(line, style="yellow", markup=False, highlight=False))
    click.echo(f"{name}: {'saved' if fetched else 'already present, sha256 checked'}: {path}")


@cli.command()
@click.argument("baseline")
@click.option("--out", type=click.Path(path_type=Path), default=Path("trained"), show_default=True,
              help="Folder for the weights and model card.")
@click.option("--seed", type=SEED, help="Override the recipe's seed (the shipped weights use the recipe's).")
def train(baseline: str, out: Path, seed: int | None) -> None:
    """Reproduce a shipped baseline's (or feature network's) weights from its recipe."""
    from genbench.recipes import RECIPES
    from genbench.training import run_recipe

    recipe = RECIPES.get(baseline)
    console = _console()
    with console.status(_plain(f"training {recipe.name} (seed {recipe.seed if seed is None else seed}) → {out}")):
        card = run_recipe(recipe, out, seed)
    click.echo(card.read_text())


def _leave_process_group() -> None:
    if "genbench.distributed" in sys.modules:  # only under torchrun; --help stays free of torch
        from genbench.distributed import shutdown

        shutdown()


@cli.command()
@click.argument("model")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one).")
@click.option("--max-batch", default=64, show_default=True, type=click.IntRange(1, 4096),
              help="Most items micro-batched into one model call.")
@click.option("--max-wait-ms", default=5.0, show_default=True, type=click.FloatRange(0, 10_000),
              help="How long a request waits for others to share its model call.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N: where the model runs.")
@click.option("--corpus-dir", type=click.Path(path_type=Path), help=CORPUS_HELP)
def serve(model: str, host: str, port: int, max_batch: int, max_wait_ms: float, device: str,
          corpus_dir: Path | None) -> None:
    """Serve MODEL (any registered model, or package.module:attr) over the OpenAI-compatible API:
    /v1/chat/completions, /v1/completions (echo, logprobs), /v1/images/generations, /v1/models and /health."""
    from genbench.endpoints.launch import serve_model

    serve_model(model, host, port, max_batch, max_wait_ms / 1000, device, corpus_dir,
                announce=lambda line: _console().print(_plain(line)))


@cli.command()
@click.option("--model", "model", required=True, help="The endpoint to load, endpoint:NAME.")
@click.option("--task", "task_name", required=True, help="Task whose requests are sent, e.g. text/translate-es-en.")
@click.option("--scenario", type=click.Choice(["offline", "server", "single-stream"]), default="offline",
              show_default=True, help="MLPerf-style scenario.")
@click.option("--requests", "count", default=256, show_default=True, type=click.IntRange(1, 10_000_000),
              help="How many requests (the task's prompts, cycled).")
@click.option("--qps", type=click.FloatRange(min=0, min_open=True), help="server: target arrivals per second.")
@click.option("--slo-ms", type=click.FloatRange(min=0, min_open=True), help="server: the latency bound.")
@click.option("--slo-percentile", default=99.0, show_default=True, type=click.FloatRange(0, 100, min_open=True, max_open=True),
              help="server: the percentile that must meet the bound.")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Seed for arrivals and intervals.")
@click.option("--store", type=click.Path(path_type=Path), help=STORE_HELP)
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write the scores as JSON here.")
def load(model: str, task_name: str, scenario: str, count: int, qps: float | None, slo_ms: float | None,
         slo_percentile: float, seed: int, store: Path | None, json_path: Path | None) -> None:
    """Measure an endpoint under load (offline, server, single-stream); store the scores as task load:SCENARIO/TASK."""
    from genbench.endpoints.load import run_load
    from genbench.endpoints.scenarios import Scenario

    _check_writable(json_path)
    result = run_load(model, task_name, Scenario(scenario, count, qps, slo_ms, slo_percentile, seed), store)
    _show(result, json_path)


@cli.command()
@click.option("--run", "run_id", help="The attempts of this stored run (run, eval or load).")
@click.option("--session", "sessions", multiple=True, help="A session id (one task on one endpoint). Repeatable.")
@click.option("--endpoint", help="Read the log in this endpoint's cache folder (its cache_dir).")
@click.option("--dir", "folder", type=click.Path(path_type=Path),
              help="Read the log in this folder (default: $GENBENCH_CACHE/endpoints).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]), default="table", show_default=True,
              help="table: a summary per session; csv, jsonl: every attempt.")
@click.option("--out", type=click.Path(path_type=Path), help="Write to this file instead of standard output.")
def attempts(run_id: str | None, sessions: tuple[str, ...], endpoint: str | None, folder: Path | None, fmt: str,
             out: Path | None) -> None:
    """Every HTTP attempt an endpoint made: status, error class, latency, time (default: the latest session)."""
    from genbench.endpoints import attempts as log_of
    from genbench.endpoints.cache import default_cache_dir

    if out is not None and fmt == "table":
        raise click.UsageError("--out writes every attempt: pass --format csv or --format jsonl with it.")
    _check_writable(out)
    if endpoint is not None and folder is None:
        from genbench.endpoints.config import find_endpoint

        explicit = os.environ.get("GENBENCH_CONFIG")
        folder = find_endpoint(endpoint, explicit=Path(explicit) if explicit else None).cache_dir
    log = log_of.open_log(folder or default_cache_dir())
    chosen = log_of.select(log, run_id, sessions)
    if fmt != "table":
        text = log_of.export(log.rows([s.session for s in chosen]), fmt)
    else:
        from rich.table import Table

        table = Table(title=str(log.path))
        for column in ("session", "run", "endpoint", "task", "requests", "attempts", "retries", "answered", "errors"):
            table.add_column(column)
        for row in log_of.summary(log, chosen):
            errors = ", ".join(f"{k} {v}" for k, v in row["errors"].items()) or "none"
            _add_row(table, row["session"], row["run_id"] or "-", row["endpoint"], row["task"], row["requests"],
                     row["attempts"], row["retries"], row["answered"], errors)
        _console().print(table)
        return
    if out is None:
        click.echo(text, nl=False)
    else:
        from genbench.atomic import write_text_atomically

        write_text_atomically(out, text)


def describe_tolerance(tolerance: "Tolerance") -> str:
    if tolerance.ignore:
        return "ignored"
    parts = ([f"±{tolerance.absolute:g}"] if tolerance.absolute else []) + (
        [f"±{tolerance.relative:.0%}"] if tolerance.relative else [])
    return " or ".join(parts) + (" (the larger)" if len(parts) == 2 else "") if parts else "exact"


def main() -> None:
    from genbench.errors import GenbenchError

    try:
        cli(standalone_mode=False)
        _leave_process_group()
    except GenbenchError as exc:
        _console().print(f"[bold red]error:[/] {_plain(exc)}")
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:  # click's form of Ctrl-C (KeyboardInterrupt) and of EOF at a prompt
        interrupted = isinstance(exc.__context__, KeyboardInterrupt)
        # Store writes are transactions and files are written atomically: a stop leaves nothing half-written.
        _console().print("interrupted: genbench stopped; nothing half-written was stored." if interrupted
                         else "aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except OSError as exc:  # unwritable output, full disk …: the message names the file
        _console().print(f"[bold red]error:[/] {_plain(exc)}")
        sys.exit(2)
