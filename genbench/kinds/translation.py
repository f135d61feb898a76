"""Translation: ``translate(sources)`` on every pair of the task's data; sacrebleu's BLEU, chrF and
TER with sentence-bootstrap intervals, semantic similarity and length ratio; sampled diversity and
cost (sentences/s, generated tokens/s) for models."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator

import numpy as np
import torch

from genbench.data.text_file import read_hypotheses
from genbench.errors import UnavailableError
from genbench.kinds.base import TaskKind
from genbench.metrics import text
from genbench.metrics.intervals import Estimate, mean_with_interval
from genbench.models.protocol import answered, capabilities
from genbench.score import Score
from genbench.scoring.context import Context
from genbench.scoring.cost_step import CostCall, cost_scores
from genbench.scoring.outputs import call_model, check_texts, tile_texts
from genbench.scoring.scorer import Scorer


@dataclass(frozen=True)
class Translations:
    start: int
    hypotheses: list[str]
    references: list[str]


class TextPairsState:
    """Hypotheses and their references in item order (corpus metrics need every sentence's statistics)."""

    def __init__(self) -> None:
        self.hypotheses: list[str] = []
        self.references: list[str] = []

    def update(self, batch: Translations) -> None:
        self.hypotheses += batch.hypotheses
        self.references += batch.references

    def lists(self) -> dict[str, list]:
        return {"hypotheses": self.hypotheses, "references": self.references}

    def restore(self, lists: dict[str, list]) -> None:
        self.hypotheses, self.references = lists["hypotheses"], lists["references"]


class TranslationKind(TaskKind):
    protocol = "translate"
    capability = "translate"
    request = "translate(sources)"
    primary_metric = "bleu"

    def new_state(self, ctx: Context) -> TextPairsState:
        return TextPairsState()

    def model_outputs(self, ctx: Context) -> Iterator[tuple[int, Translations]]:
        source = ctx.model
        for index, batch in ctx.owned(ctx.data.batches(ctx.task.batch_size)):
            out, kept = answered(call_model(source, "translate", lambda: source.model.translate(batch.sources)),
                                 len(batch.ids))
            yield index, Translations(batch.start, check_texts(out, len(kept), ctx.calling("translate")),
                                      [batch.targets[i] for i in kept])
            ctx.progress("translating", batch.start + len(batch.ids), len(ctx.data))

    def scorer(self, ctx: Context, state: TextPairsState) -> Scorer:
        """N is the number of items answered (all of them but for a remote model's failed requests)."""
        return Scorer(ctx.task, ctx.source.label, len(state.hypotheses), ctx.options.seed, ctx.data.content_hash)

    def file_outputs(self, ctx: Context) -> Iterator[tuple[int, Translations]]:
        hypotheses = read_hypotheses(ctx.source.path, ctx.data.ids)
        for index, batch in ctx.owned(ctx.data.batches(ctx.task.batch_size)):
            yield index, Translations(batch.start, hypotheses[batch.start:batch.start + len(batch.ids)], batch.targets)

    def scores(self, ctx: Context, state: TextPairsState) -> list[Score]:
        task, seed = ctx.task, ctx.options.seed
        hypotheses, references = state.hypotheses, state.references
        score = self.scorer(ctx, state)
        ctx.progress("scoring", 0, 1)
        scores = []
        for metric in ("bleu", "chrf", "ter"):
            result = text.corpus_score(metric, hypotheses, references, seed, task.resamples)
            scores.append(score(metric, result.estimate, {"sacrebleu": result.signature}, items=result.stats))
        scores.append(score("length_ratio", text.length_ratio(hypotheses, references, seed, task.resamples),
                            {"tokens": "13a"}))
        scores.append(self._similarity(ctx, hypotheses, references, score))
        ctx.progress("scoring", 1, 1)
        return scores

    def _similarity(self, ctx: Context, hypotheses: list[str], references: list[str], score: Scorer) -> Score:
        from genbench.features.sentence_embedder import cosine_similarity, load_sentence_embedder

        settings = {"pooling": "mean", "normalised": "yes", "against": "reference"}
        try:
            embedder = load_sentence_embedder(ctx.options.device)
        except UnavailableError as exc:
            return score.unavailable("semantic_similarity", str(exc), settings)
        values = cosine_similarity(embedder, hypotheses, references)
        return score("semantic_similarity", mean_with_interval(values, ctx.task.resamples, ctx.options.seed),
                     settings, features=embedder.name, features_sha=embedder.sha256, items=values)

    def model_scores(self, ctx: Context, state: TextPairsState) -> list[Score]:
        """Several samples per source at the task's temperature: distinct-1/2 and self-BLEU per source.
        A remote model's failed requests leave their source out (N: the sources with every sample)."""
        source, task = ctx.model, ctx.task
        if "sample_text" not in capabilities(source.model):
            return []
        sources = next(ctx.data.batches(task.diversity_sources)).sources
        generator = torch.Generator().manual_seed(ctx.options.seed)
        draws: list[dict[int, str]] = []
        for k in range(task.samples_per_source):
            draw: dict[int, str] = {}
            for start in range(0, len(sources), task.batch_size):
                chunk = sources[start:start + task.batch_size]
                out, kept = answered(call_model(source, "sample_translations",
                                                lambda: source.model.sample_translations(chunk, task.temperature,
                                                                                         generator)), len(chunk))
                texts = check_texts(out, len(kept), ctx.calling("sample_translations"))
                draw.update({start + i: t for i, t in zip(kept, texts)})
            draws.append(draw)
            ctx.progress("sampling", k + 1, task.samples_per_source)
        complete = [i for i in range(len(sources)) if all(i in draw for draw in draws)]
        groups = [[draw[i] for draw in draws] for i in complete]
        settings = {"samples": task.samples_per_source, "temperature": task.temperature, "sources": len(sources),
                    "tokens": "13a"}
        extra = {"self_bleu": {"sacrebleu": text.self_bleu_signature(task.samples_per_source - 1)}}
        score = self.scorer(ctx, state)
        if not groups:
            reason = f"no source of the {len(sources)} got all {task.samples_per_source} of its samples answered"
            return [score.unavailable(m, reason, {**settings, **extra.get(m, {})})
                    for m in ("distinct_1", "distinct_2", "self_bleu")]
        per_source = {
            "distinct_1": np.array([text.distinct_n(g, 1) for g in groups]),
            "distinct_2": np.array([text.distinct_n(g, 2) for g in groups]),
            "self_bleu": np.array([text.self_bleu(g) for g in groups]),
        }
        return [score(metric, mean_with_interval(values, task.resamples, ctx.options.seed),
                      {**settings, **extra.get(metric, {})}, n=len(values), items=values)
                for metric, values in per_source.items()]

    def cost_scores(self, ctx: Context, state: TextPairsState) -> list[Score]:
        """Sentences/s and latency as for images, plus generated tokens/s (BLEU's 13a tokens of the outputs)."""
        source, batch = ctx.model, ctx.task.cost_batch
        ctx = replace(ctx, options=replace(ctx.options, cost=replace(ctx.options.cost, large_batch=batch)))
        sources = next(ctx.data.batches(len(ctx.data))).sources
        score = self.scorer(ctx, state)
        scores = cost_scores(ctx, score, CostCall("translate", lambda b: source.model.translate(tile_texts(sources, b)),
                                                  check_texts))
        # Deterministic decoding: the timed batch's outputs are the first ``batch`` hypotheses, tiled.
        tokens = sum(len(text.words(h)) for h in tile_texts(state.hypotheses, batch))
        sentences = next(s for s in scores if s.metric == "throughput")
        per_sentence = tokens / batch
        est = Estimate(sentences.value * per_sentence, sentences.ci_low * per_sentence,
                       sentences.ci_high * per_sentence, sentences.interval_method)
        settings = {"batch": batch, "repeats": ctx.options.cost.repeats, "tokens": "13a-of-outputs"}
        scores.append(score("tokens_per_s", est, settings, device=sentences.signature.device,
                            n=ctx.options.cost.repeats))
        return scores


TRANSLATION = TranslationKind()
