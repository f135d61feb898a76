"""Text likelihood: ``text_log_prob(texts)`` on the references of the task's data: bits per
character (comparable across tokenizers) and perplexity per own token (comparable only within one).

A remote model may leave failed requests out (N is then the texts answered) or say that it cannot
score likelihood at all (UnavailableError): both scores are then unavailable with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from genbench.errors import InputError, UnavailableError
from genbench.kinds.base import TaskKind
from genbench.metrics import text
from genbench.metrics.intervals import Estimate, mean_with_interval
from genbench.models.protocol import answered
from genbench.score import Score
from genbench.scoring.context import Context
from genbench.scoring.scorer import Scorer
from genbench.validate import check_label
from genbench.scoring.outputs import call_model, check_tensor, unreadable_as_error


@dataclass(frozen=True)
class LogProbs:
    start: int
    log_prob: np.ndarray  # (n,) natural log, float64
    n_tokens: np.ndarray  # (n,) int64
    chars: np.ndarray  # (n,) characters scored, the verse end counted as one
    unavailable: str | None = None  # the model cannot score likelihood: why (the arrays are then empty)


class LogProbState:
    def __init__(self) -> None:
        self.parts: list[LogProbs] = []

    def update(self, batch: LogProbs) -> None:
        self.parts.append(batch)

    def lists(self) -> dict[str, list]:
        return {"parts": self.parts}

    def restore(self, lists: dict[str, list]) -> None:
        self.parts = lists["parts"]

    def column(self, name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in self.parts] or [np.zeros(0)])

    @property
    def unavailable(self) -> str | None:
        return next((p.unavailable for p in self.parts if p.unavailable), None)


class TextLikelihoodKind(TaskKind):
    protocol = "text_likelihood"
    capability = "text_likelihood"
    request = "text_log_prob(texts)"
    primary_metric = "bits_per_char"

    def new_state(self, ctx: Context) -> LogProbState:
        return LogProbState()

    def model_outputs(self, ctx: Context) -> Iterator[tuple[int, LogProbs]]:
        source = ctx.model
        for index, batch in ctx.owned(ctx.data.batches(ctx.task.batch_size)):
            texts = batch.targets
            try:
                out, kept = answered(call_model(source, "text_log_prob", lambda: source.model.text_log_prob(texts)),
                                     len(texts))
            except UnavailableError as exc:
                empty = np.zeros(0)
                yield index, LogProbs(batch.start, empty, empty.astype(np.int64), empty.astype(np.int64), str(exc))
                return
            log_prob, n_tokens = check_log_probs(out, len(kept), ctx.calling("text_log_prob"))
            # Each verse ends with an end-of-text the model must predict: counted as one character.
            yield index, LogProbs(batch.start, log_prob, n_tokens, np.array([len(texts[i]) + 1 for i in kept]))
            ctx.progress("scoring text", batch.start + len(texts), len(ctx.data))

    def file_outputs(self, ctx: Context) -> Iterator[tuple[int, LogProbs]]:
        raise InputError(f"Task {ctx.task.name} scores log-probabilities, which a samples file does not carry; "
                         "score a model that offers text_log_prob(texts) with --model.")

    def scorer(self, ctx: Context, state: LogProbState) -> Scorer:
        """N is the number of texts scored (all of them but for a remote model's failed requests)."""
        return Scorer(ctx.task, ctx.source.label, len(state.column("log_prob")), ctx.options.seed,
                      ctx.data.content_hash)

    def scores(self, ctx: Context, state: LogProbState) -> list[Score]:
        task, seed = ctx.task, ctx.options.seed
        score = self.scorer(ctx, state)
        bpc_settings = {"chars": "unicode-code-points+1-per-verse", "side": "target"}
        ppl_settings = {"tokenizer": tokenizer_label(ctx), "side": "target"}
        if state.unavailable:
            return [score.unavailable("bits_per_char", state.unavailable, bpc_settings),
                    score.unavailable("perplexity_own_tokens", state.unavailable, ppl_settings)]
        log_prob, n_tokens, chars = state.column("log_prob"), state.column("n_tokens"), state.column("chars")
        bpc, items = text.bits_per_char(log_prob, chars)
        est = mean_with_interval(items, task.resamples, seed)
        ppl = text.perplexity(log_prob, n_tokens)
        return [
            score("bits_per_char", Estimate(bpc, est.ci_low, est.ci_high, est.method), bpc_settings, items=items),
            score("perplexity_own_tokens", perplexity_interval(log_prob, n_tokens, task.resamples, seed, ppl),
                  ppl_settings),
        ]


def tokenizer_label(ctx: Context) -> str:
    """The model's ``tokenizer`` attribute as plain text (its label without one), for the signature."""
    model = ctx.model
    name = call_model(model, "tokenizer", lambda: getattr(model.model, "tokenizer", model.label))
    return call_model(model, "tokenizer", lambda: check_label(str.__str__(str(name)), f"{ctx.who}: its tokenizer"))


def perplexity_interval(log_prob: np.ndarray, n_tokens: np.ndarray, resamples: int, seed: int,
                        value: float) -> Estimate:
    rng = np.random.default_rng(seed)
    draws = [text.perplexity(log_prob[idx], n_tokens[idx])
             for idx in (rng.integers(0, len(log_prob), len(log_prob)) for _ in range(resamples))]
    low, high = np.percentile(draws, [2.5, 97.5])
    return Estimate(value, float(low), float(high), f"bootstrap-items-B{resamples}")


@unreadable_as_error
def check_log_probs(out: object, n: int, who: str) -> tuple[np.ndarray, np.ndarray]:
    want = f"(log_prob ({n},), n_tokens ({n},)) tensors"
    if not (isinstance(out, tuple) and len(out) == 2):
        raise InputError(f"{who} returned {type(out).__name__}, expected {want}.")
    log_prob, n_tokens = (check_tensor(t, who, want).detach().cpu() for t in out)
    if tuple(log_prob.shape) != (n,) or tuple(n_tokens.shape) != (n,):
        raise InputError(f"{who} returned shapes {tuple(log_prob.shape)} and {tuple(n_tokens.shape)}, expected ({n},).")
    log_prob = log_prob.double().numpy()
    if not np.isfinite(log_prob).all() or (log_prob > 1e-6).any():
        raise InputError(f"{who} returned NaN, infinite or positive log-probabilities; they must be finite and ≤ 0.")
    n_tokens = n_tokens.double().numpy()
    if not np.isfinite(n_tokens).all() or (n_tokens < 1).any() or not np.all(np.equal(np.mod(n_tokens, 1), 0)):
        raise InputError(f"{who} returned token counts that are not positive whole numbers.")
    return log_prob, n_tokens.astype(np.int64)


TEXT_LIKELIHOOD = TextLikelihoodKind()
