"""Text metrics against sacrebleu itself and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sacrebleu
from hypothesis import given, settings
from hypothesis import strategies as st

from genbench.metrics import text
from genbench.signature import Signature

WORDS = ["the", "LORD", "said", "unto", "Moses", ",", "and", "he", "went", "up", ".", "Jonah", "¿qué?", "día"]
sentence = st.lists(st.sampled_from(WORDS), min_size=0, max_size=12).map(" ".join)
corpus = st.integers(1, 8).flatmap(lambda n: st.tuples(st.lists(sentence, min_size=n, max_size=n),
                                                         st.lists(sentence, min_size=n, max_size=n)))
SACREBLEU = {"bleu": sacrebleu.corpus_bleu, "chrf": sacrebleu.corpus_chrf, "ter": sacrebleu.corpus_ter}


@settings(max_examples=60, deadline=None)
@given(corpus)
def test_corpus_scores_equal_sacrebleu_exactly(pair):
    hyps, refs = pair
    for name, reference_impl in SACREBLEU.items():
        ours = text.corpus_score(name, hyps, refs, seed=0, resamples=20)
        assert ours.estimate.value == reference_impl(hyps, [refs]).score
        assert ours.stats.shape[0] == len(hyps)


def test_signature_is_sacrebleus_verbatim_and_round_trips():
    hyps, refs = ["the LORD said unto Moses ."], ["And the LORD spake unto Moses ."]
    for name, metric in (("bleu", sacrebleu.BLEU()), ("chrf", sacrebleu.CHRF()), ("ter", sacrebleu.TER())):
        metric.corpus_score(hyps, [refs])
        result = text.corpus_score(name, hyps, refs, seed=0, resamples=10)
        assert result.signature == str(metric.get_signature())
        sig = Signature.make({"sacrebleu": result.signature}, task="t", task_version=1, data_hash="d",
                             metric=name, implementation="sacrebleu-x")
        assert Signature.from_json(sig.to_json()) == sig
        assert f"sacrebleu:{result.signature}" in sig.render()


def test_interval_brackets_the_score_and_is_reproducible():
    rng = np.random.default_rng(0)
    refs = [" ".join(rng.choice(WORDS, 10)) for _ in range(200)]
    hyps = [" ".join(w if rng.random() < 0.7 else "x" for w in r.split()) for r in refs]
    a = text.corpus_score("bleu", hyps, refs, seed=3, resamples=300).estimate
    b = text.corpus_score("bleu", hyps, refs, seed=3, resamples=300).estimate
    assert a == b and a.ci_low < a.value < a.ci_high


def test_length_ratio_is_bleus_ratio():
    hyps, refs = ["a b c", "d e"], ["a b c d", "d e f g"]
    assert text.length_ratio(hyps, refs, seed=0, resamples=10).value == pytest.approx(
        sacrebleu.corpus_bleu(hyps, [refs]).sys_len / sacrebleu.corpus_bleu(hyps, [refs]).ref_len)
    assert text.length_ratio(hyps, refs, seed=0, resamples=10).value == pytest.approx(5 / 8)


def test_distinct_n_closed_form():
    samples = ["a b a", "a b c"]  # unigrams a b a a b c: 3 distinct of 6; bigrams ab ba ab bc: 3 of 4
    assert text.distinct_n(samples, 1) == 3 / 6
    assert text.distinct_n(samples, 2) == 3 / 4
    assert text.distinct_n(["", ""], 2) == 0.0
    assert text.distinct_n(["x y", "z w"], 1) == 1.0


def test_self_bleu_is_mean_sentence_bleu_against_the_others():
    samples = ["the LORD said unto Moses", "the LORD spake unto Moses", "and he went up"]
    expected = np.mean([sacrebleu.sentence_bleu(s, [o for o in samples if o is not s]).score for s in samples])
    assert text.self_bleu(samples) == pytest.approx(expected)
    assert text.self_bleu(["same words here"] * 3) == pytest.approx(100.0)
    assert "nrefs:4" in text.self_bleu_signature(4) and "eff:yes" in text.self_bleu_signature(4)


def test_bits_per_char_and_perplexity_closed_form():
    log_prob = np.array([-10.0, -20.0])
    chars = np.array([5, 15])
    bpc, items = text.bits_per_char(log_prob, chars)
    assert bpc == pytest.approx(30 / math.log(2) / 20)
    assert items.mean() == pytest.approx(bpc)  # paired tests over items test the corpus figure
    assert text.perplexity(log_prob, np.array([4, 6])) == pytest.approx(math.exp(3.0))


def test_similarity_of_a_reference_with_itself_is_one():
    from genbench.features.sentence_embedder import cosine_similarity, load_sentence_embedder

    embedder = load_sentence_embedder()
    refs = ["And Ruth said, Intreat me not to leave thee.", "Little children, keep yourselves from idols. Amen."]
    assert cosine_similarity(embedder, refs, refs) == pytest.approx([1.0, 1.0], abs=1e-6)
    unrelated = cosine_similarity(embedder, ["The stock market fell sharply on Monday.", "Children, stay away from idols."], refs)
    assert unrelated[0] < 0.5 < unrelated[1]
    assert len(embedder.sha256) == 64
