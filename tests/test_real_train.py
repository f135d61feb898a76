"""The real-train ceiling draws without replacement across a whole request, however it is batched."""

from __future__ import annotations

import torch

from genbench.data.digits import load_digits
from genbench.models.sources import load_model

CPU = torch.device("cpu")


def train_indices(samples: torch.Tensor) -> list[int]:
    """Which train image each sample is (the 1,347 train images are pairwise distinct)."""
    train = load_digits("train").images.flatten(1)
    matches = (samples.flatten(1)[:, None, :] == train[None, :, :]).all(-1)  # (n, N)
    assert (matches.sum(1) == 1).all(), "every sample is exactly one train image"
    return matches.int().argmax(1).tolist()


def test_450_samples_in_3_batches_of_150_hold_450_distinct_train_images():
    model = load_model("real-train", CPU).model
    generator = torch.Generator().manual_seed(0)
    samples = torch.cat([model.sample(150, generator) for _ in range(3)])
    assert len(set(train_indices(samples))) == 450


def test_a_batched_request_draws_what_one_call_draws():
    model = load_model("real-train", CPU).model
    generator = torch.Generator().manual_seed(5)
    batched = torch.cat([model.sample(size, generator) for size in (100, 200, 150)])
    whole = model.sample(450, torch.Generator().manual_seed(5))
    assert torch.equal(batched, whole)
    assert not torch.equal(whole, model.sample(450, torch.Generator().manual_seed(6)))


def test_the_whole_split_is_drawn_once_before_any_image_repeats():
    model = load_model("real-train", CPU).model
    generator = torch.Generator().manual_seed(1)
    first = train_indices(torch.cat([model.sample(500, generator) for _ in range(3)])[:1347])
    assert sorted(first) == list(range(1347))


def test_conditional_requests_in_batches_hold_distinct_images_per_class():
    model = load_model("real-train", CPU).model
    labels = torch.arange(450) % 10  # 45 per class, as images/digits-conditional asks
    generator = torch.Generator().manual_seed(0)
    samples = torch.cat([model.sample_labels(labels[s:s + 150], generator) for s in range(0, 450, 150)])
    indices = train_indices(samples)
    assert len(set(indices)) == 450
    train_labels = load_digits("train").labels
    assert (train_labels[indices] == labels).all()
