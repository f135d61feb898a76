"""What several baselines share: the training data, seeded minibatches, shipped-weights loading
and the facts every model card reports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import torch

from genbench.data.digits import LEVELS, load_digits
from genbench.errors import InputError
from genbench.metrics.likelihood import bits_per_dim
from genbench.weights import load_module

WEIGHTS_DIR = Path(__file__).parent / "weights"


def train_images() -> torch.Tensor:
    """The train split's images (1347, 1, 8, 8) on the 17-level grid in [0, 1]. Never the test split."""
    return load_digits("train").images


def data_fact(images: torch.Tensor) -> str:
    return f"digits/train, {len(images):,} images"


def to_levels(images: torch.Tensor) -> torch.Tensor:
    """[0, 1] intensities → integer levels 0…16, same shape, int64."""
    return (images.clamp(0, 1) * (LEVELS - 1)).round().long()


def minibatches(images: torch.Tensor, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
    """One epoch of shuffled minibatches; the order comes only from ``generator`` (a CPU generator).
    The last, smaller batch is kept so every image is seen once per epoch."""
    order = torch.randperm(len(images), generator=generator)
    for start in range(0, len(images), batch_size):
        yield images[order[start : start + batch_size]]


def count_parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def mean_bits_per_dim(log_prob: torch.Tensor, dims: int) -> float:
    """Mean bits per pixel from natural-log probabilities (n,), as the images task reports it."""
    return float(bits_per_dim(log_prob, dims).mean())


def card_facts(
    module: torch.nn.Module, data: str, epochs: int, batch_size: int | str, optimiser: str
) -> dict[str, str]:
    """The facts every trained baseline's model card starts with; ``data`` names the training data
    (``data_fact(images)`` for the digits baselines)."""
    return {
        "parameters": f"{count_parameters(module):,}",
        "data": data,
        "epochs": str(epochs),
        "batch size": str(batch_size),
        "optimiser": optimiser,
    }


def load_shipped(module: torch.nn.Module, weights_name: str, device: torch.device) -> torch.nn.Module:
    """Load ``weights/<weights_name>`` into ``module``, move it to ``device`` and set eval mode."""
    load_module(module, WEIGHTS_DIR / weights_name)
    return module.to(device).eval()


def fit(model: torch.nn.Module, images: torch.Tensor, loss_fn: Callable[[torch.Tensor], torch.Tensor],
        epochs: int, batch_size: int, generator: torch.Generator, opt: torch.optim.Optimizer,
        sched: torch.optim.lr_scheduler.LRScheduler) -> list[float]:
    """Minibatch gradient descent on ``loss_fn(batch)`` (a scalar per batch), the scheduler stepped
    per batch; returns each epoch's mean loss per image."""
    history = []
    for _ in range(epochs):
        model.train()
        total = 0.0
        for batch in minibatches(images, batch_size, generator):
            loss = loss_fn(batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(batch)
        history.append(total / len(images))
    model.eval()
    return history


N_CLASSES = 10  # digit classes the conditional baselines are asked for


def check_labels(labels: torch.Tensor) -> torch.Tensor:
    """Requested labels as a (n,) int64 tensor on the CPU; anything else names itself."""
    if labels.dim() != 1 or labels.dtype != torch.int64:
        raise InputError(f"`labels` must be a 1-D int64 tensor, but got dtype {labels.dtype} and shape "
                         f"{tuple(labels.shape)}; pass e.g. torch.tensor([3, 7], dtype=torch.int64).")
    if len(labels) and (labels.min() < 0 or labels.max() >= N_CLASSES):
        raise InputError(f"`labels` must lie in 0…{N_CLASSES - 1}, but got values from "
                         f"{int(labels.min())} to {int(labels.max())}.")
    return labels.cpu()
