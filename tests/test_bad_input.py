"""Bad input: a message naming the file or model and the problem, exit code 2, nothing stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import torch

from conftest import digits_images, write_folder
from genbench.data.digits import load_digits


def stored_scores(store: Path) -> int:
    if not store.exists():
        return 0
    with sqlite3.connect(store) as db:
        return db.execute("SELECT COUNT(*) FROM scores").fetchone()[0]


def assert_refused(code: int, capsys: pytest.CaptureFixture, store: Path, *needles: str) -> None:
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2, err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    assert stored_scores(store) == 0


def test_corrupt_png(tmp_path, cli, capsys):
    folder = write_folder(tmp_path / "s", digits_images(20))
    (folder / "00003.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not a png")
    store = tmp_path / "r.sqlite"
    code = cli("eval", "--task", "images/digits", "--samples", folder, "--name", "v", "--store", store)
    assert_refused(code, capsys, store, "00003.png", "not a readable PNG")


def test_empty_folder(tmp_path, cli, capsys):
    (tmp_path / "empty").mkdir()
    store = tmp_path / "r.sqlite"
    code = cli("eval", "--task", "images/digits", "--samples", tmp_path / "empty", "--name", "v", "--store", store)
    assert_refused(code, capsys, store, "empty", "no .png files")


def test_missing_folder(tmp_path, cli, capsys):
    store = tmp_path / "r.sqlite"
    code = cli("eval", "--task", "images/digits", "--samples", tmp_path / "nope", "--name", "v", "--store", store)
    assert_refused(code, capsys, store, "nope", "no such folder")


def test_wrong_image_size(tmp_path, cli, capsys):
    folder = write_folder(tmp_path / "s", digits_images(20))
    write_folder(folder, torch.rand(1, 1, 16, 16), ids=["big"])
    store = tmp_path / "r.sqlite"
    code = cli("eval", "--task", "images/digits", "--samples", folder, "--name", "v", "--store", store)
    assert_refused(code, capsys, store, "big.png", "16×16", "expected 8×8")


def test_wrong_channel_count(tmp_path, cli, capsys):
    folder = write_folder(tmp_path / "s", digits_images(20))
    write_folder(folder, torch.rand(1, 3, 8, 8), ids=["rgb"])
    store = tmp_path / "r.sqlite"
    code = cli("eval", "--task", "images/digits", "--samples", folder, "--name", "v", "--store", store)
    assert_refused(code, capsys, store, "rgb.png", "3 channel", "expected 1")


def test_missing_and_extra_ids_for_a_paired_task(tmp_path, cli, capsys):
    test = load_digits("test")
    ids = list(test.ids)
    folder = write_folder(tmp_path / "r", test.images[1:], ids=ids[1:])
    write_folder(folder, test.images[:1], ids=["not-an-item"])
    store = tmp_path / "r.sqlite"
    code = cli("eval", "--task", "images/digits-recon", "--samples", folder, "--name", "v", "--store", store)
    assert_refused(code, capsys, store, f"{ids[0]}.png", "not-an-item.png", "1 test item(s) have no file")


@pytest.mark.parametrize("target, needles", [
    ("toy_models:nan_model", ["nan_model", "NaN"]),
    ("toy_models:wrong_shape", ["wrong_shape", "shape (150, 3, 8, 8)", "expected (150, 1, 8, 8)"]),
    ("toy_models:nothing", ["toy_models:nothing", "offers none of"]),
    ("toy_models:crashing", ["toy_models:crashing", "RuntimeError in sample()", "simulated"]),
    ("toy_models:broken_loader", ["toy_models:broken_loader", "FileNotFoundError", "my-weights.safetensors"]),
    ("toy_models:no_such_attr", ["toy_models", "no attribute 'no_such_attr'"]),
])
def test_bad_models(tmp_path, cli, capsys, target, needles):
    store = tmp_path / "r.sqlite"
    code = cli("run", "--suite", "images", "--no-baselines", "--model", target, "--store", store)
    assert_refused(code, capsys, store, *needles)


def test_unknown_model_suggests_names(tmp_path, cli, capsys):
    store = tmp_path / "r.sqlite"
    code = cli("run", "--no-baselines", "--model", "pixelcn", "--store", store)
    assert_refused(code, capsys, store, "Unknown model 'pixelcn'", "pixelcnn")


def test_unwritable_json_is_refused_before_any_work(tmp_path, cli, capsys):
    store = tmp_path / "r.sqlite"
    code = cli("run", "--no-baselines", "--model", "toy_models:noisy", "--store", store,
               "--json", tmp_path / "no-such-dir" / "o.json")
    assert_refused(code, capsys, store, "no-such-dir", "Cannot write")


def test_negative_seed_is_a_usage_error(tmp_path, cli, capsys):
    store = tmp_path / "r.sqlite"
    code = cli("run", "--no-baselines", "--model", "toy_models:noisy", "--seed", "-1", "--store", store)
    assert_refused(code, capsys, store, "--seed")


def test_vendor_label_may_not_take_a_baselines_name(tmp_path, cli, capsys):
    folder = write_folder(tmp_path / "s", digits_images(20))
    store = tmp_path / "r.sqlite"
    code = cli("eval", "--task", "images/digits", "--samples", folder, "--name", "vae", "--store", store)
    assert_refused(code, capsys, store, "registered model")
