"""Many writers, one store; stores made on several machines merge."""

from __future__ import annotations

import hashlib
import multiprocessing
from pathlib import Path

import pytest

from genbench.errors import GenbenchError
from genbench.score import Score
from genbench.signature import Signature
from genbench.store import Store, write_run
from genbench.store_merge import merge_stores

WRITERS, RUNS_EACH, SCORES_EACH = 8, 6, 60


def scores(tag: str, count: int = SCORES_EACH) -> list[Score]:
    sig = Signature.make({}, task="images/digits", task_version=2, data_hash="ab" * 32, metric="fid",
                         implementation="genbench", n=450, seed=0)
    return [Score("images/digits", f"{tag}-{i}", "fid", float(i), float(i) - 1, float(i) + 1, 450, False, sig,
                  items=(float(i), 1.0)) for i in range(count)]


def _writer(path: str, writer: int, errors) -> None:
    try:
        for run in range(RUNS_EACH):
            write_run(Path(path), "run", 0, "hash", {"writer": writer, "run": run}, scores(f"w{writer}r{run}"))
    except Exception as exc:  # reported to the parent, which fails the test with it
        errors.put(f"writer {writer}: {type(exc).__name__}: {exc}")


def test_eight_processes_writing_at_once_lose_no_run_and_never_see_a_locked_store(tmp_path):
    path = tmp_path / "shared.sqlite"  # a new store: the writers also race to create it
    ctx = multiprocessing.get_context("spawn")
    errors = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(path), w, errors)) for w in range(WRITERS)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=300)
    failures = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
    assert failures == []
    assert all(proc.exitcode == 0 for proc in procs)
    with Store(path, readonly=True) as db:
        assert len(db.run_ids()) == WRITERS * RUNS_EACH
        assert db.count_scores() == WRITERS * RUNS_EACH * SCORES_EACH


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_merge_copies_every_run_once_and_is_idempotent(tmp_path, cli, capsys):
    a, b, into = tmp_path / "a.sqlite", tmp_path / "b.sqlite", tmp_path / "c.sqlite"
    ids_a = [write_run(a, "run", 0, "h", {"m": "a"}, scores("a", 5)) for _ in range(2)]
    ids_b = [write_run(b, "run", 1, "h", {"m": "b"}, scores("b", 7))]
    assert cli("store", "merge", a, b, "--into", into) == 0
    assert "3 run(s) merged" in capsys.readouterr().out
    once = digest(into)
    assert cli("store", "merge", a, b, "--into", into) == 0  # again: nothing changes
    assert "0 run(s) merged" in capsys.readouterr().out and digest(into) == once
    with Store(into, readonly=True) as db, Store(a, readonly=True) as src:
        assert db.run_ids() == ids_a + ids_b
        assert db.count_scores() == 2 * 5 + 7
        assert db.run_scores(ids_a[0]) == src.run_scores(ids_a[0])  # items included
        assert db.run(ids_a[0]) == src.run(ids_a[0])


def test_merge_refuses_a_conflicting_duplicate_and_writes_nothing(tmp_path, cli, capsys):
    a, b, into = tmp_path / "a.sqlite", tmp_path / "b.sqlite", tmp_path / "c.sqlite"
    run_id = write_run(a, "run", 0, "h", {"m": "a"}, scores("a", 3))
    write_run(b, "run", 0, "h", {"m": "b"}, scores("b", 3), run_id=run_id)  # same id, other content
    write_run(into, "run", 0, "h", {"m": "c"}, scores("c", 2))
    before = digest(into)
    assert cli("store", "merge", a, b, "--into", into) == 2
    assert f"Run {run_id} differs" in capsys.readouterr().err
    assert digest(into) == before
    merge_stores([a], into)
    with pytest.raises(GenbenchError, match="already holds a different run"):
        merge_stores([b], into)


def test_merge_refuses_its_target_among_the_sources(tmp_path):
    a = tmp_path / "a.sqlite"
    write_run(a, "run", 0, "h", {}, scores("a", 1))
    with pytest.raises(GenbenchError, match="also the target"):
        merge_stores([a], a)
