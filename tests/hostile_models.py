"""Hostile models, one per (call, fault): each answers one task kind's call badly, always or only
at batch size 1 (the latency calls of the cost step). Loaded as ``hostile_models:<call>__<fault>``
(or ``…__<fault>__at_1``), through the same ``module:attr`` path a user's model takes.

Every fault must be refused with the model and the call named, exit 2 and the store as it was;
``keyboard-interrupt`` must stop the run with exit 130, nothing stored.
"""

from __future__ import annotations

import sys
from typing import Callable

import torch

Output = Callable[..., object]


class ModelGaveUp(BaseException):
    """Not an Exception: a handler for Exception lets it through."""


class Unprintable(RuntimeError):
    def __str__(self) -> str:
        raise ValueError("no message today")


class UnprintableBase(BaseException):
    def __str__(self) -> str:
        raise ValueError("no message today")


class Poisoned(torch.Tensor):
    """A tensor subclass whose every torch operation raises."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        raise RuntimeError(f"poisoned tensor: {getattr(func, '__name__', func)}")


class PoisonedText(str):
    """A string whose methods raise: only its characters may reach the metrics."""

    def split(self, *args, **kwargs):
        raise RuntimeError("poisoned text")

    def __len__(self) -> int:
        raise RuntimeError("poisoned text")


def _recurse() -> object:
    return _recurse()


def _raise(exc: BaseException) -> Callable[[object], object]:
    def fault(good: object) -> object:
        raise exc
    return fault


RAISES: dict[str, Callable[[object], object]] = {
    "base-exception": _raise(ModelGaveUp("custom BaseException")),
    "system-exit-0": lambda good: sys.exit(0),
    "system-exit-1": lambda good: sys.exit(1),
    "system-exit-text": lambda good: sys.exit("giving up"),
    "generator-exit": _raise(GeneratorExit()),
    "keyboard-interrupt": _raise(KeyboardInterrupt()),
    "unprintable-exception": _raise(Unprintable()),
    "unprintable-base-exception": _raise(UnprintableBase()),
    "recursion": lambda good: _recurse(),
    "memory-error": _raise(MemoryError()),
    "stop-iteration": _raise(StopIteration()),
    "surrogate-message": _raise(RuntimeError("bad \udcff byte")),
    "markup-message": _raise(RuntimeError("[bold]x[/] [/]")),
}
IMAGES: dict[str, Callable[[torch.Tensor], object]] = {
    "meta": lambda good: good.to("meta"),
    "none": lambda good: None,
    "numpy": lambda good: good.numpy(),
    "list": lambda good: list(good),
    "text": lambda good: "images",
    "generator": lambda good: iter(good),
    "uint8": lambda good: (good * 255).to(torch.uint8),
    "int64": lambda good: good.round().to(torch.int64),
    "bool": lambda good: good > 0.5,
    "complex": lambda good: good.to(torch.complex64),
    "quantized": lambda good: torch.quantize_per_tensor(good, 0.01, 0, torch.quint8),
    "sparse": lambda good: good.to_sparse(),
    "nan": lambda good: good.index_fill(0, torch.tensor([0]), float("nan")),
    "inf": lambda good: good.index_fill(0, torch.tensor([0]), float("inf")),
    "minus-inf": lambda good: good.index_fill(0, torch.tensor([0]), float("-inf")),
    "above-one": lambda good: good + 2,
    "below-zero": lambda good: good - 2,
    "extra-dim": lambda good: good.unsqueeze(0),
    "channels-last": lambda good: good.permute(0, 2, 3, 1),
    "one-short": lambda good: good[1:],
    "one-more": lambda good: torch.cat([good, good[:1]]),
    "scalar": lambda good: torch.tensor(0.5),
    "empty": lambda good: good[:0],
    "poisoned-subclass": lambda good: good.as_subclass(Poisoned),
}
TEXTS: dict[str, Callable[[list[str]], object]] = {
    "none": lambda good: None,
    "text": lambda good: " ".join(good),
    "list-of-none": lambda good: [None] * len(good),
    "one-short": lambda good: good[1:],
    "one-more": lambda good: good + good[:1],
    "bytes": lambda good: [t.encode() for t in good],
    "tensor": lambda good: torch.zeros(len(good)),
    "generator": lambda good: iter(good),
    "dict": lambda good: dict(enumerate(good)),
    "surrogate": lambda good: ["bad \udcff"] + good[1:],
}
LOG_PROBS: dict[str, Callable[[tuple[torch.Tensor, torch.Tensor]], object]] = {
    "none": lambda good: None,
    "one-tensor": lambda good: good[0],
    "three-tensors": lambda good: (*good, good[1]),
    "lists": lambda good: (good[0].tolist(), good[1].tolist()),
    "numpy": lambda good: (good[0].numpy(), good[1].numpy()),
    "meta": lambda good: (good[0].to("meta"), good[1].to("meta")),
    "nan": lambda good: (good[0].index_fill(0, torch.tensor([0]), float("nan")), good[1]),
    "positive": lambda good: (-good[0], good[1]),
    "one-short": lambda good: (good[0][1:], good[1][1:]),
    "zero-tokens": lambda good: (good[0], good[1] * 0),
    "fractional-tokens": lambda good: (good[0], good[1] + 0.5),
    "bool-tokens": lambda good: (good[0], good[1] > 0),
    "complex": lambda good: (good[0].to(torch.complex128), good[1]),
    "poisoned-subclass": lambda good: (good[0].as_subclass(Poisoned), good[1]),
}
IMAGE_LOG_PROB: dict[str, Callable[[torch.Tensor], object]] = {
    "none": lambda good: None, "meta": lambda good: good.to("meta"), "positive": lambda good: -good,
    "nan": lambda good: good.index_fill(0, torch.tensor([0]), float("nan")), "one-short": lambda good: good[1:],
}
EXTRA_TEXTS = {"poisoned-str": lambda good: [PoisonedText(t) for t in good]}  # accepted: a str is a str


class Sampler:
    """Good answers to every call; ``fault`` spoils the one named ``call`` (only at batch 1 if ``at_one``)."""

    tokenizer = "characters"

    def __init__(self, call: str, fault: Callable[[object], object], at_one: bool) -> None:
        self.call, self.fault, self.at_one = call, fault, at_one
        self.name = f"hostile-{call}"

    def _answer(self, call: str, size: int, good: object) -> object:
        if call == self.call and (size == 1 or not self.at_one):
            return self.fault(good)
        return good

    def sample(self, n: int, generator: torch.Generator) -> object:
        return self._answer("sample", n, torch.rand((n, 1, 8, 8), generator=generator))

    def sample_labels(self, labels: torch.Tensor, generator: torch.Generator) -> object:
        return self._answer("sample_labels", len(labels), torch.rand((len(labels), 1, 8, 8), generator=generator))

    def reconstruct(self, images: torch.Tensor) -> object:
        return self._answer("reconstruct", len(images), images.clone())

    def stylize(self, content: torch.Tensor, style: torch.Tensor) -> object:
        return self._answer("stylize", len(content), content.clone())

    def log_prob(self, images: torch.Tensor) -> object:
        return self._answer("log_prob", len(images), torch.full((len(images),), -40.0))

    def translate(self, sources: list[str]) -> object:
        return self._answer("translate", len(sources), list(sources))

    def sample_translations(self, sources: list[str], temperature: float, generator: torch.Generator) -> object:
        return self._answer("sample_translations", len(sources), list(sources))

    def text_log_prob(self, texts: list[str]) -> object:
        good = (torch.tensor([-2.0 * (len(t) + 1) for t in texts], dtype=torch.float64),
                torch.tensor([len(t) + 1 for t in texts]))
        return self._answer("text_log_prob", len(texts), good)


# Each call and the methods a model answering it offers (a model offers only what its task asks, so
# that one run exercises one task kind); the suite that runs it.
CALLS: dict[str, tuple[tuple[str, ...], str]] = {
    "sample": (("sample",), "images"),
    "sample_labels": (("sample_labels",), "conditional"),
    "reconstruct": (("reconstruct",), "images"),
    "stylize": (("stylize",), "style"),
    "log_prob": (("sample", "log_prob"), "images"),
    "translate": (("translate",), "text"),
    "sample_translations": (("translate", "sample_translations"), "text"),
    "text_log_prob": (("text_log_prob",), "text"),
}
OUTPUT_FAULTS = {"sample": IMAGES, "sample_labels": IMAGES, "reconstruct": IMAGES, "stylize": IMAGES,
                 "log_prob": IMAGE_LOG_PROB, "translate": {**TEXTS, **EXTRA_TEXTS}, "sample_translations": TEXTS,
                 "text_log_prob": LOG_PROBS}


def model_class(methods: tuple[str, ...]) -> type:
    """A Sampler subclass that offers only ``methods`` (capabilities are read from the methods present)."""
    hidden = {m: None for m in ("sample", "sample_labels", "reconstruct", "stylize", "log_prob", "translate",
                                "sample_translations", "text_log_prob") if m not in methods}
    return type("Hostile_" + "_".join(methods), (Sampler,), hidden)


def make(call: str, fault: str, at_one: bool = False) -> Sampler:
    methods, _ = CALLS[call]
    action = RAISES.get(fault) or OUTPUT_FAULTS[call][fault]
    return model_class(methods)(call, action, at_one)


def spec(call: str, fault: str, at_one: bool = False) -> str:
    return f"hostile_models:{call}__{fault.replace('-', '_')}" + ("__at_1" if at_one else "")


def __getattr__(name: str) -> Callable[[torch.device], Sampler]:
    """``<call>__<fault>[__at_1]`` → a loader of that hostile model."""
    call, _, rest = name.partition("__")
    fault, _, at_one = rest.partition("__")
    if call not in CALLS or not fault:
        raise AttributeError(name)
    return lambda device: make(call, fault.replace("_", "-"), at_one == "at_1")


# Hostile loaders and model objects: faults outside the task's own call.
def load_exits_1(device: torch.device) -> Sampler:
    sys.exit(1)


def load_interrupted(device: torch.device) -> Sampler:
    raise KeyboardInterrupt


def load_unprintable(device: torch.device) -> Sampler:
    raise UnprintableBase()


def load_generator_exit(device: torch.device) -> Sampler:
    raise GeneratorExit


class ExitingProbe:
    """Reading any attribute (as the capability check does) calls sys.exit(0)."""

    def __getattr__(self, name: str) -> object:
        sys.exit(0)


class ExitingName(Sampler):
    @property
    def name(self) -> str:
        raise ModelGaveUp("no name")

    @name.setter
    def name(self, value: str) -> None:
        pass


class ExitingParameters(torch.nn.Module):
    """Samples well; counting its parameters (the cost step) raises a BaseException."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(1))

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return torch.rand((n, 1, 8, 8), generator=generator)

    def parameters(self, recurse: bool = True):
        raise ModelGaveUp("parameters withheld")


class ExitingTokenizer(Sampler):
    @property
    def tokenizer(self) -> str:
        sys.exit(0)


def probe_exits(device: torch.device) -> ExitingProbe:
    return ExitingProbe()


def well_behaved(base: type, methods: tuple[str, ...]) -> Sampler:
    """An instance of ``base`` offering only ``methods``, each answered well."""
    return type(base.__name__, (base, model_class(methods)), {})("none", lambda good: good, False)


def name_raises(device: torch.device) -> Sampler:
    return well_behaved(ExitingName, ("sample",))


def parameters_raise(device: torch.device) -> ExitingParameters:
    return ExitingParameters()


def tokenizer_exits(device: torch.device) -> Sampler:
    return well_behaved(ExitingTokenizer, ("text_log_prob",))
