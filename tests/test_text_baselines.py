"""The text baselines: the Transformer translator against the brackets, its key/value cache, retrieval."""

from __future__ import annotations

import pytest
import sacrebleu
import torch

from genbench.data.bible import load_corpus

N = 64  # test sources translated here; the whole split is scored by the suite and the published table


@pytest.fixture(scope="module")
def transformer():
    from genbench_baselines.transformer_mt import load

    return load(torch.device("cpu"))


@pytest.fixture(scope="module")
def test_split():
    return load_corpus("test")


def test_transformer_beats_copying_the_source_clearly(transformer, test_split):
    sources, refs = test_split.sources[:N], [test_split.targets[:N]]
    hyps = transformer.translate(sources)
    assert len(hyps) == N and all(isinstance(h, str) for h in hyps)
    bleu, copy_bleu = sacrebleu.corpus_bleu(hyps, refs).score, sacrebleu.corpus_bleu(sources, refs).score
    chrf, copy_chrf = sacrebleu.corpus_chrf(hyps, refs).score, sacrebleu.corpus_chrf(sources, refs).score
    assert bleu > copy_bleu + 5 and chrf > copy_chrf + 10, (bleu, copy_bleu, chrf, copy_chrf)


def test_key_value_cache_changes_speed_not_outputs(transformer, test_split):
    from genbench_baselines.transformer_mt import greedy

    sources = test_split.sources[:6] + ["", "Amén."]
    assert transformer.generate(sources, greedy, use_cache=True) == transformer.generate(sources, greedy, use_cache=False)


def test_sampling_depends_only_on_the_generator(transformer, test_split):
    sources = test_split.sources[:4]
    draw = [transformer.sample_translations(sources, 1.0, torch.Generator().manual_seed(s)) for s in (7, 7, 8)]
    assert draw[0] == draw[1] and draw[0] != draw[2]


def test_language_model_mode_scores_english_above_scrambled_english(transformer, test_split):
    text = test_split.targets[0]
    scrambled = " ".join(reversed(text.split()))
    log_prob, tokens = transformer.text_log_prob([text, scrambled])
    assert log_prob.dtype == torch.float64 and (log_prob < 0).all() and (tokens > 1).all()
    assert log_prob[0] > log_prob[1] + 10
    assert transformer.tokenizer.startswith("transformer-mt-")


def test_retrieval_returns_the_target_of_the_nearest_training_source():
    from genbench_baselines.text_simple import Retrieval

    train = load_corpus("train")
    model = Retrieval()
    picked = [train.pairs[i] for i in (0, 5000, 20000)]
    assert model.translate([p.source for p in picked]) == [p.target for p in picked]
