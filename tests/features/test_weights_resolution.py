"""Pretrained weights: resolved from a local folder with their hash checked, never substituted."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

from genbench.errors import GenbenchError, UnavailableError
from genbench.features.inception import INCEPTION_V3
from genbench.features.inception import load as load_inception
from genbench.features.lpips_net import ALEXNET, SQUEEZENET, VGG16
from genbench.features.weights_cache import WeightsSpec, download, resolve


def random_inception_file(folder: Path) -> Path:
    """A randomly initialised torch-fidelity Inception-v3, saved as a plain state dict."""
    from torch_fidelity import feature_extractor_inceptionv3 as fe

    torch.manual_seed(0)
    original = fe.FeatureExtractorInceptionV3.load_state_dict
    fe.FeatureExtractorInceptionV3.load_state_dict = lambda self, state: None
    try:
        fe_load = fe.load_state_dict_from_url
        fe.load_state_dict_from_url = lambda *a, **k: {}
        net = fe.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    finally:
        fe.FeatureExtractorInceptionV3.load_state_dict = original
        fe.load_state_dict_from_url = fe_load
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / INCEPTION_V3.filename
    torch.save(net.state_dict(), path)
    return path


def test_inception_plumbing_with_random_weights(tmp_path):
    path = random_inception_file(tmp_path / "w")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    spec = WeightsSpec(INCEPTION_V3.filename, digest, INCEPTION_V3.url, INCEPTION_V3.purpose)
    net = load_inception(tmp_path / "w", spec=spec)
    out = net(torch.rand(3, 1, 8, 8))
    assert out["features"].shape == (3, 2048) and out["logits"].shape == (3, 1008)
    assert net.sha256 == digest and torch.isfinite(out["features"]).all()
    assert net.input_size == 299  # what a caller resizing images for it must produce


def test_missing_inception_weights_name_the_file_and_where_to_put_it(tmp_path):
    with pytest.raises(UnavailableError) as info:
        load_inception(tmp_path / "empty")
    message = str(info.value)
    assert INCEPTION_V3.filename in message and str(tmp_path / "empty") in message
    assert "GENBENCH_WEIGHTS" in message and INCEPTION_V3.url in message


def test_weights_with_the_wrong_hash_are_refused(tmp_path):
    random_inception_file(tmp_path)
    with pytest.raises(UnavailableError, match="sha256"):
        load_inception(tmp_path)  # a random file cannot carry the real release's hash


def test_run_with_inception_features_and_no_weights_fails_cleanly(tmp_path, cli, capsys):
    store = tmp_path / "r.sqlite"
    code = cli("run", "--no-baselines", "--model", "toy_models:noisy", "--features", "inception",
               "--weights-dir", tmp_path, "--store", store)
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and INCEPTION_V3.filename in err
    assert not store.exists()  # refused before anything is stored


def test_pickled_code_in_a_weights_file_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("executed",))

    path = tmp_path / INCEPTION_V3.filename
    torch.save({"x": Evil()}, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    spec = WeightsSpec(INCEPTION_V3.filename, digest, INCEPTION_V3.url, INCEPTION_V3.purpose)
    with pytest.raises(UnavailableError, match="not a valid Inception-v3"):
        load_inception(tmp_path, spec=spec)


def test_download_checks_the_hash_before_the_file_appears(tmp_path, served):
    folder, base = served
    payload = b"weights" * 1000
    (folder / "w.pth").write_bytes(payload)
    good = WeightsSpec("w.pth", hashlib.sha256(payload).hexdigest(), f"{base}/w.pth", "test weights")
    target = download(good, tmp_path / "cache")
    assert target.read_bytes() == payload
    assert resolve(good, tmp_path / "cache")[0] == target

    bad = WeightsSpec("w.pth", "0" * 64, f"{base}/w.pth", "test weights")
    with pytest.raises(UnavailableError, match="expected 0000"):
        download(bad, tmp_path / "other")
    assert list((tmp_path / "other").iterdir()) == []


# 80 bytes whose sha256 begins 6726825d, the prefix in the Inception file's name: found by trying
# 16-hex-digit counters after this 64-byte header (some 2^31 sha256s, under a minute on 2 cores).
FORGED_INCEPTION = b"genbench test: not the Inception weights, forged sha256 prefix. 00000000162013df"
KNOWN_SPECS = [INCEPTION_V3, ALEXNET, VGG16, SQUEEZENET]


def test_a_file_with_a_forged_hash_prefix_is_refused_naming_the_file(tmp_path):
    path = tmp_path / INCEPTION_V3.filename
    path.write_bytes(FORGED_INCEPTION)
    digest = hashlib.sha256(FORGED_INCEPTION).hexdigest()
    assert digest.startswith("6726825d") and digest != INCEPTION_V3.sha256  # the forgery is real
    with pytest.raises(UnavailableError) as info:
        resolve(INCEPTION_V3, tmp_path)
    message = str(info.value)
    assert str(path) in message and digest in message and INCEPTION_V3.sha256 in message
    assert "prefix in the file name" in message and "not used" in message


@pytest.mark.parametrize("spec", KNOWN_SPECS, ids=lambda s: s.filename)
def test_every_known_weights_file_is_pinned_by_its_full_sha256(spec: WeightsSpec):
    assert len(spec.sha256) == 64 and int(spec.sha256, 16) >= 0
    # torch.hub names the file after the first hex digits of the same hash.
    assert spec.filename.rsplit("-", 1)[1].split(".")[0] == spec.sha256[:8]


@pytest.mark.parametrize("spec", KNOWN_SPECS, ids=lambda s: s.filename)
def test_a_random_file_under_a_known_name_is_refused(tmp_path, spec: WeightsSpec):
    (tmp_path / spec.filename).write_bytes(b"random bytes, not a release file")
    with pytest.raises(UnavailableError, match=f"{spec.filename}.*sha256 {spec.sha256}"):
        resolve(spec, tmp_path)


def test_a_spec_pinning_only_a_prefix_is_refused():
    with pytest.raises(GenbenchError, match="full 64-hex sha256, but got '6726825d'"):
        WeightsSpec(INCEPTION_V3.filename, "6726825d", INCEPTION_V3.url, INCEPTION_V3.purpose)

