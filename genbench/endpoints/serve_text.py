"""What ``genbench serve`` needs for text beyond greedy chat: ``/v1/completions`` with ``echo`` and
``logprobs`` (text likelihood, from a model's ``text_token_log_probs``), and sampled chat answers
at a requested temperature (from ``sample_translations``).

A completions prompt is read with the text likelihood template's markers
(``<|endoftext|>TEXT<|endoftext|>``): the model scores TEXT with its own start and end-of-text,
so the answer gives the start marker no log-probability (as OpenAI's API gives the first token
none) and the end marker the model's end-of-text log-probability. Only the chosen tokens'
log-probabilities are known, so ``logprobs`` above 0 (alternatives) is refused, not invented.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

from genbench.endpoints.prompts import template_for

LIKELIHOOD = template_for("text_likelihood", None, "genbench serve")


class BadCompletion(Exception):
    """A completions request this server cannot answer truthfully (a 400)."""


def completion_texts(body: dict[str, Any]) -> list[str]:
    """The texts a completions request asks to score, after checking it asks for exactly that."""
    prompt = body.get("prompt")
    prompts = [prompt] if isinstance(prompt, str) else prompt
    if not isinstance(prompts, list) or not prompts or not all(isinstance(p, str) for p in prompts):
        raise BadCompletion("prompt must be text or a non-empty list of texts")
    if body.get("echo") is not True or body.get("max_tokens") != 0:
        raise BadCompletion("this server scores prompts only: send echo: true and max_tokens: 0")
    logprobs = body.get("logprobs")
    if isinstance(logprobs, bool) or logprobs != 0:
        raise BadCompletion("send logprobs: 0; this server knows the chosen tokens' log-probabilities, "
                            "not the alternatives that logprobs above 0 asks for")
    head, tail = LIKELIHOOD.around
    texts = [LIKELIHOOD.parse(p) for p in prompts]
    if any(t is None for t in texts):
        raise BadCompletion(f"each prompt must be {head}TEXT{tail}: the model scores a text with its own "
                            "start and end-of-text")
    return texts


def completion_choice(index: int, text: str, starts: Sequence[int], log_probs: torch.Tensor) -> dict[str, Any]:
    """One echoed prompt with its tokens, their offsets and log-probabilities (OpenAI's ``logprobs``)."""
    head, tail = LIKELIHOOD.around
    values = log_probs.double().tolist()
    if len(starts) != len(values) or not starts or starts[-1] != len(text):
        raise RuntimeError(f"the model scored text {index} with {len(values)} log-probabilities at "
                           f"{len(starts)} offsets, the end-of-text not last at {len(text)}")
    pieces = [text[a:b] for a, b in zip(starts[:-1], starts[1:])]
    return {"index": index, "text": head + text + tail, "finish_reason": "length",
            "logprobs": {"tokens": [head, *pieces, tail],
                         "token_logprobs": [None, *values],
                         "top_logprobs": None,
                         "text_offset": [0, *(len(head) + s for s in starts)]}}


def sample_groups(model: Any, items: list[tuple[str, float, int]]) -> list[str]:
    """Items are (source, temperature, seed); one ``sample_translations`` call per temperature, its
    generator seeded from the group's seeds (a lone request: from its own seed alone)."""
    out: list[str | None] = [None] * len(items)
    for temperature in sorted({t for _, t, _ in items}):
        positions = [i for i, (_, t, _) in enumerate(items) if t == temperature]
        generator = torch.Generator().manual_seed(hash(tuple(items[i][2] for i in positions)) % 2**63)
        answers = model.sample_translations([items[i][0] for i in positions], temperature, generator)
        for i, answer in zip(positions, answers):
            out[i] = answer
    return out
