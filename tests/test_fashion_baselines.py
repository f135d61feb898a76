"""The Fashion-MNIST baselines: the PixelCNN's cached sampler against its own full pass, causality
(what makes its log_prob exact), seeded sampling, and the shipped weights' capabilities."""

from __future__ import annotations

import pytest
import torch

from genbench.models.protocol import capabilities
from genbench_baselines.fashion_pixelcnn import FashionPixelCNN, PixelCNNConfig, _Stepper

SMALL = PixelCNNConfig(channels=8, blocks=2, sample_chunk=3)


def random_pixelcnn(seed: int = 0) -> FashionPixelCNN:
    torch.manual_seed(seed)
    model = FashionPixelCNN(SMALL).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.3)  # large enough that every tap matters
    return model


def grid_images(n: int, seed: int) -> torch.Tensor:
    return torch.randint(0, 256, (n, 1, 28, 28), generator=torch.Generator().manual_seed(seed)).float() / 255


@torch.no_grad()
def test_cached_stepper_gives_the_full_pass_logits_at_every_position():
    model, images = random_pixelcnn(), grid_images(2, 1)
    full = model(images)  # (2, 256, 28, 28)
    stepper = _Stepper(model, 2, images)
    worst = max((stepper.logits_at(r, c) - full[:, :, r, c]).abs().max().item() for r in range(28) for c in range(28))
    assert worst < 1e-4 * full.abs().max().item()


@torch.no_grad()
def test_logits_never_depend_on_the_pixel_itself_or_later_ones():
    model, images = random_pixelcnn(), grid_images(1, 2)
    row, col = 13, 9
    changed = images.clone()
    changed[0, 0, row, col:] = 1 - changed[0, 0, row, col:]
    changed[0, 0, row + 1:] = 1 - changed[0, 0, row + 1:]
    before, after = model(images)[0].flatten(1), model(changed)[0].flatten(1)  # (256, 784)
    p = row * 28 + col
    assert torch.equal(before[:, :p + 1], after[:, :p + 1])
    assert not torch.equal(before[:, p + 1:], after[:, p + 1:])


@torch.no_grad()
def test_log_prob_is_a_normalised_softmax_per_pixel():
    model, images = random_pixelcnn(), grid_images(3, 3)
    logp = model.log_prob(images)
    assert logp.shape == (3,) and (logp < 0).all()
    levels = (images * 255).round().long()
    expected = torch.log_softmax(model(images), 1).gather(1, levels).flatten(1).sum(1)
    torch.testing.assert_close(logp, expected)


@torch.no_grad()
def test_samples_come_only_from_the_generator_and_lie_on_the_8bit_grid():
    model = random_pixelcnn()
    torch.manual_seed(123)  # the global generator must not matter
    a = model.sample(5, torch.Generator().manual_seed(7))
    torch.manual_seed(456)
    b = model.sample(5, torch.Generator().manual_seed(7))
    assert a.shape == (5, 1, 28, 28) and torch.equal(a, b)
    assert torch.equal((a * 255).round() / 255, a.float().mul(255).round().div(255))
    assert not torch.equal(a, model.sample(5, torch.Generator().manual_seed(8)))


EXPECTED = {
    "fashion-pixelcnn": {"sample", "likelihood"},
    "fashion-vae": {"sample", "reconstruct"},
    "fashion-dcgan": {"sample"},
    "fashion-cgan": {"conditional"},
    "fashion-cvae": {"conditional"},
    "fashion-pixel-noise": {"sample", "likelihood"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shipped_fashion_baselines_load_and_offer_their_protocols(name):
    from genbench.models.sources import load_model

    source = load_model(name, torch.device("cpu"))
    assert capabilities(source.model) == EXPECTED[name]
    g = torch.Generator().manual_seed(0)
    out = (source.model.sample_labels(torch.tensor([0, 9]), g) if "conditional" in EXPECTED[name]
           else source.model.sample(2, g) if name != "fashion-pixelcnn" else None)
    if out is not None:
        assert out.shape == (2, 1, 28, 28) and 0 <= out.min() and out.max() <= 1
