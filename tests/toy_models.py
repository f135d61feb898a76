"""Small models for tests, loaded through the same ``module:attr`` path a user's model takes."""

from __future__ import annotations

import torch

from genbench.data.digits import load_digits


class NoisySampler:
    """Test images plus Gaussian noise of a chosen size: a model whose quality we control."""

    def __init__(self, sigma: float = 0.2) -> None:
        self.sigma = sigma
        self.images = load_digits("train").images

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        idx = torch.randint(0, len(self.images), (n,), generator=generator)
        noise = torch.randn((n, 1, 8, 8), generator=generator) * self.sigma
        return (self.images[idx] + noise).clamp(0, 1)


class NanSampler(NoisySampler):
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        out = super().sample(n, generator)
        out[0, 0, 0, 0] = float("nan")
        return out


class WrongShapeSampler(NoisySampler):
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return torch.zeros(n, 3, 8, 8)


class NoCapability:
    pass


def noisy(device: torch.device) -> NoisySampler:
    return NoisySampler()


def nan_model(device: torch.device) -> NanSampler:
    return NanSampler()


def wrong_shape(device: torch.device) -> WrongShapeSampler:
    return WrongShapeSampler()


def nothing(device: torch.device) -> NoCapability:
    return NoCapability()


class CrashingSampler(NoisySampler):
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        raise RuntimeError("CUDA out of memory (simulated)")


def crashing(device: torch.device) -> CrashingSampler:
    return CrashingSampler()


def broken_loader(device: torch.device) -> NoisySampler:
    raise FileNotFoundError("my-weights.safetensors")


class EchoTranslator:
    """Returns each source unchanged, like the copy-source bracket, from outside genbench."""

    name = "echo"

    def translate(self, sources: list[str]) -> list[str]:
        return list(sources)


class ShortTranslator(EchoTranslator):
    def translate(self, sources: list[str]) -> list[str]:
        return list(sources)[:-1]


class NonStringTranslator(EchoTranslator):
    def translate(self, sources: list[str]) -> list[str]:
        return [None for _ in sources]  # type: ignore[misc]


class PositiveLogProb:
    tokenizer = "characters"

    def text_log_prob(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.ones(len(texts), dtype=torch.float64), torch.ones(len(texts), dtype=torch.int64)


echo = EchoTranslator()
short_translator = ShortTranslator()
non_string_translator = NonStringTranslator()
positive_log_prob = PositiveLogProb()


class FailsAtBatchOne(NoisySampler):
    """Samples fine at the task's batch size, fails at batch 1 (the latency calls of the cost step)."""

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        if n == 1:
            raise RuntimeError("single-item batches are not supported")
        return super().sample(n, generator)


def fails_at_batch_one(device: torch.device) -> FailsAtBatchOne:
    return FailsAtBatchOne()


# Hostile models: each must be refused by name before anything is stored.
def exits_in_load(device: torch.device) -> NoisySampler:
    import sys

    sys.exit(0)


class ShadowingSampler(NoisySampler):
    name = "pixelcnn"  # a shipped baseline's registered name


class MarkupSampler(NoisySampler):
    name = "[bold]vendor[/] [/]x[link=file:///etc]"


class UnprintableName:
    def __str__(self) -> str:
        raise RuntimeError("no name today")


class BadStrSampler(NoisySampler):
    name = UnprintableName()


class SurrogateSampler(NoisySampler):
    name = "model-\udcff"


class NewlineSampler(NoisySampler):
    name = "two\nlines"


def shadowing(device: torch.device) -> ShadowingSampler:
    return ShadowingSampler()


def markup_named(device: torch.device) -> MarkupSampler:
    return MarkupSampler()


def bad_str_name(device: torch.device) -> BadStrSampler:
    return BadStrSampler()


def surrogate_named(device: torch.device) -> SurrogateSampler:
    return SurrogateSampler()


def newline_named(device: torch.device) -> NewlineSampler:
    return NewlineSampler()


class LoaderGaveUp(BaseException):
    """Not an Exception: a handler for Exception lets it through."""


def base_exception_in_load(device: torch.device) -> NoisySampler:
    raise LoaderGaveUp("custom BaseException")
