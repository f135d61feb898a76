"""Capabilities a model may offer. A task asks only for the ones its protocol needs.

Images are float tensors (N, C, H, W) with values in [0, 1]; the task snaps them to its
intensity grid before scoring, exactly as it does for a vendor's PNG files. Randomness comes
only from the ``torch.Generator`` the task passes, so the same seed gives the same samples.
Loaders registered under the ``genbench.models`` entry-point group are called as
``load(device: torch.device)`` and return an object with one or more of these methods.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import torch


@runtime_checkable
class Sampler(Protocol):
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """Draw ``n`` images (n, C, H, W) in [0, 1]; ``generator`` is a CPU generator."""
        ...


@runtime_checkable
class ConditionalSampler(Protocol):
    def sample_labels(self, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """One image (n, C, H, W) in [0, 1] per requested class label (n,) int64 on the CPU."""
        ...


@runtime_checkable
class Reconstructor(Protocol):
    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        """Encode and decode ``images``; returns a tensor of the same shape in [0, 1]."""
        ...


@runtime_checkable
class Stylizer(Protocol):
    def stylize(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """Render each content image (n, 3, H, W) in [0, 1] in the style of its paired style image."""
        ...


@runtime_checkable
class LikelihoodModel(Protocol):
    def log_prob(self, images: torch.Tensor) -> torch.Tensor:
        """Exact natural-log probability (n,) of each image on the task's discrete intensity grid."""
        ...


@runtime_checkable
class Translator(Protocol):
    def translate(self, sources: list[str]) -> list[str]:
        """One translation per source sentence, in order: the model's own deterministic decoding."""
        ...


@runtime_checkable
class TextSampler(Protocol):
    def sample_translations(self, sources: list[str], temperature: float, generator: torch.Generator) -> list[str]:
        """One translation per source, sampled at ``temperature``; randomness only from ``generator`` (CPU)."""
        ...


@runtime_checkable
class TextLikelihoodModel(Protocol):
    def text_log_prob(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Natural-log probability (n,) of each text, its end-of-text included, and the number of
        tokens (n,) the model's own tokenizer scored for it (the end-of-text token included).

        A model names its tokenizer in a ``tokenizer`` attribute (per-token perplexities are only
        comparable between models that share one)."""
        ...


@runtime_checkable
class TokenLikelihoodModel(Protocol):
    def text_token_log_probs(self, texts: list[str]) -> list[tuple[list[int], torch.Tensor]]:
        """Per text, each scored token's start (a character offset into the text; the end-of-text
        token last, at ``len(text)``) and its natural-log probability (float64); the log-probabilities
        sum to what ``text_log_prob`` gives. What ``genbench serve`` answers ``/v1/completions`` from."""
        ...


CAPABILITIES = {"sample": Sampler, "conditional": ConditionalSampler, "reconstruct": Reconstructor,
                "stylize": Stylizer, "likelihood": LikelihoodModel, "translate": Translator,
                "sample_text": TextSampler, "text_likelihood": TextLikelihoodModel,
                "text_tokens": TokenLikelihoodModel}


def capabilities(model: Any) -> frozenset[str]:
    return frozenset(name for name, proto in CAPABILITIES.items() if isinstance(model, proto))


class PartialOutputs:
    """What a model behind a network returns when some requests of a call failed after their
    retries: the outputs of the answered positions only, in order. Task kinds score the answered
    items and N says how many there were; the model counts and reports the failed ones."""

    def __init__(self, outputs: Any, answered: list[int]) -> None:
        self.outputs, self.answered = outputs, list(answered)


def answered(out: Any, n: int) -> tuple[Any, list[int]]:
    """(outputs, the positions among ``n`` they answer): all of them unless ``out`` is partial."""
    if isinstance(out, PartialOutputs):
        return out.outputs, out.answered
    return out, list(range(n))


@runtime_checkable
class RemoteModel(Protocol):
    """A model behind a network API. It is not deterministic; the runner tells it which task it
    answers (its prompt template depends on it), it signs every score of that task (template and
    determinism), and it reports its own cost from the requests it sent instead of timed calls."""

    def bind(self, task: Any, seed: int, items: int) -> None: ...

    def sign(self, score: Any) -> Any: ...

    def remote_scores(self, ctx: Any, scorer: Any) -> list[Any]: ...

    def link_run(self, run_id: str) -> None:
        """The stored run its scores went into: its record of every request attempt points there."""
        ...
