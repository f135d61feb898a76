from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from genbench.errors import GenbenchError
from genbench.report.leaderboard import build_boards
from genbench.score import Score
from genbench.signature import Signature
from genbench.store import Store


def sig(**overrides) -> Signature:
    fields = dict(task="images/digits", task_version=1, data_hash="ab" * 32, metric="fid",
                  implementation="torch-fidelity-0.4.0", features="digits-cnn", features_sha256="cd" * 32,
                  preprocessing="quantize-17-levels", n=450, seed=0)
    fields.update(overrides)
    return Signature.make({"reference": "test"}, **fields)


def score(model: str, value: float, **overrides) -> Score:
    s = sig(**overrides)
    return Score("images/digits", model, s.metric, value, value - 1, value + 1, s.n, False, s, "test")


def test_signature_round_trips_and_renders_every_field():
    s = sig()
    assert Signature.from_json(s.to_json()) == s
    text = s.render()
    for part in ("task:images/digits@1", "metric:fid", "impl:torch-fidelity-0.4.0", "feat:digits-cnn",
                 "n:450", "seed:0", "reference:test", "pre:quantize-17-levels"):
        assert part in text


def test_seed_is_recorded_but_not_part_of_the_comparability_key():
    assert sig(seed=1).key() == sig(seed=2).key()
    assert sig(seed=1).render() != sig(seed=2).render()
    assert sig(n=100).key() != sig().key()
    assert sig(features_sha256="ee" * 32).key() != sig().key()


def test_boards_never_rank_scores_with_different_signatures():
    boards = build_boards([score("a", 5.0), score("b", 3.0), score("c", 1.0, features="inception")])
    assert len(boards) == 2
    assert boards[0].ranked_models() == ["b", "a"]  # lower FID first
    assert boards[1].models == ["c"]


def test_run_and_scores_are_written_in_one_transaction(tmp_path):
    path = tmp_path / "r.sqlite"
    good = score("a", 1.0)
    broken = Score("images/digits", "b", "fid", object(), None, None, 1, False, sig())  # not storable
    with Store(path) as store:
        with pytest.raises(Exception):
            store.add_run("run", 0, "cfg", {}, [good, broken])
        assert store.count_scores() == 0
        assert store._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0
        run_id = store.add_run("run", 0, "cfg", {"host": "h"}, [good])
        assert store.run(run_id)["provenance"] == {"host": "h"}
        (stored,) = store.latest_scores()
        assert stored.score == good


def test_store_refuses_other_schema_versions_and_other_files(tmp_path):
    path = tmp_path / "r.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(GenbenchError, match="schema version 99"):
        Store(path)
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database at all " * 100)
    with pytest.raises(GenbenchError, match="junk.sqlite"):
        Store(junk)


def test_a_leaderboard_row_never_mixes_runs(tmp_path):
    """The newest run that scored a (task, model) supplies all of its row, even metrics it lacks."""
    with Store(tmp_path / "r.sqlite") as store:
        old = [score("a", 5.0), replace(score("a", 1.0), metric="throughput")]
        store.add_run("run", 0, "cfg", {}, old)
        store.add_run("eval", 0, "cfg", {}, [score("a", 7.0)])
        latest = store.latest_scores()
    assert [(s.score.metric, s.score.value) for s in latest] == [("fid", 7.0)]


def test_store_will_not_write_into_another_programs_database(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(GenbenchError, match="something else"):
        Store(path)
    with sqlite3.connect(path) as db:
        assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")} == {"customers"}
