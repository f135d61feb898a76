"""Runs commit per (task, model) pair into a journal; a stopped run resumes to the scores of an
uninterrupted one; the store only ever holds complete runs."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from genbench.errors import GenbenchError
from genbench.journal import Journal, journal_folder, unfinished_plan
from genbench.metrics.catalog import CATALOG
from genbench.store import Store
from resume_models import BROKEN_ENV

QUALITY = {info.name for info in CATALOG if info.category == "quality"}
COMMAND = ["run", "--no-baselines", "--model", "toy_models:noisy", "--model", "resume_models:sometimes_broken",
           "--seed", "5"]


def quality(path: Path) -> dict:
    return {(s["task"], s["model"], s["metric"]): (s["value"], s["ci_low"], s["ci_high"], s["n"], s["signature"])
            for s in json.loads(path.read_text()) if s["metric"] in QUALITY}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    """The scores of the run never interrupted, made once for this module (with the isolated caches)."""
    from conftest import run_cli

    folder = tmp_path_factory.mktemp("whole")
    mp = pytest.MonkeyPatch()
    mp.setenv("GENBENCH_CACHE", str(tmp_path_factory.getbasetemp() / "genbench-cache"))
    mp.setenv("GENBENCH_WEIGHTS", str(tmp_path_factory.getbasetemp() / "no-weights"))
    mp.delenv("GENBENCH_STORE", raising=False)
    try:
        assert run_cli([*COMMAND, "--store", str(folder / "s.sqlite"), "--json", str(folder / "s.json")], mp) == 0
    finally:
        mp.undo()
    return folder / "s.json"


def test_a_refused_pair_keeps_the_finished_ones_and_resume_completes_the_run(tmp_path, cli, monkeypatch, capsys,
                                                                             uninterrupted):
    store = tmp_path / "s.sqlite"
    assert cli("run", "--model", "toy_models:noisy", "--no-baselines", "--store", store) == 0  # an earlier run
    before = digest(store)
    monkeypatch.setenv(BROKEN_ENV, "1")
    assert cli(*COMMAND, "--store", store) == 2
    err = capsys.readouterr().err
    assert "finished pair(s) are kept" in err and "--resume" in err
    assert digest(store) == before  # the store holds complete runs only
    journals = list(journal_folder(store).glob("*.sqlite"))
    assert len(journals) == 1
    monkeypatch.delenv(BROKEN_ENV)
    assert cli(*COMMAND, "--resume", "--store", store, "--json", tmp_path / "r.json") == 0
    assert quality(tmp_path / "r.json") == quality(uninterrupted)
    assert not journal_folder(store).exists()
    with Store(store, readonly=True) as db:
        run_id = db.run_ids()[-1]
        assert run_id == journals[0].stem
        assert "resumed" in db.run(run_id)["provenance"]
    assert cli(*COMMAND, "--resume", "--store", store) == 2  # nothing left to resume
    assert "No unfinished run" in capsys.readouterr().err


def test_resume_by_run_id_alone_and_refusal_of_another_configuration(tmp_path, cli, monkeypatch, capsys,
                                                                     uninterrupted):
    store = tmp_path / "s.sqlite"
    monkeypatch.setenv(BROKEN_ENV, "1")
    assert cli(*COMMAND, "--store", store) == 2
    monkeypatch.delenv(BROKEN_ENV)
    (journal,) = journal_folder(store).glob("*.sqlite")
    kept = digest(journal)
    other_seed = [*COMMAND[:-1], "6"]
    assert cli(*other_seed, "--resume", journal.stem, "--store", store) == 2
    assert "another configuration (different seed)" in capsys.readouterr().err
    assert digest(journal) == kept and not store.exists()
    assert cli("run", "--resume", journal.stem, "--store", store, "--json", tmp_path / "r.json") == 0
    assert quality(tmp_path / "r.json") == quality(uninterrupted)


def test_kill_9_mid_run_then_resume_gives_the_uninterrupted_scores(tmp_path, uninterrupted):
    """A run killed while scoring its second pair: the store never sees it, the journal holds whole
    pairs only, and --resume ends with the scores of a run never interrupted."""
    store = tmp_path / "s.sqlite"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    args = [sys.executable, "-m", "genbench", *COMMAND, "--store", str(store)]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not list(journal_folder(store).glob("*.sqlite")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not store.exists()
    (journal,) = journal_folder(store).glob("*.sqlite")
    with Store(journal, readonly=True) as db:  # opens: a consistent SQLite file
        assert db.count_scores() > 0
    done = subprocess.run([*args, "--resume", "--json", str(tmp_path / "r.json")], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert quality(tmp_path / "r.json") == quality(uninterrupted)


def test_models_are_loaded_one_at_a_time(tmp_path, cli):
    """Load, score, free: a run holds one model, so its memory is that of its largest model."""
    from resume_models import Tracked

    Tracked.alive_at_load.clear()
    assert cli("run", "--suite", "conditional", "--no-baselines", "--model", "resume_models:tracked_a",
               "--model", "resume_models:tracked_b", "--store", tmp_path / "s.sqlite") == 0
    assert Tracked.alive_at_load == [0, 0]


def test_resuming_on_another_number_of_ranks_is_refused(tmp_path, cli, monkeypatch):
    store = tmp_path / "s.sqlite"
    monkeypatch.setenv(BROKEN_ENV, "1")
    assert cli(*COMMAND, "--store", store) == 2
    (journal,) = journal_folder(store).glob("*.sqlite")
    plan = unfinished_plan(store, journal.stem)
    with pytest.raises(GenbenchError, match="started on 1 rank.*--nproc_per_node 1"):
        Journal.resume(store, journal.stem, replace(plan, world=2))
