"""Fashion-MNIST: the IDX reader, the hash check, where the files are found, and getting them."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from genbench.data import fashion, fashion_get
from genbench.data.idx import parse_idx, read_bytes
from genbench.errors import InputError, UnavailableError

from fashion_files import idx_bytes, write_tiny_set


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.integers(0, 2**32 - 1))
def test_idx_round_trip(shape, seed):
    array = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    np.testing.assert_array_equal(parse_idx(idx_bytes(array), "x"), array)


@pytest.mark.parametrize("data, problem", [
    (b"\1\0\x08\x01" + b"\0\0\0\1" + b"a", "magic number"),
    (b"\0\0\x0d\x01" + b"\0\0\0\1" + b"a", "type code 0x0d"),
    (b"\0\0\x08\x03" + b"\0\0\0\2", "truncated"),
    (b"\0\0\x08\x01" + b"\0\0\0\3" + b"ab", "holds 10"),
    (b"\0\0\x08\x01" + b"\0\0\0\1" + b"abc", "holds 11"),
])
def test_bad_idx_is_refused_by_name(data, problem):
    with pytest.raises(InputError, match=problem) as err:
        parse_idx(data, "labels.idx")
    assert "labels.idx" in str(err.value)


def test_damaged_gzip_names_the_file(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(b"\0\0\x08\x01\0\0\0\1a")[:-6])
    with pytest.raises(InputError, match="not a valid gzip file") as err:
        read_bytes(path)
    assert str(path) in str(err.value)


def test_a_file_with_other_content_is_refused(tmp_path):
    write_tiny_set(tmp_path)
    with pytest.raises(InputError, match="is not the pinned") as err:
        fashion.load_fashion("test", tmp_path)
    assert "t10k-images-idx3-ubyte.gz" in str(err.value) and "genbench corpus get" in str(err.value)


def test_tiny_set_loads_with_its_hashes_pinned(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion, "CONTENT_SHA256", write_tiny_set(tmp_path, n=12))
    test = fashion.load_fashion("test", tmp_path)
    assert test.images.shape == (12, 1, 28, 28) and test.labels.tolist() == [i % 10 for i in range(12)]
    assert test.ids[3] == "fashion-test-00003" and len(test.content_hash) == 64
    raw = parse_idx(gzip.decompress((tmp_path / "t10k-images-idx3-ubyte.gz").read_bytes()), "x")
    assert ((test.images[:, 0] * 255).round().to(int).numpy() == raw).all()  # value / 255, exactly
    train = fashion.load_fashion("train", tmp_path)
    assert train.content_hash != test.content_hash


def test_missing_dataset_names_the_command_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv(fashion.ENV_VAR, str(tmp_path / "env"))
    monkeypatch.setattr(fashion, "DOWNLOAD_DIR", tmp_path / "downloads")
    monkeypatch.setattr(fashion, "DEBIAN_DIR", tmp_path / "debian")
    with pytest.raises(UnavailableError, match="genbench corpus get") as err:
        fashion.find_dataset()
    assert str(tmp_path / "env") in str(err.value) and "dataset-fashion-mnist" in str(err.value)
    with pytest.raises(UnavailableError, match="pass a folder"):
        fashion.find_dataset(tmp_path / "given")


def test_lookup_order_is_option_then_environment_then_standard_places(tmp_path, monkeypatch):
    for name in ("given", "env", "downloads", "debian"):
        write_tiny_set(tmp_path / name)
    monkeypatch.setattr(fashion, "DOWNLOAD_DIR", tmp_path / "downloads")
    monkeypatch.setattr(fashion, "DEBIAN_DIR", tmp_path / "debian")
    monkeypatch.setenv(fashion.ENV_VAR, str(tmp_path / "env"))
    assert fashion.find_dataset(tmp_path / "given") == tmp_path / "given"
    assert fashion.find_dataset() == tmp_path / "env"
    monkeypatch.delenv(fashion.ENV_VAR)
    assert fashion.find_dataset() == tmp_path / "downloads"


def test_download_installs_files_whose_hashes_check_out(tmp_path, served, monkeypatch):
    folder, base = served
    monkeypatch.setattr(fashion_get, "CONTENT_SHA256", write_tiny_set(folder))
    dest = fashion_get.download(tmp_path / "dest", base)
    assert sorted(p.name for p in dest.iterdir()) == sorted(fashion_get.CONTENT_SHA256)
    assert (dest / "train-labels-idx1-ubyte.gz").read_bytes() == (folder / "train-labels-idx1-ubyte.gz").read_bytes()


def test_download_with_one_wrong_file_installs_nothing(tmp_path, served, monkeypatch):
    folder, base = served
    hashes = write_tiny_set(folder)
    monkeypatch.setattr(fashion_get, "CONTENT_SHA256", {**hashes, "t10k-labels-idx1-ubyte.gz": "0" * 64})
    with pytest.raises(UnavailableError, match="nothing was installed"):
        fashion_get.download(tmp_path / "dest", base)
    assert list((tmp_path / "dest").iterdir()) == []


def test_unreachable_source_says_how_else_to_install(tmp_path):
    with pytest.raises(UnavailableError, match="apt-get install -y dataset-fashion-mnist"):
        fashion_get.download(tmp_path / "dest", (tmp_path / "nowhere").as_uri())


def test_apt_path_refreshes_lists_once_then_retries(monkeypatch):
    monkeypatch.setattr(fashion_get.shutil, "which", lambda name: "/usr/bin/apt-get")
    monkeypatch.setattr(fashion_get.os, "geteuid", lambda: 0)
    calls, answers = [], iter([100, 0, 0])
    assert fashion_get.install_with_apt(lambda argv: calls.append(argv) or next(answers)) == fashion.DEBIAN_DIR
    assert calls == [fashion_get.APT_COMMAND.split(), ["apt-get", "update"], fashion_get.APT_COMMAND.split()]


def test_apt_path_without_root_names_the_sudo_command(monkeypatch):
    monkeypatch.setattr(fashion_get.shutil, "which", lambda name: "/usr/bin/apt-get")
    monkeypatch.setattr(fashion_get.os, "geteuid", lambda: 1000)
    with pytest.raises(UnavailableError, match="sudo apt-get install -y dataset-fashion-mnist"):
        fashion_get.install_with_apt(lambda argv: 0)


def _installed() -> Path | None:
    try:
        return fashion.find_dataset()
    except UnavailableError:
        return None


@pytest.mark.skipif(_installed() is None, reason="Fashion-MNIST is not installed (`genbench corpus get`)")
def test_installed_files_have_the_pinned_content_and_sizes():
    folder = _installed()
    for name in fashion.CONTENT_SHA256:
        fashion.checked_content(folder / name)  # raises on any other content
    test = fashion.load_fashion("test")
    assert len(test) == 10_000 and np.bincount(test.labels.numpy()).tolist() == [1000] * 10
