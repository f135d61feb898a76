"""Paired tests agree with sacrebleu's own on the same BLEU systems (same seed, same resamples)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from genbench.significance import approximate_randomization, from_intervals, paired_bootstrap


@pytest.fixture(scope="module")
def bleu_systems():
    from sacrebleu.metrics import BLEU

    rng = random.Random(0)
    words = "the a cat dog sat on mat house red blue green ran fast slow big small".split()
    refs = [" ".join(rng.choices(words, k=rng.randint(5, 12))) for _ in range(150)]

    def corrupt(sentence: str, p: float) -> str:
        return " ".join(w if rng.random() > p else rng.choice(words) for w in sentence.split())

    base, cand = [corrupt(r, 0.30) for r in refs], [corrupt(r, 0.32) for r in refs]
    bleu = BLEU()
    base_stats = bleu._extract_corpus_statistics(base, [refs])
    return bleu, refs, base_stats, cand


def test_paired_bootstrap_p_value_equals_sacrebleu(bleu_systems):
    from sacrebleu.significance import _paired_bs_test

    bleu, refs, base_stats, cand = bleu_systems
    base_result = bleu._aggregate_and_compute(base_stats)
    _, result = _paired_bs_test({"BLEU": (base_stats, base_result)}, "cand", cand, [refs], {"BLEU": bleu},
                                n_samples=500, seed=7)
    cand_stats = bleu._extract_corpus_statistics(cand, [refs])
    ours = paired_bootstrap(np.array(base_stats, dtype="float32"), np.array(cand_stats, dtype="float32"),
                            lambda s: bleu._compute_score_from_stats(list(s)).score, resamples=500, seed=7)
    assert 0.01 < result["BLEU"].p_value < 0.99  # a case where the p-value carries information
    assert ours.p_value == result["BLEU"].p_value


def test_approximate_randomization_p_value_equals_sacrebleu(bleu_systems):
    from sacrebleu.significance import _paired_ar_test

    bleu, refs, base_stats, cand = bleu_systems
    base_result = bleu._aggregate_and_compute(base_stats)
    _, result = _paired_ar_test({"BLEU": (base_stats, base_result)}, "cand", cand, [refs], {"BLEU": bleu},
                                n_samples=500, seed=7)
    cand_stats = bleu._extract_corpus_statistics(cand, [refs])
    ours = approximate_randomization(np.array(base_stats), np.array(cand_stats),
                                     lambda s: bleu._aggregate_and_compute(s[None]).score, trials=500, seed=7)
    assert ours.p_value == result["BLEU"].p_value


def test_independent_intervals_give_a_normal_test():
    diff = from_intervals(10.0, (9.0, 11.0), 10.0, (9.0, 11.0))
    assert diff.diff == 0 and diff.p_value == pytest.approx(1.0)
    far = from_intervals(10.0, (9.0, 11.0), 20.0, (19.0, 21.0))
    assert far.p_value < 1e-6 and far.ci_low < 10 < far.ci_high
