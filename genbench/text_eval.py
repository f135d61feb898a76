"""Scores one source on a text task: translation quality, diversity and cost, or likelihood."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from genbench.data.bible import ParallelSplit, load_corpus
from genbench.data.text_file import read_hypotheses
from genbench.errors import InputError, UnavailableError
from genbench.metrics import text
from genbench.metrics.intervals import Estimate, mean_with_interval
from genbench.models.protocol import capabilities
from genbench.models.sources import FileSource, ModelSource
from genbench.runner import Progress, RunOptions, Scorer, batches, call_model, cost_scores
from genbench.score import Score
from genbench.tasks.spec import TextTask


def evaluate_text(task: TextTask, source: ModelSource | FileSource, options: RunOptions,
                  progress: Progress) -> list[Score]:
    corpus = load_corpus("test", options.corpus_dir)
    if task.protocol == "text_likelihood":
        return _likelihood(task, source, corpus, options, progress)
    return _translation(task, source, corpus, options, progress)


def check_texts(out: object, n: int, who: str) -> list[str]:
    """Refuse anything but a list of ``n`` strings."""
    if not isinstance(out, (list, tuple)) or len(out) != n:
        size = len(out) if isinstance(out, (list, tuple)) else type(out).__name__
        raise InputError(f"{who} returned {size} item(s), expected a list of {n} strings.")
    bad = [i for i, t in enumerate(out) if not isinstance(t, str)]
    if bad:
        raise InputError(f"{who} returned a {type(out[bad[0]]).__name__} at position {bad[0]}, expected strings.")
    return list(out)


def _translations(task: TextTask, source: ModelSource | FileSource, corpus: ParallelSplit,
                  progress: Progress) -> list[str]:
    if isinstance(source, FileSource):
        return read_hypotheses(source.path, corpus.ids)
    if "translate" not in capabilities(source.model):
        raise InputError(f"Model {source.label!r} cannot answer task {task.name}, which needs translate(sources).")
    sources, out = corpus.sources, []
    for start, size in batches(len(sources), task.batch_size):
        chunk = sources[start:start + size]
        batch = call_model(source, "translate", lambda: source.model.translate(chunk))
        out += check_texts(batch, size, f"Model {source.label!r} translate")
        progress("translating", start + size, len(sources))
    return out


def _translation(task: TextTask, source: ModelSource | FileSource, corpus: ParallelSplit, options: RunOptions,
                 progress: Progress) -> list[Score]:
    hypotheses = _translations(task, source, corpus, progress)
    references = corpus.targets
    score = Scorer(task, source.label, len(references), options.seed, corpus.content_hash)
    progress("scoring", 0, 1)
    scores = []
    for metric in ("bleu", "chrf", "ter"):
        result = text.corpus_score(metric, hypotheses, references, options.seed, task.resamples)
        scores.append(score(metric, result.estimate, {"sacrebleu": result.signature}, items=result.stats))
    scores.append(score("length_ratio", text.length_ratio(hypotheses, references, options.seed, task.resamples),
                        {"tokens": "13a"}))
    scores.append(_similarity(task, hypotheses, references, score, options.seed))
    progress("scoring", 1, 1)
    if isinstance(source, ModelSource):
        scores += _diversity(task, source, corpus, score, options.seed, progress)
        scores += _translation_cost(task, source, corpus, hypotheses, score, options, progress)
    return scores


def _similarity(task: TextTask, hypotheses: list[str], references: list[str], score: Scorer, seed: int) -> Score:
    from genbench.features.sentence_embedder import cosine_similarity, load_sentence_embedder

    settings = {"pooling": "mean", "normalised": "yes", "against": "reference"}
    try:
        embedder = load_sentence_embedder()
    except UnavailableError as exc:
        return score.unavailable("semantic_similarity", str(exc), settings)
    values = cosine_similarity(embedder, hypotheses, references)
    return score("semantic_similarity", mean_with_interval(values, task.resamples, seed), settings,
                 features=embedder.name, features_sha=embedder.sha256, items=values)


def _diversity(task: TextTask, source: ModelSource, corpus: ParallelSplit, score: Scorer, seed: int,
               progress: Progress) -> list[Score]:
    """Several samples per source at the task's temperature: distinct-1/2 and self-BLEU per source."""
    if "sample_text" not in capabilities(source.model):
        return []
    sources = corpus.sources[: task.diversity_sources]
    generator = torch.Generator().manual_seed(seed)
    draws: list[list[str]] = []
    for k in range(task.samples_per_source):
        draw: list[str] = []
        for start, size in batches(len(sources), task.batch_size):
            chunk = sources[start:start + size]
            out = call_model(source, "sample_translations",
                             lambda: source.model.sample_translations(chunk, task.temperature, generator))
            draw += check_texts(out, size, f"Model {source.label!r} sample_translations")
        draws.append(draw)
        progress("sampling", k + 1, task.samples_per_source)
    groups = [[draw[i] for draw in draws] for i in range(len(sources))]
    settings = {"samples": task.samples_per_source, "temperature": task.temperature, "sources": len(sources),
                "tokens": "13a"}
    per_source = {
        "distinct_1": np.array([text.distinct_n(g, 1) for g in groups]),
        "distinct_2": np.array([text.distinct_n(g, 2) for g in groups]),
        "self_bleu": np.array([text.self_bleu(g) for g in groups]),
    }
    extra = {"self_bleu": {"sacrebleu": text.self_bleu_signature(task.samples_per_source - 1)}}
    return [score(metric, mean_with_interval(values, task.resamples, seed), {**settings, **extra.get(metric, {})},
                  n=len(values), items=values) for metric, values in per_source.items()]


def _translation_cost(task: TextTask, source: ModelSource, corpus: ParallelSplit, hypotheses: list[str],
                      score: Scorer, options: RunOptions, progress: Progress) -> list[Score]:
    """Sentences/s and latency as for images, plus generated tokens/s (BLEU's 13a tokens of the outputs)."""
    batch = task.cost_batch
    options = replace(options, cost=replace(options.cost, large_batch=batch))
    sources = corpus.sources

    def call(b: int) -> object:
        return source.model.translate(tile_texts(sources, b))

    scores = cost_scores(task, source, score, options, progress, call)
    # Deterministic decoding: the timed batch's outputs are the first ``batch`` hypotheses, tiled.
    tokens = sum(len(text.words(h)) for h in tile_texts(hypotheses, batch))
    sentences = next(s for s in scores if s.metric == "throughput")
    per_sentence = tokens / batch
    est = Estimate(sentences.value * per_sentence, sentences.ci_low * per_sentence, sentences.ci_high * per_sentence,
                   sentences.interval_method)
    settings = {"batch": batch, "repeats": options.cost.repeats, "tokens": "13a-of-outputs"}
    scores.append(score("tokens_per_s", est, settings, device=sentences.signature.device, n=options.cost.repeats))
    return scores


def tile_texts(texts: list[str], n: int) -> list[str]:
    return [texts[i % len(texts)] for i in range(n)]


def _likelihood(task: TextTask, source: ModelSource | FileSource, corpus: ParallelSplit, options: RunOptions,
                progress: Progress) -> list[Score]:
    if isinstance(source, FileSource):
        raise InputError(f"Task {task.name} scores log-probabilities, which a samples file does not carry; "
                         "score a model that offers text_log_prob(texts) with --model.")
    if "text_likelihood" not in capabilities(source.model):
        raise InputError(f"Model {source.label!r} cannot answer task {task.name}, which needs text_log_prob(texts).")
    texts = corpus.targets
    log_probs, tokens = [], []
    for start, size in batches(len(texts), task.batch_size):
        chunk = texts[start:start + size]
        out = call_model(source, "text_log_prob", lambda: source.model.text_log_prob(chunk))
        lp, nt = _check_log_probs(out, size, source.label)
        log_probs.append(lp)
        tokens.append(nt)
        progress("scoring text", start + size, len(texts))
    log_prob, n_tokens = np.concatenate(log_probs), np.concatenate(tokens)
    # Each verse ends with an end-of-text the model must predict: counted as one character.
    chars = np.array([len(t) + 1 for t in texts])
    bpc, items = text.bits_per_char(log_prob, chars)
    score = Scorer(task, source.label, len(texts), options.seed, corpus.content_hash)
    est = mean_with_interval(items, task.resamples, options.seed)
    tokenizer = str(getattr(source.model, "tokenizer", source.label))
    ppl = text.perplexity(log_prob, n_tokens)
    ppl_est = _perplexity_interval(log_prob, n_tokens, task.resamples, options.seed, ppl)
    return [
        score("bits_per_char", Estimate(bpc, est.ci_low, est.ci_high, est.method),
              {"chars": "unicode-code-points+1-per-verse", "side": "target"}, items=items),
        score("perplexity_own_tokens", ppl_est, {"tokenizer": tokenizer, "side": "target"}),
    ]


def _perplexity_interval(log_prob: np.ndarray, n_tokens: np.ndarray, resamples: int, seed: int,
                         value: float) -> Estimate:
    rng = np.random.default_rng(seed)
    draws = [text.perplexity(log_prob[idx], n_tokens[idx])
             for idx in (rng.integers(0, len(log_prob), len(log_prob)) for _ in range(resamples))]
    low, high = np.percentile(draws, [2.5, 97.5])
    return Estimate(value, float(low), float(high), f"bootstrap-items-B{resamples}")


def _check_log_probs(out: object, n: int, label: str) -> tuple[np.ndarray, np.ndarray]:
    who = f"Model {label!r} text_log_prob"
    if not (isinstance(out, tuple) and len(out) == 2 and all(isinstance(t, torch.Tensor) for t in out)):
        raise InputError(f"{who} returned {type(out).__name__}, expected (log_prob (n,), n_tokens (n,)) tensors.")
    log_prob, n_tokens = (t.detach().cpu() for t in out)
    if tuple(log_prob.shape) != (n,) or tuple(n_tokens.shape) != (n,):
        raise InputError(f"{who} returned shapes {tuple(log_prob.shape)} and {tuple(n_tokens.shape)}, expected ({n},).")
    log_prob = log_prob.double().numpy()
    if not np.isfinite(log_prob).all() or (log_prob > 1e-6).any():
        raise InputError(f"{who} returned NaN, infinite or positive log-probabilities; they must be finite and ≤ 0.")
    n_tokens = n_tokens.numpy()
    if (n_tokens < 1).any() or not np.all(np.equal(np.mod(n_tokens, 1), 0)):
        raise InputError(f"{who} returned token counts that are not positive whole numbers.")
    return log_prob, n_tokens.astype(np.int64)
