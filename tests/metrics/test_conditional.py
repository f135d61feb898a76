"""Conditional metrics: pinned to the classifier's own accuracy and to chance."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from conftest import write_folder
from genbench.data.digits import load_digits, quantize
from genbench.features import load_features
from genbench.features.digits_net import accuracy
from genbench.metrics.conditional import correct_items
from genbench.tasks import TASKS


@pytest.fixture(scope="module")
def test_logits():
    test = load_digits("test")
    return test, load_features("digits-cnn")(quantize(test.images))["logits"].numpy()


def test_accuracy_of_real_images_with_true_labels_equals_the_classifiers(test_logits):
    test, logits = test_logits
    net = load_features("digits-cnn").embed
    expected = accuracy(net, quantize(test.images), test.labels)
    assert correct_items(logits, test.labels.numpy()).mean() == pytest.approx(expected, abs=1e-6)  # float32 mean
    assert expected > 0.97


def test_shuffled_labels_fall_to_about_chance(test_logits):
    test, logits = test_logits
    shuffled = np.random.default_rng(0).permutation(test.labels.numpy())
    assert 0.03 < correct_items(logits, shuffled).mean() < 0.2


def test_vendor_files_named_by_request_id(tmp_path, cli, capsys):
    task = TASKS.get("images/digits-conditional")
    ids, labels = task.requests()
    test = load_digits("test")
    generator = torch.Generator().manual_seed(0)
    picks = [torch.nonzero(test.labels == int(label)).flatten() for label in labels]
    images = torch.stack([test.images[p[torch.randint(len(p), (1,), generator=generator)]][0] for p in picks])
    folder = write_folder(tmp_path / "cond", images, ids=list(ids))
    store = tmp_path / "r.sqlite"
    assert cli("eval", "--task", "images/digits-conditional", "--samples", folder, "--name", "v",
               "--store", store, "--json", tmp_path / "o.json") == 0
    rows = {r["metric"]: r for r in json.loads((tmp_path / "o.json").read_text())}
    assert rows["conditional_accuracy"]["value"] > 0.97 and len(rows["conditional_accuracy"]["items"]) == 450
    assert rows["intra_fid_mean"]["value"] < rows["intra_fid_max"]["value"]

    (folder / "digit3-07.png").unlink()
    assert cli("eval", "--task", "images/digits-conditional", "--samples", folder, "--name", "v2",
               "--store", store) == 2
    assert "digit3-07.png" in " ".join(capsys.readouterr().err.split())


def test_an_unconditional_model_is_refused_by_name(tmp_path, cli, capsys):
    assert cli("run", "--suite", "conditional", "--no-baselines", "--model", "toy_models:noisy",
               "--store", tmp_path / "r.sqlite") == 0  # skipped, not failed: it cannot answer the task
    err = " ".join(capsys.readouterr().err.split())
    assert "skipped: toy_models:noisy on images/digits-conditional: no 'conditional' capability" in err


def test_per_class_coverage_equals_the_prdc_package_class_by_class():
    from prdc import compute_prdc

    from genbench.metrics.conditional import PerClass

    net = load_features("digits-cnn")
    test, train = load_digits("test"), load_digits("train")
    real = net(test.images)["features"].numpy()
    fake = net(train.images[:400])["features"].numpy()
    fake_labels = train.labels[:400].numpy()
    per_class = PerClass(real, test.labels.numpy(), fake, fake_labels, 10)
    ours = per_class.coverages(np.arange(400))
    for c in range(10):
        reference = compute_prdc(real[test.labels.numpy() == c], fake[fake_labels == c], nearest_k=5)["coverage"]
        assert ours[c] == pytest.approx(reference, abs=1e-12), c
