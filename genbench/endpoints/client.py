"""An endpoint as a model: ``--model endpoint:NAME``. Chat endpoints answer ``translate`` (and, as
declared, ``sample_translations`` and ``text_log_prob``: genbench.endpoints.text_client); image
endpoints answer ``sample`` and ``sample_labels``. Each call's requests are resolved from the
response cache where it has them and sent through the transport otherwise; failed requests leave
their items out of the answer (``PartialOutputs``) and are counted."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import torch

from genbench.endpoints import requests as rq
from genbench.endpoints.attempts import AttemptLog
from genbench.endpoints.cache import ResponseCache, default_cache_dir
from genbench.endpoints.config import EndpointConfig
from genbench.endpoints.prompts import Template, template_for
from genbench.endpoints.transport import Outcome, Parse, Request, Transport, call_all
from genbench.errors import GenbenchError, InputError, UnavailableError
from genbench.models.protocol import PartialOutputs

log = logging.getLogger(__name__)
SAMPLED_METRICS = ("distinct_1", "distinct_2", "self_bleu")  # from sample_translations, at the task's temperature


class EndpointFailure(GenbenchError):
    """Too many of an endpoint's requests failed (or the deadline passed): the run stores nothing."""

    exit_code = 4


@dataclass(frozen=True)
class Record:
    """One request of the bound task: its outcome and how many items (images, sentences) it asked for."""

    outcome: Outcome
    items: int
    call: int  # which model call it belongs to (EndpointModel.walls gives that call's duration)


def api_key(config: EndpointConfig) -> str | None:
    if config.api_key_env is None:
        return None
    value = os.environ.get(config.api_key_env)
    if not value:
        raise InputError(f"Endpoint {config.name!r}: environment variable {config.api_key_env} is not set "
                         "(it holds the API key; genbench never stores or prints it).")
    return value


class EndpointModel:
    """What every endpoint shares: binding to a task, resolving requests, signing and cost scores."""

    deterministic = False  # a remote model is never assumed to reproduce its answers

    def __init__(self, config: EndpointConfig, label: str, cache: ResponseCache | None = None) -> None:
        self.config, self.name = config, label
        self._key = api_key(config)
        self.cache = cache if cache is not None or not config.cache else ResponseCache(
            config.cache_dir or default_cache_dir())
        self.records: list[Record] = []
        self.walls: list[float] = []  # each model call's duration
        self.task: Any = None
        self.template: Template | None = None
        self.seed = 0
        self.expected = 0  # items the bound task will ask for
        self.refused: str | None = None  # why the endpoint cannot answer the bound task at all
        self.deadline = time.monotonic() + config.deadline_s
        # Every attempt, beside the cache (kept even with cache = false): genbench.endpoints.attempts.
        self.attempts = AttemptLog(config.cache_dir or default_cache_dir())
        self.sessions: list[str] = []  # one per bound task, in order
        self._items: dict[str, int] = {}  # request key → its position among the bound task's requests

    # -- the runner's hooks (genbench.models.protocol.RemoteModel) --
    def bind(self, task: Any, seed: int, items: int) -> None:
        self.task, self.seed, self.records, self.walls, self.expected = task, seed, [], [], items
        self.refused = None
        self.template = template_for(task.protocol, self.config.template(task.name),
                                     f"Endpoint {self.config.name!r} on task {task.name}")
        self.deadline = time.monotonic() + self.config.deadline_s
        self.sessions.append(self.attempts.open_session(self.config.name, self.config.model, self.config.base_url,
                                                        task.name, seed))

    def link_run(self, run_id: str) -> None:
        """The stored run that this model's tasks belong to, for ``genbench attempts --run``."""
        self.attempts.link(self.sessions, run_id)

    def sign(self, score: Any) -> Any:
        sig = score.signature
        extra = {"prompt": self.template.digest[:12], "deterministic": "no", "request": self.request_label(score.metric)}
        settings = tuple(sorted({**dict(sig.settings), **extra}.items()))
        return replace(score, signature=replace(sig, settings=settings))

    def request_label(self, metric: str) -> str:
        """The parameters of the requests behind ``metric``'s score, for its signature."""
        config = self.config
        seed = "sent" if config.send_seed else "cache-key-only"
        if self.template.protocol == "text_likelihood":
            return "completions,echo,max_tokens=0,logprobs=0"
        if self.template.protocol != "translate":
            return (f"images,n<={config.images_per_request},size={config.image_size or 'task'},seed={seed},"
                    f"resize={'box' if config.resize_images else 'no'}")
        temperature = self.task.temperature if metric in SAMPLED_METRICS else 0
        per_sample = ",one-request-per-sample" if metric in SAMPLED_METRICS else ""
        return f"chat,temperature={temperature},max_tokens={config.max_tokens},seed={seed}{per_sample}"

    def remote_scores(self, ctx: Any, scorer: Any) -> list[Any]:
        from genbench.endpoints.metrics import run_scores

        self._report()
        return run_scores(self.records, self.walls, self.config, scorer, ctx.options.seed, self.template.protocol)

    # -- resolving requests --
    def resolve(self, requests: list[Request], items: list[int], parse: Parse,
                refusals: dict[str, str] | None = None) -> list[Outcome]:
        """Answers for ``requests`` in order: cached ones without sending, the rest sent once each.

        An outcome whose error class is in ``refusals`` says the endpoint cannot answer the task at
        all: UnavailableError with that reason (the task kind reports its scores unavailable)."""
        if self.template is None:
            raise GenbenchError(f"{self.name} was called outside a task (the runner binds it first).")
        start = time.monotonic()
        known: dict[str, dict[str, Any]] = {}
        if self.cache is not None:
            known = {r.key: a for r in requests if (a := self.cache.get(r.key)) is not None}
        missing = list({r.key: r for r in requests if r.key not in known}.values())
        first = len(self.records)
        self._items = {}
        for i, r in enumerate(requests):
            self._items.setdefault(r.key, first + i)
        try:
            sent = asyncio.run(self._send(missing, parse)) if missing else []
        finally:
            self.attempts.flush()
            if self.cache is not None:
                self.cache.flush()  # what was answered is kept, even when the call is interrupted
        by_key = {o.request.key: o for o in sent}
        self.walls.append(time.monotonic() - start)
        outcomes = []
        for request, n in zip(requests, items):
            outcome = by_key.get(request.key) or Outcome(request, answer=known[request.key], cached=True,
                                                          usage=known[request.key].get("usage", {}))
            outcomes.append(outcome)
            self.records.append(Record(outcome, n, len(self.walls) - 1))
        refused = next((o.error for o in outcomes if refusals and o.error in refusals), None)
        if refused is not None:
            self.refused = f"endpoint {self.config.name!r} cannot score {self.task.name}: {refusals[refused]}"
            self._report()
            raise UnavailableError(f"{self.refused} (error class {refused}).")
        lost = sum(r.items for r in self.records if not r.outcome.ok)
        if lost > self.config.max_failure_rate * max(self.expected, 1):  # no need to wait for the rest
            self._report()
        if outcomes and not any(o.ok for o in outcomes):  # whatever the threshold: nothing to score
            self._report()
            errors = Counter(o.error for o in outcomes)
            raise EndpointFailure(f"{self.name} on {self.task.name}: none of the {len(outcomes)} requests of a call "
                                  f"was answered (final errors: {dict(sorted(errors.items()))}); nothing was stored.")
        return outcomes

    async def _send(self, requests: list[Request], parse: Parse) -> list[Outcome]:
        async with Transport(self.config, self._key) as transport:
            return await call_all(transport, requests, parse, self.deadline, done=self._remember)

    def _remember(self, outcome: Outcome) -> None:
        """Attempts into the log and answers into the cache as they arrive (this process's one writer
        of each); errors are logged, never cached."""
        if outcome.attempts:
            self.attempts.record(self.sessions[-1], self._items[outcome.request.key], outcome.request.key,
                                 outcome.attempts)
        if self.cache is None or not outcome.ok:
            return
        answer = dict(outcome.answer)
        if "images" in answer:
            answer["images"] = [self.cache.put_image(blob) for blob in answer["images"]]
            outcome.answer = answer
        self.cache.put(outcome.request.key, {**answer, "usage": outcome.usage})

    def image_bytes(self, ref: bytes | str) -> bytes:
        return ref if isinstance(ref, bytes) else self.cache.read_image(ref)

    def _report(self) -> None:
        failed = [r for r in self.records if not r.outcome.ok]
        faults = Counter(a.error for r in self.records for a in r.outcome.attempts if a.error)
        sent = sum(1 for r in self.records if not r.outcome.cached)
        total = sum(r.items for r in self.records)
        lost = sum(r.items for r in failed)
        line = (f"{self.name} on {self.task.name}: {total} items in {len(self.records)} requests "
                f"({sent} sent, {len(self.records) - sent} from the cache), {lost} item(s) failed; "
                f"faulty attempts: {dict(sorted(faults.items())) or 'none'} (each attempt: `genbench attempts "
                f"--dir {self.attempts.path.parent} --session {self.sessions[-1]}`)")
        (log.warning if lost else log.info)(line)
        if self.refused is None and lost > self.config.max_failure_rate * max(self.expected, total, 1):
            final = Counter(r.outcome.error for r in failed)
            rate = lost / max(self.expected, total, 1)
            raise EndpointFailure(f"{line}. Failure rate {rate:.1%} of the task's {max(self.expected, total)} items "
                                  f"is above the endpoint's max_failure_rate "
                                  f"{self.config.max_failure_rate:.1%} (final errors: {dict(sorted(final.items()))}); "
                                  "nothing was stored.")


class ChatEndpoint(EndpointModel):
    """Text through /v1/chat/completions: one request per source sentence, temperature 0."""

    def translate(self, sources: list[str]) -> list[str] | PartialOutputs:
        requests = [rq.chat_request(self.config, self.template, s, self.seed) for s in sources]
        outcomes = self.resolve(requests, [1] * len(requests), rq.parse_chat)
        kept = [i for i, o in enumerate(outcomes) if o.ok]
        texts = [outcomes[i].answer["text"] for i in kept]
        return texts if len(kept) == len(sources) else PartialOutputs(texts, kept)


class ImageEndpoint(EndpointModel):
    """Images through /v1/images/generations (b64_json): unconditional from a fixed prompt, conditional
    from the class name; up to ``images_per_request`` images per request."""

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor | PartialOutputs:
        return self._images([None] * n, generator)

    def sample_labels(self, labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor | PartialOutputs:
        return self._images([str(int(c)) for c in labels], generator)

    def _images(self, values: list[str | None], generator: torch.Generator) -> torch.Tensor | PartialOutputs:
        shape = tuple(self.task.image_shape)
        size = f"{shape[2]}x{shape[1]}"
        groups = _groups(values, self.config.images_per_request)
        # One seed per request, drawn from the task's generator: the same run seed asks the same questions.
        seeds = torch.randint(0, 2**31 - 1, (len(groups),), generator=generator).tolist()
        requests = [rq.image_request(self.config, self.template, values[start], length, seed, size)
                    for (start, length), seed in zip(groups, seeds)]
        outcomes = self.resolve(requests, [length for _, length in groups],
                                rq.image_parser(shape, self.config.resize_images))
        kept: list[int] = []
        images: list[torch.Tensor] = []
        for (start, length), outcome in zip(groups, outcomes):
            if outcome.ok:
                kept += range(start, start + length)
                images += [rq.decode_image(self.image_bytes(ref), shape, self.config.resize_images)
                           for ref in outcome.answer["images"]]
        batch = torch.stack(images) if images else torch.zeros((0, *shape))
        return batch if len(kept) == len(values) else PartialOutputs(batch, kept)


def _groups(values: list[str | None], per_request: int) -> list[tuple[int, int]]:
    """(start, length) of runs of equal values, each at most ``per_request`` long."""
    groups: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start] or i - start == per_request:
            groups.append((start, i - start))
            start = i
    return groups
