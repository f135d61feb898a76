"""The store under hostile input: unreadable versions, read-only places, damaged rows. Every
refusal exits 2 with a message and leaves the file byte-for-byte as it was."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genbench.errors import GenbenchError
from genbench.store import READABLE_VERSIONS, Store, check_writable, write_run
from hostile import set_schema_version, tamper
from test_signature_store import score

as_root = hasattr(os, "geteuid") and os.geteuid() == 0


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def one_run_store(path: Path) -> Path:
    with Store(path) as db:
        db.add_run("run", 0, "cfg", {}, [score("a", 1.0)])
    return path


def refused(code: int, capsys: pytest.CaptureFixture, *needles: str) -> str:
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    return err


@pytest.mark.parametrize("version", ["", "abc", "1.0", " 1", "1 ", "٣", "3", "-1", "99999999999999999999999"])
@pytest.mark.parametrize("command", ["leaderboard", "run", "eval", "compare"])
def test_an_unreadable_schema_version_is_refused_and_the_store_is_untouched(tmp_path, cli, capsys, version, command):
    store = one_run_store(tmp_path / "r.sqlite")
    set_schema_version(store, version)
    before = digest(store)
    args = {"leaderboard": ["leaderboard"],
            "run": ["run", "--no-baselines", "--model", "toy_models:noisy"],
            "eval": ["eval", "--task", "images/digits", "--samples", tmp_path, "--name", "v"],
            "compare": ["compare", "0123456789ab", "0123456789ab"]}[command]
    refused(cli(*args, "--store", store), capsys, "r.sqlite", "schema version")
    assert digest(store) == before


@settings(max_examples=60, deadline=None)
@given(version=st.one_of(st.text(max_size=12), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False), st.binary(max_size=8)))
def test_any_other_schema_version_is_a_genbench_error(tmp_path_factory, version):
    store = one_run_store(tmp_path_factory.mktemp("v") / "r.sqlite")
    set_schema_version(store, version)
    before = digest(store)
    if str(version) in {str(v) for v in READABLE_VERSIONS}:  # 1.0 is not 1: it reads back as '1.0' and is refused
        Store(store, readonly=True).close()  # an integer 1 reads back as the text '1' (column affinity)
        return
    for readonly in (True, False):
        with pytest.raises(GenbenchError, match="schema version"):
            Store(store, readonly=readonly)
    assert digest(store) == before


def test_readers_never_write_not_even_into_an_empty_file(tmp_path, cli, capsys):
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    refused(cli("leaderboard", "--store", empty), capsys, "empty.sqlite", "no genbench results")
    refused(cli("compare", "0123456789ab", "0123456789ab", "--store", empty), capsys, "empty.sqlite")
    assert empty.read_bytes() == b""


def test_a_missing_store_is_not_created_by_a_refusal(tmp_path, cli, capsys):
    store = tmp_path / "new" / "r.sqlite"
    refused(cli("eval", "--task", "images/digits", "--samples", tmp_path / "nope", "--name", "v", "--store", store),
            capsys, "nope")
    refused(cli("leaderboard", "--store", store), capsys, "does not exist")
    assert not store.exists() and not store.parent.exists()


def test_a_failed_write_removes_the_store_it_created(tmp_path):
    store = tmp_path / "r.sqlite"
    broken = score("b", 1.0).__class__("images/digits", "b", "fid", object(), None, None, 1, False,
                                       score("b", 1.0).signature)
    with pytest.raises(GenbenchError, match="nothing was stored"):
        write_run(store, "run", 0, "cfg", {}, [score("a", 1.0), broken])
    assert not store.exists()


@pytest.mark.skipif(as_root, reason="root writes through file permissions; the monkeypatched tests cover it")
def test_a_read_only_store_file_and_folder_are_refused_before_any_work(tmp_path, cli, capsys):
    store = one_run_store(tmp_path / "ro" / "r.sqlite")
    before = digest(store)
    store.chmod(0o444)
    try:
        refused(cli("run", "--no-baselines", "--model", "toy_models:noisy", "--store", store), capsys, "read-only")
        store.chmod(0o644)
        store.parent.chmod(0o555)
        refused(cli("run", "--no-baselines", "--model", "toy_models:noisy", "--store", store), capsys, "read-only")
        assert cli("leaderboard", "--store", store) == 0  # reading needs no write access
    finally:
        store.parent.chmod(0o755)
        store.chmod(0o644)
    assert digest(store) == before


def test_a_read_only_place_is_refused_as_os_access_reports_it(tmp_path, cli, capsys, monkeypatch):
    """A read-only mount answers os.access(W_OK) with False even for root; the check trusts that."""
    store = one_run_store(tmp_path / "r.sqlite")
    before = digest(store)
    real_access = os.access
    for place in (store, tmp_path):
        monkeypatch.setattr(os, "access", lambda p, mode, place=place:
                            False if Path(p) == place and mode & os.W_OK else real_access(p, mode))
        refused(cli("run", "--no-baselines", "--model", "toy_models:noisy", "--store", store), capsys,
                "r.sqlite", "read-only")
        monkeypatch.setattr(os, "access", real_access)
    assert digest(store) == before


def test_sqlite_refusing_the_write_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    """What the up-front check cannot see (a mount turned read-only mid-run) SQLite reports at the write."""
    store = one_run_store(tmp_path / "r.sqlite")
    before = digest(store)
    real_connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda database, **kw: real_connect(database.replace("mode=rw", "mode=ro"), **kw))
    with pytest.raises(GenbenchError, match="Cannot write to the store .*r.sqlite.*readonly"):
        write_run(store, "run", 0, "cfg", {}, [score("a", 2.0)])
    assert digest(store) == before


def test_check_writable_creates_nothing(tmp_path):
    target = tmp_path / "a" / "b" / "r.sqlite"
    check_writable(target)
    assert not (tmp_path / "a").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(GenbenchError, match="not a folder"):
        check_writable(tmp_path / "file" / "r.sqlite")


@pytest.mark.parametrize("sql, needle", [
    ("UPDATE scores SET signature_json = 'not json'", "cannot be read"),
    ("UPDATE scores SET signature_json = '[[[[' || printf('%.*c', 100000, '[')", "cannot be read"),
    ("UPDATE scores SET value = 'abc'", "expected a number"),
    ("UPDATE scores SET n = -5", "expected a count"),
    ("UPDATE scores SET model = X'FF00'", "expected text"),
    ("UPDATE scores SET signature_json = CAST(X'80' AS TEXT)", "cannot be read"),
    ("DROP TABLE score_items", "lacks its table"),
    ("DELETE FROM meta", "schema version none"),
])
def test_damaged_rows_are_refused_by_name(tmp_path, cli, capsys, sql, needle):
    store = one_run_store(tmp_path / "r.sqlite")
    tamper(store, sql)
    before = digest(store)
    refused(cli("leaderboard", "--store", store), capsys, "r.sqlite", needle)
    assert digest(store) == before


def test_a_store_path_that_is_not_a_regular_file_is_refused(tmp_path, cli, capsys):
    fifo = tmp_path / "r.sqlite"
    os.mkfifo(fifo)
    refused(cli("leaderboard", "--store", fifo), capsys, "not a regular file")
    refused(cli("run", "--no-baselines", "--model", "toy_models:noisy", "--store", fifo), capsys, "not a regular file")


def _can_mount_read_only() -> bool:
    import shutil
    import subprocess

    if not as_root or shutil.which("unshare") is None:
        return False
    # A private mount namespace (unshare's default propagation): nothing leaks to the host.
    probe = subprocess.run(["unshare", "-m", "mount", "--bind", "/tmp", "/tmp"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_read_only(), reason="needs root and unshare to make a read-only mount")
def test_a_store_on_a_read_only_mount_is_refused_before_any_work(tmp_path):
    import subprocess
    import sys

    store = one_run_store(tmp_path / "ro" / "r.sqlite")
    before = digest(store)
    folder = store.parent
    script = (f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && "
              f"{sys.executable} -m genbench run --no-baselines --model toy_models:noisy --store {store}; "
              f"echo rc=$? >&2; {sys.executable} -m genbench leaderboard --store {store} >/dev/null; echo rc=$? >&2")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=env, timeout=120)
    err = " ".join(result.stderr.split())
    assert "read-only" in err and "rc=2" in err and "Traceback" not in err, err
    assert err.endswith("rc=0"), err  # reading a store needs no write access
    assert digest(store) == before


def test_a_failed_first_write_leaves_an_empty_file_empty(tmp_path):
    store = tmp_path / "r.sqlite"
    store.write_bytes(b"")
    broken = score("b", 1.0).__class__("images/digits", "b", "fid", object(), None, None, 1, False,
                                       score("b", 1.0).signature)
    with pytest.raises(GenbenchError, match="nothing was stored"):
        write_run(store, "run", 0, "cfg", {}, [broken])
    assert store.read_bytes() == b""
    run_id = write_run(store, "run", 0, "cfg", {}, [score("a", 1.0)])  # schema and run arrive together
    with Store(store, readonly=True) as db:
        assert db.run(run_id)["command"] == "run" and db.count_scores() == 1
