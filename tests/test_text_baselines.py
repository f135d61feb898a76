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


def test_batching_and_padding_change_nothing(transformer, test_split):
    from genbench_baselines.transformer_mt import greedy

    sources = test_split.sources[:6]  # different lengths, so batched rows are padded
    assert transformer.generate(sources, greedy, batch_size=1) == transformer.generate(sources, greedy)
    texts = test_split.targets[:6]
    alone = torch.cat([transformer.text_log_prob([t])[0] for t in texts])
    assert torch.allclose(transformer.text_log_prob(texts)[0], alone, rtol=0, atol=1e-3)


def test_language_model_mode_scores_english_above_scrambled_english(transformer, test_split):
    text = test_split.targets[0]
    scrambled = " ".join(reversed(text.split()))
    log_prob, tokens = transformer.text_log_prob([text, scrambled])
    assert log_prob.dtype == torch.float64 and log_prob[0] > log_prob[1] + 10
    own = [len(transformer.bpe.encode(t).ids) + 1 for t in (text, scrambled)]  # + <eos>
    assert tokens.tolist() == own


def test_special_token_names_in_text_are_plain_characters(transformer):
    from genbench_baselines.transformer_mt import EOS

    for text in ("uno <eos> dos", "a <pad> b", "<bos>"):
        ids = transformer.bpe.encode(text).ids
        assert transformer.bpe.decode(ids) == text
    assert transformer.source_ids(["uno <eos> dos"])[0].count(EOS) == 1
    log_prob, tokens = transformer.text_log_prob(["<bos> a <pad> b"])
    assert torch.isfinite(log_prob).all() and tokens.item() == len(transformer.bpe.encode("<bos> a <pad> b").ids) + 1


def test_the_tokenizer_is_named_by_its_vocabulary(transformer):
    assert transformer.tokenizer.startswith("transformer-mt-bpe6000-")


def test_retrieval_returns_the_target_of_the_nearest_training_source():
    from genbench_baselines.text_simple import Retrieval

    train = load_corpus("train")
    model = Retrieval()
    picked = [train.pairs[i] for i in (0, 5000, 20000)]
    assert model.translate([p.source for p in picked]) == [p.target for p in picked]


def test_corpus_dir_reaches_the_baselines_that_fit_on_the_corpus(tmp_path):
    from genbench.data.dataset import DataOptions
    from genbench.errors import GenbenchError
    from genbench.models.sources import load_model

    for name in ("retrieval", "char-unigram", "reference"):
        with pytest.raises(GenbenchError, match=str(tmp_path)):
            load_model(name, torch.device("cpu"), DataOptions(corpus_dir=tmp_path))  # an empty library
