"""Exhibits (the grids and translations a report shows) are captured from the batches a run
scores, stored with its scores, carried through the run's journal and `genbench store merge`; a
version-1 store is read as it is and upgraded only by a write that succeeds."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import torch

from conftest import digits_images, write_folder
from genbench.errors import GenbenchError
from genbench.exhibit import PNG, Exhibit
from genbench.journal import Journal, Plan
from genbench.scoring.exhibits import ExhibitCollector, grid_png
from genbench.store import Store, write_run
from genbench.store_merge import merge_stores
from test_store_writers import scores


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def exhibit(tag: str, model: str = "a-0") -> Exhibit:
    return Exhibit("images/digits", model, "outputs", PNG, grid_png(torch.full((3, 1, 8, 8), len(tag) / 10)),
                   {"count": 3, "of": 450, "ranks": 1, "tag": tag})


def as_version_1(path: Path) -> Path:
    """The store as a genbench before exhibits wrote it: no exhibits table, schema version 1."""
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE exhibits")
        db.execute("DROP TABLE exhibit_bodies")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.close()
    return path


def version(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    finally:
        db.close()


def test_exhibits_are_stored_with_the_run_and_read_back(tmp_path):
    store = tmp_path / "s.sqlite"
    run_id = write_run(store, "run", 0, "h", {}, scores("a", 2), exhibits=[exhibit("x"), exhibit("y", "a-1")])
    with Store(store, readonly=True) as db:
        assert db.run_exhibits(run_id) == [exhibit("x"), exhibit("y", "a-1")]


def test_a_version_1_store_is_read_untouched_and_upgraded_by_its_first_write(tmp_path):
    store = tmp_path / "s.sqlite"
    first = write_run(store, "run", 0, "h", {}, scores("a", 2))
    as_version_1(store)
    before = digest(store)
    with Store(store, readonly=True) as db:
        assert db.run_exhibits(first) == [] and len(db.run_scores(first)) == 2
    Store(store).close()  # opened for writing, nothing written
    with pytest.raises(GenbenchError, match="nothing was stored"):  # a refused write: the same run id again
        write_run(store, "run", 0, "h", {}, scores("b", 2), run_id=first, exhibits=[exhibit("x")])
    assert digest(store) == before and version(store) == "1"
    second = write_run(store, "run", 0, "h", {}, scores("b", 2), exhibits=[exhibit("x")])
    assert version(store) == "2"
    with Store(store, readonly=True) as db:
        assert db.run_exhibits(first) == [] and db.run_exhibits(second) == [exhibit("x")]


def test_a_store_from_a_newer_schema_is_still_refused(tmp_path):
    store = tmp_path / "s.sqlite"
    write_run(store, "run", 0, "h", {}, scores("a", 1))
    with sqlite3.connect(store) as db:
        db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    db.close()
    before = digest(store)
    for readonly in (True, False):
        with pytest.raises(GenbenchError, match="schema version 3"):
            Store(store, readonly=readonly)
    assert digest(store) == before


def test_the_journal_carries_exhibits_into_the_store(tmp_path):
    store = tmp_path / "s.sqlite"
    plan = Plan("run", 0, {}, "h", "cpu", 1, [("images/digits", "a"), ("images/digits", "b")])
    journal = Journal.start(store, plan, {})
    journal.commit("images/digits", "a", scores("a", 1), exhibits=[exhibit("x", "a-0")])
    assert journal.exhibits() == [exhibit("x", "a-0")]  # a crash now keeps them with the pair's scores
    journal.commit("images/digits", "b", [], "no 'sample' capability")
    journal.finish([])
    with Store(store, readonly=True) as db:
        assert db.run_exhibits(journal.run_id) == [exhibit("x", "a-0")]


def test_merge_carries_exhibits_and_refuses_a_run_whose_exhibits_differ(tmp_path, cli):
    a, b, into = tmp_path / "a.sqlite", tmp_path / "b.sqlite", tmp_path / "c.sqlite"
    run_id = write_run(a, "run", 0, "h", {}, scores("a", 1), exhibits=[exhibit("x")])
    old = write_run(b, "run", 0, "h", {}, scores("b", 1))
    as_version_1(b)
    assert merge_stores([a, b], into) == (2, 0)
    with Store(into, readonly=True) as db:
        assert db.run_exhibits(run_id) == [exhibit("x")] and db.run_exhibits(old) == []
    other = tmp_path / "other.sqlite"
    with Store(a, readonly=True) as db:
        write_run(other, "run", 0, "h", db.run(run_id)["provenance"], db.run_scores(run_id), run_id=run_id,
                  exhibits=[exhibit("changed")])
    before = digest(into)
    with pytest.raises(GenbenchError, match="already holds a different run"):
        merge_stores([other], into)
    assert digest(into) == before


def test_rank_0_keeps_its_first_batch_under_torchrun():
    from genbench.models.sources import FileSource
    from genbench.scoring.context import Context, RunOptions, Shard
    from genbench.tasks.spec import TASKS

    from dataclasses import replace

    task = replace(TASKS.get("images/digits-recon"), batch_size=16)  # batches smaller than a grid
    data = task.load_data(RunOptions().data)
    ctx = Context(task, FileSource("files", Path("x")), RunOptions(), data, shard=Shard(0, 2))
    collector = ExhibitCollector(ctx)
    from genbench.kinds.reconstruction import PairedOutputs

    batches = list(data.batches(task.batch_size))
    for index in (0, 2, 4):  # rank 0 of 2 owns the even batches
        collector.add(index, PairedOutputs(batches[index].start, batches[index].images, batches[index].images))
    outputs, targets = collector.exhibits()
    size = 16  # batch 0 alone: batch 1 is rank 1's
    assert (outputs.name, targets.name) == ("outputs", "targets")
    assert outputs.meta == {"count": size, "of": len(data), "ranks": 2, "first_item": data.ids[0],
                            "last_item": data.ids[size - 1]}
    assert outputs.body == grid_png(batches[0].images[:size])


def test_eval_on_a_folder_stores_the_grid_of_its_files(tmp_path, cli):
    from genbench.data.digits import quantize
    from genbench.tasks.spec import TASKS

    images = digits_images()
    folder = write_folder(tmp_path / "vendor", images)
    store = tmp_path / "s.sqlite"
    assert cli("eval", "--task", "images/digits", "--samples", folder, "--name", "vendor", "--store", store) == 0
    with Store(store, readonly=True) as db:
        (grid,) = db.run_exhibits(db.run_ids()[0])
    assert (grid.model, grid.meta) == ("vendor", {"count": 64, "of": 450, "ranks": 1})
    assert grid.body == grid_png(quantize(images[:64], TASKS.get("images/digits").levels))


def test_a_damaged_exhibit_is_named_on_the_page_not_a_traceback():
    from genbench.exhibit import JSON
    from genbench.report.site.samples import task_samples

    damaged = [Exhibit("t", "m", "translations", JSON, b"\xff not json", {})]
    odd = [Exhibit("t", "n", "outputs", PNG, grid_png(torch.zeros(1, 1, 8, 8)), {"count": "many", "ranks": True})]
    samples = task_samples("translate", [("m", damaged)])
    assert "damaged" in samples.missing["m"] and not samples.translations
    grid = task_samples("sample", [("n", odd)]).grids["n"]
    assert (grid.count, grid.ranks) == (0, 1)


def test_a_body_several_exhibits_share_is_stored_once(tmp_path):
    store = tmp_path / "s.sqlite"
    first = write_run(store, "run", 0, "h", {}, [], exhibits=[exhibit("x", "a-0"), exhibit("x", "a-1")])
    second = write_run(store, "run", 0, "h", {}, [], exhibits=[exhibit("x", "a-0")])
    db = sqlite3.connect(store)
    assert db.execute("SELECT COUNT(*) FROM exhibit_bodies").fetchone()[0] == 1
    db.close()
    with Store(store, readonly=True) as read:
        assert [e.body for e in read.run_exhibits(first) + read.run_exhibits(second)] == [exhibit("x").body] * 3
