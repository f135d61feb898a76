"""A pickle whose loading would run code is never loaded, on any path genbench reads files from:
weights files, cached reference features, samples, compare inputs, tolerance files and stores.
The payload would create a marker file; each test asserts that the marker never appears."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import torch

from genbench.errors import GenbenchError
from hostile import raw_pickle, torch_pickle
from test_store_hostile import digest, one_run_store, refused

PAYLOADS = {"torch-zip": torch_pickle, "raw-pickle": raw_pickle}


@pytest.fixture(params=sorted(PAYLOADS))
def payload(request, tmp_path):
    """(bytes that would touch the marker if unpickled, the marker's path)."""
    marker = tmp_path / "EXECUTED"
    data = PAYLOADS[request.param](marker)
    yield data, marker
    assert not marker.exists(), "unpickling ran the payload"


def spec_for(path: Path, like):
    """``like``'s weights spec, with the sha256 of the file at ``path``: as if a forged file matched."""
    from genbench.features.weights_cache import WeightsSpec

    return WeightsSpec(path.name, hashlib.sha256(path.read_bytes()).hexdigest(), like.url, like.purpose)


def test_the_payload_really_runs_when_unpickled(tmp_path):
    """The fixture's check means something only if unpickling these bytes would create the marker."""
    import pickle

    marker = tmp_path / "EXECUTED"
    pickle.loads(raw_pickle(marker))
    assert marker.exists()
    marker.unlink()
    torch.load(__import__("io").BytesIO(torch_pickle(marker)), weights_only=False)
    assert marker.exists()
    marker.unlink()


def test_inception_weights(tmp_path, payload):
    from genbench.errors import UnavailableError
    from genbench.features.inception import INCEPTION_V3, load

    path = tmp_path / INCEPTION_V3.filename
    path.write_bytes(payload[0])
    with pytest.raises(UnavailableError, match="not a valid Inception-v3"):
        load(tmp_path, spec=spec_for(path, INCEPTION_V3))


def test_lpips_backbone_weights(tmp_path, payload):
    from genbench.errors import UnavailableError
    from genbench.features.lpips_net import ALEXNET, load_backbone

    path = tmp_path / ALEXNET.filename
    path.write_bytes(payload[0])
    with pytest.raises(UnavailableError, match="not a torchvision alexnet"):
        load_backbone("alex", tmp_path, spec=spec_for(path, ALEXNET))


def test_safetensors_weights_of_baselines_and_feature_networks(tmp_path, payload):
    from genbench.errors import InputError
    from genbench.weights import load_module

    path = tmp_path / "vae.safetensors"
    path.write_bytes(payload[0])
    with pytest.raises(InputError, match="vae.safetensors"):
        load_module(torch.nn.Linear(2, 2), path)


def test_cached_reference_features(tmp_path, payload, monkeypatch):
    from genbench.data.digits import load_digits
    from genbench.features.base import FeatureNetwork
    from genbench.features.reference import reference_features

    monkeypatch.setenv("GENBENCH_CACHE", str(tmp_path / "cache"))
    net = FeatureNetwork("mean", "00" * 32, 1, "none",
                         lambda x: {"features": x.mean((1, 2, 3))[:, None], "logits": x.mean((1, 2, 3))[:, None]},
                         torch.nn.Identity())
    split = load_digits("test")
    first = reference_features(split, net, lambda batch: [batch.images], "none")
    entries = list((tmp_path / "cache").glob("*.safetensors"))
    assert entries
    for entry in entries:
        entry.write_bytes(payload[0])
    again = reference_features(split, net, lambda batch: [batch.images], "none")  # the damaged entry is recomputed, not loaded
    assert (again.features == first.features).all()


def test_sample_files_in_an_image_folder(tmp_path, cli, capsys, payload):
    from conftest import digits_images, write_folder

    folder = write_folder(tmp_path / "s", digits_images(20))
    (folder / "00003.png").write_bytes(payload[0])
    refused(cli("eval", "--task", "images/digits", "--samples", folder, "--name", "v",
                "--store", tmp_path / "r.sqlite"), capsys, "00003.png")


@pytest.mark.parametrize("name", ["h.jsonl", "h.txt"])
def test_hypotheses_files(tmp_path, payload, name):
    from genbench.data.text_file import read_hypotheses
    from genbench.errors import InputError

    path = tmp_path / name
    path.write_bytes(payload[0])
    with pytest.raises(InputError, match=name):
        read_hypotheses(path, ("Ruth.1.1", "Ruth.1.2"))


@pytest.mark.parametrize("name", ["base.json", "base.csv", "base"])
def test_compare_inputs(tmp_path, cli, capsys, payload, name):
    (tmp_path / name).write_bytes(payload[0])
    refused(cli("compare", tmp_path / name, tmp_path / name), capsys, name)


def test_tolerance_files(tmp_path, cli, capsys, payload):
    good = tmp_path / "b.json"
    good.write_text('[{"task": "t", "model": "m", "metric": "psnr", "value": 1.0, "signature": "task:t@1"}]')
    (tmp_path / "genbench.toml").write_bytes(payload[0])
    refused(cli("compare", good, good, "--config", tmp_path / "genbench.toml"), capsys, "genbench.toml")


@pytest.mark.parametrize("command", [["leaderboard"], ["compare", "0123456789ab", "0123456789ab"],
                                     ["run", "--no-baselines", "--model", "toy_models:noisy"]])
def test_a_pickle_given_as_the_store(tmp_path, cli, capsys, payload, command):
    store = tmp_path / "r.sqlite"
    store.write_bytes(payload[0])
    before = digest(store)
    refused(cli(*command, "--store", store), capsys, "r.sqlite")
    assert digest(store) == before


def test_pickles_inside_a_store_s_columns(tmp_path, cli, capsys, payload):
    store = one_run_store(tmp_path / "r.sqlite")
    with sqlite3.connect(store) as db:
        db.execute("UPDATE scores SET signature_json = ?", (payload[0],))
        run_id = db.execute("SELECT run_id FROM runs").fetchone()[0]
        db.execute("INSERT INTO score_items VALUES (?, 'images/digits', 'a', 'fid', ?)", (run_id, payload[0]))
    db.close()
    refused(cli("leaderboard", "--store", store), capsys, "r.sqlite")
    refused(cli("compare", run_id, run_id, "--store", store), capsys, "r.sqlite")
    with pytest.raises(GenbenchError):
        from genbench.store import Store

        with Store(store, readonly=True) as db:
            db.run_scores(run_id)
