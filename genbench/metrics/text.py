"""Text metrics: sacrebleu's BLEU, chrF and TER with sentence-level statistics, length ratio,
likelihood per character and per own token, and the diversity of sampled translations.

sacrebleu computes each corpus score from per-sentence sufficient statistics. genbench keeps
those statistics: the 95 % interval resamples sentences and recomputes the score from their
summed statistics (sacrebleu's own bootstrap, reported as a percentile interval), and paired
tests between two systems resample the same sentences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from genbench.metrics.intervals import Estimate

# Resampled intervals use this many draws.
RESAMPLES = 1000


@dataclass(frozen=True)
class CorpusResult:
    estimate: Estimate
    signature: str  # sacrebleu's own signature, stored verbatim in genbench's
    stats: np.ndarray  # (n, k) per-sentence sufficient statistics


def sacrebleu_metric(name: str):  # -> sacrebleu.metrics.base.Metric
    """sacrebleu's metric object with its default settings (BLEU: 13a tokens, exp smoothing; chrF: n=6, β=2)."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    return {"bleu": BLEU, "chrf": CHRF, "ter": TER}[name]()


def score_from_stats(metric, summed: np.ndarray) -> float:  # noqa: ANN001 - sacrebleu's Metric
    return float(metric._compute_score_from_stats(list(summed)).score)


# Metrics whose stored items are per-sentence statistics rather than per-sentence scores.
STATISTIC_METRICS = ("bleu", "chrf", "ter")


def statistics_aggregate(name: str) -> Callable[[np.ndarray], float]:
    """Summed sentence statistics → the corpus score, for paired tests between two systems."""
    metric = sacrebleu_metric(name)
    return lambda summed: score_from_stats(metric, summed)


def corpus_score(name: str, hypotheses: Sequence[str], references: Sequence[str], seed: int,
                 resamples: int = RESAMPLES) -> CorpusResult:
    """sacrebleu's corpus score of ``hypotheses`` against one reference each, with a 95 % interval."""
    metric = sacrebleu_metric(name)
    stats = np.asarray(metric._extract_corpus_statistics(list(hypotheses), [list(references)]), dtype=np.float64)
    value = score_from_stats(metric, stats.sum(0))
    low, high = _resampled(lambda idx: score_from_stats(metric, stats[idx].sum(0)), len(stats), resamples, seed)
    return CorpusResult(Estimate(value, low, high, f"bootstrap-sentences-B{resamples}"),
                        str(metric.get_signature()), stats)


def length_ratio(hypotheses: Sequence[str], references: Sequence[str], seed: int,
                 resamples: int = RESAMPLES) -> Estimate:
    """Total hypothesis length over total reference length in BLEU's 13a tokens (BLEU's ``ratio``)."""
    metric = sacrebleu_metric("bleu")
    stats = np.asarray(metric._extract_corpus_statistics(list(hypotheses), [list(references)]), dtype=np.float64)
    lengths = stats[:, :2]  # BLEU's first two statistics: hypothesis and reference length

    def ratio(idx: np.ndarray) -> float:
        hyp, ref = lengths[idx].sum(0)
        return float(hyp / ref) if ref else math.nan

    value = ratio(np.arange(len(lengths)))
    low, high = _resampled(ratio, len(lengths), resamples, seed)
    return Estimate(value, low, high, f"bootstrap-sentences-B{resamples}")


def _resampled(statistic, n: int, resamples: int, seed: int) -> tuple[float, float]:  # noqa: ANN001
    rng = np.random.default_rng(seed)
    values = np.array([statistic(rng.integers(0, n, n)) for _ in range(resamples)])
    low, high = np.nanpercentile(values, [2.5, 97.5])
    return float(low), float(high)


def bits_per_char(log_prob: np.ndarray, chars: np.ndarray) -> tuple[float, np.ndarray]:
    """Corpus bits per character, −Σ log₂ p / Σ characters, and per-item values whose mean equals it
    (each item's bits scaled by n / Σ characters), so paired tests over items test the corpus figure."""
    bits = -np.asarray(log_prob, dtype=np.float64) / math.log(2)
    total_chars = float(np.sum(chars))
    return float(bits.sum() / total_chars), bits * len(bits) / total_chars


def perplexity(log_prob: np.ndarray, tokens: np.ndarray) -> float:
    """exp of the mean negative log-likelihood per token."""
    return float(math.exp(-np.sum(log_prob) / np.sum(tokens)))


def words(text: str) -> list[str]:
    """BLEU's 13a tokens: diversity is counted in the same units as BLEU's n-grams."""
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    return Tokenizer13a()(text).split()


def distinct_n(samples: Sequence[str], n: int) -> float:
    """Distinct n-grams over all n-grams in a group of samples (Li et al., 2016); 0 with no n-gram."""
    grams = [tuple(tokens[i:i + n]) for tokens in map(words, samples) for i in range(len(tokens) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def _sentence_bleu():  # -> sacrebleu.metrics.BLEU
    from sacrebleu.metrics import BLEU

    return BLEU(effective_order=True)


def self_bleu_signature(references: int) -> str:
    """sacrebleu's signature of sentence BLEU against ``references`` others (it exists once scored)."""
    bleu = _sentence_bleu()
    bleu.sentence_score("a", ["a"] * references)
    return str(bleu.get_signature())


def self_bleu(samples: Sequence[str]) -> float:
    """Mean sentence BLEU of each sample against the others as references (Zhu et al., 2018), 0–100."""
    bleu = _sentence_bleu()
    scores = [bleu.sentence_score(s, [o for j, o in enumerate(samples) if j != i]).score
              for i, s in enumerate(samples)]
    return float(np.mean(scores))

