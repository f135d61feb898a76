"""What a chat endpoint may offer beyond translation, each switched on in its declaration:

- ``sample_diversity = true``: ``sample_translations`` — one chat request per sample at the task's
  temperature, each with its own seed drawn from the task's generator (sent as ``seed``, and in
  the cache key even when ``send_seed = false``), so the samples of one source are distinct
  requests and a rerun asks the very same ones.
- ``likelihood = true``: ``text_log_prob`` — ``/v1/completions`` with the text between the
  template's markers, ``echo: true``, ``max_tokens: 0``, ``logprobs: 0``; the text's
  log-probability is the sum over its tokens and the end marker, its token count theirs. An
  endpoint whose answers carry no usable log-probabilities makes the task's likelihood scores
  unavailable, with the reason (genbench.endpoints.requests.LIKELIHOOD_REFUSALS).
"""

from __future__ import annotations

import torch

from genbench.endpoints import requests as rq
from genbench.endpoints.client import ChatEndpoint, EndpointModel
from genbench.endpoints.config import EndpointConfig
from genbench.models.protocol import PartialOutputs


class TextSampling:
    def sample_translations(self: EndpointModel, sources: list[str], temperature: float,
                            generator: torch.Generator) -> list[str] | PartialOutputs:
        seeds = torch.randint(0, 2**31 - 1, (len(sources),), generator=generator).tolist()
        requests = [rq.chat_request(self.config, self.template, s, seed, float(temperature))
                    for s, seed in zip(sources, seeds)]
        outcomes = self.resolve(requests, [1] * len(requests), rq.parse_chat)
        kept = [i for i, o in enumerate(outcomes) if o.ok]
        texts = [outcomes[i].answer["text"] for i in kept]
        return texts if len(kept) == len(sources) else PartialOutputs(texts, kept)


class TextScoring:
    @property
    def tokenizer(self: EndpointModel) -> str:
        """Per-token perplexity is comparable only within one tokenizer: the declared one, else the endpoint's."""
        return self.config.tokenizer or f"endpoint:{self.config.name}:{self.config.model}"

    def text_log_prob(self: EndpointModel, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor] | PartialOutputs:
        requests = [rq.completion_request(self.config, self.template, t) for t in texts]
        outcomes = self.resolve(requests, [1] * len(requests), rq.completion_parser(self.template),
                                refusals=rq.LIKELIHOOD_REFUSALS)
        kept = [i for i, o in enumerate(outcomes) if o.ok]
        out = (torch.tensor([outcomes[i].answer["log_prob"] for i in kept], dtype=torch.float64),
               torch.tensor([outcomes[i].answer["n_tokens"] for i in kept], dtype=torch.int64))
        return out if len(kept) == len(texts) else PartialOutputs(out, kept)


def chat_endpoint_class(config: EndpointConfig) -> type[ChatEndpoint]:
    """ChatEndpoint with what the declaration switches on (capabilities are the methods a model has)."""
    extras = tuple(mixin for mixin, on in ((TextSampling, config.sample_diversity), (TextScoring, config.likelihood))
                   if on)
    return type("ChatEndpoint", (*extras, ChatEndpoint), {}) if extras else ChatEndpoint
