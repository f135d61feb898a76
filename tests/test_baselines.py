"""The shipped baselines: loadable through the public API, reproducible, and between the brackets."""

from __future__ import annotations

import math

import pytest
import torch

from genbench.data.digits import LEVELS, load_digits
from genbench.models import capabilities
from genbench.models.sources import load_model
from genbench.runner import RunOptions, evaluate
from genbench.tasks import TASKS

from conftest import QUICK_COST

EXPECTED = {
    "real-train": {"sample", "conditional"},
    "pixelcnn": {"sample", "likelihood"},
    "cgan": {"conditional"},
    "cvae": {"conditional"},
    "vae": {"sample", "reconstruct"},
    "dcgan": {"sample"},
    "pixel-noise": {"sample", "likelihood"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_baseline_loads_with_its_capabilities_and_is_deterministic(name):
    model = load_model(name, torch.device("cpu")).model
    assert capabilities(model) == EXPECTED[name]
    labels = torch.tensor([0, 1, 2, 3, 7, 8, 9])
    if "sample" in EXPECTED[name]:
        a, b = (model.sample(7, torch.Generator().manual_seed(3)) for _ in range(2))
    else:
        a, b = (model.sample_labels(labels, torch.Generator().manual_seed(3)) for _ in range(2))
    assert a.shape == (7, 1, 8, 8) and torch.equal(a, b)
    assert 0 <= a.min() and a.max() <= 1


def test_pixel_noise_log_prob_is_its_own_sampling_distribution():
    """Exactness check: log_prob of one image equals the sum of its pixels' categorical log-probs,
    and each pixel's 17 probabilities sum to one."""
    model = load_model("pixel-noise", torch.device("cpu")).model
    probs = model.log_probs.exp()
    assert torch.allclose(probs.sum(1), torch.ones(64, dtype=probs.dtype))
    image = load_digits("test").images[:1]
    levels = (image * (LEVELS - 1)).round().long().flatten()
    expected = model.log_probs[torch.arange(64), levels].sum()
    assert model.log_prob(image)[0].item() == pytest.approx(expected.item(), rel=1e-6)


def test_pixelcnn_likelihood_is_normalised_on_the_last_pixel():
    """Summing p(x) over the 17 values of the last pixel (others fixed) gives p(x_<64)."""
    model = load_model("pixelcnn", torch.device("cpu")).model
    image = load_digits("test").images[:1].repeat(LEVELS, 1, 1, 1)
    image[:, 0, 7, 7] = torch.arange(LEVELS) / (LEVELS - 1)
    total = torch.logsumexp(model.log_prob(image), 0)
    logits = model.logits(image[:1])[0, :, 7, 7]
    prefix = model.log_prob(image[:1])[0] - torch.log_softmax(logits, 0)[round(image[0, 0, 7, 7].item() * 16)]
    assert total.item() == pytest.approx(prefix.item(), abs=1e-4)


@pytest.fixture(scope="module")
def suite_fids() -> dict[str, float]:
    task = TASKS.get("images/digits")
    options = RunOptions(seed=0, cost=QUICK_COST)
    out = {}
    for name in (n for n, caps in EXPECTED.items() if "sample" in caps):
        scores = evaluate(task, load_model(name, torch.device("cpu")), options)
        out[name] = next(s.value for s in scores if s.metric == "fid")
    return out


def test_the_three_families_land_between_the_brackets(suite_fids):
    ceiling, floor = suite_fids["real-train"], suite_fids["pixel-noise"]
    for family in ("pixelcnn", "vae", "dcgan"):
        assert ceiling < suite_fids[family] < floor, (family, suite_fids)
    assert all(math.isfinite(v) for v in suite_fids.values())


def test_the_vae_reconstructs_better_than_chance():
    task = TASKS.get("images/digits-recon")
    scores = {s.metric: s for s in evaluate(task, load_model("vae", torch.device("cpu")),
                                            RunOptions(cost=QUICK_COST))}
    assert scores["psnr"].value > 12 and scores["ssim"].value > 0.5
    assert scores["psnr"].items is not None and len(scores["psnr"].items) == 450


def test_train_reproduces_the_shipped_weights_bit_for_bit(tmp_path, cli):
    from genbench.weights import sha256_file
    from genbench_baselines.common import WEIGHTS_DIR

    assert cli("train", "pixel-noise", "--out", tmp_path) == 0
    assert sha256_file(tmp_path / "pixel-noise.safetensors") == sha256_file(WEIGHTS_DIR / "pixel-noise.safetensors")
    card = (tmp_path / "pixel-noise.md").read_text()
    assert "training time" in card and "machine" in card and "seed | 0" in card


def test_conditional_baselines_obey_their_labels_and_sit_below_the_ceiling():
    task = TASKS.get("images/digits-conditional")
    results = {}
    for name in ("real-train", "cgan", "cvae"):
        scores = evaluate(task, load_model(name, torch.device("cpu")), RunOptions(cost=QUICK_COST))
        results[name] = {s.metric: s.value for s in scores}
    for name in ("cgan", "cvae"):
        assert results[name]["conditional_accuracy"] > 0.9
        assert results["real-train"]["intra_fid_mean"] < results[name]["intra_fid_mean"]


def test_conditional_models_refuse_bad_labels():
    from genbench.errors import InputError

    model = load_model("cgan", torch.device("cpu")).model
    with pytest.raises(InputError, match="0…9"):
        model.sample_labels(torch.tensor([3, 12]), torch.Generator().manual_seed(0))
