"""The fashion suite's tasks on a tiny synthetic Fashion-MNIST (the real set is not needed): each
kind runs end to end from --data-dir, and a missing dataset stops a run with the command to run."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from fashion_files import write_tiny_set
from genbench.data import fashion
from genbench.data.dataset import DataOptions
from genbench.models.sources import load_model
from genbench.runner import evaluate
from genbench.tasks import SUITE_BASELINES, SUITES, TASKS


@pytest.fixture
def tiny_set(tmp_path, monkeypatch):
    folder = tmp_path / "fashion"
    monkeypatch.setattr(fashion, "CONTENT_SHA256", write_tiny_set(folder, n=40))
    return folder


def test_suite_declares_the_three_tasks_and_seven_baselines():
    assert SUITES["fashion"] == ("fashion/generation", "fashion/conditional", "fashion/recon")
    assert len(SUITE_BASELINES["fashion"]) == 7
    conditional = TASKS.get("fashion/conditional")
    ids, labels = conditional.requests()
    assert len(ids) == 10_000 and ids[0] == "class0-000" and ids[-1] == "class9-999"
    assert labels.bincount().tolist() == [1000] * 10
    # the digits tasks keep their request ids
    assert TASKS.get("images/digits-conditional").requests()[0][-1] == "digit9-44"


def test_generation_scores_real_train_against_the_test_split(tiny_set, quick_options):
    options = dataclasses.replace(quick_options, data_dir=tiny_set)
    source = load_model("fashion-real-train", torch.device("cpu"), DataOptions(data_dir=tiny_set))
    scores = {s.metric: s for s in evaluate(TASKS.get("fashion/generation"), source, options)}
    assert scores["fid"].n == 40 and scores["fid"].value > 0
    sig = scores["fid"].signature
    assert sig.features == "fashion-cnn" and sig.preprocessing == "quantize-256-levels"
    assert sig.data_hash == fashion.load_fashion("test", tiny_set).content_hash


def test_reconstruction_runs_on_every_test_item(tiny_set, quick_options):
    options = dataclasses.replace(quick_options, data_dir=tiny_set)
    scores = {s.metric: s for s in evaluate(TASKS.get("fashion/recon"), load_model("fashion-vae", torch.device("cpu")),
                                            options)}
    assert scores["psnr"].n == 40 and 0 < scores["psnr"].value < 100


def test_missing_dataset_stops_a_fashion_run_with_the_command(tmp_path, cli, monkeypatch):
    monkeypatch.setattr(fashion, "DOWNLOAD_DIR", tmp_path / "none")
    monkeypatch.setattr(fashion, "DEBIAN_DIR", tmp_path / "none")
    monkeypatch.delenv(fashion.ENV_VAR, raising=False)
    code = cli("run", "--suite", "fashion", "--store", tmp_path / "r.sqlite")
    assert code == 2 and not (tmp_path / "r.sqlite").exists()


def tiny_imagenet_like(weights_dir=None):
    """A fixed random RGB network that wants 56×56 input, as the ImageNet networks want theirs."""
    from genbench.features.base import FeatureNetwork

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 5, stride=4), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten()).eval()
    head = torch.nn.Linear(8, 10).eval()

    def embed(x):
        assert x.shape[1:] == (3, 56, 56)  # upsampled and replicated to RGB before the network
        f = net(x)
        return {"features": f, "logits": head(f)}

    return FeatureNetwork("tiny-imagenet-like", "1" * 64, 8, "test network", embed, net, input_size=56)


def test_an_imagenet_network_gets_the_images_upsampled_and_says_so(tiny_set, quick_options, monkeypatch):
    from genbench.features import FEATURES

    monkeypatch.setitem(FEATURES._targets, "tiny-imagenet-like", tiny_imagenet_like)
    options = dataclasses.replace(quick_options, data_dir=tiny_set, features="tiny-imagenet-like")
    source = load_model("fashion-real-train", torch.device("cpu"), DataOptions(data_dir=tiny_set))
    scores = {s.metric: s for s in evaluate(TASKS.get("fashion/generation"), source, options)}
    assert scores["fid"].signature.features == "tiny-imagenet-like"
    assert scores["fid"].signature.preprocessing == "quantize-256-levels|upsample-bilinear-56-grey-to-rgb"
    assert scores["modes_covered"].signature.features == "fashion-cnn"  # classes still by the task's classifier
