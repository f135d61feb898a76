"""The text suite end to end: vendor files, bad input, brackets, reproducibility. Offline (conftest
blocks the network); the corpus must be installed (README), else these fail saying how to get it."""

from __future__ import annotations

import json

import pytest
import sacrebleu

from genbench.data.bible import load_corpus
from test_bad_input import assert_refused

TASK = "text/translate-es-en"


@pytest.fixture(scope="module")
def test_split():
    return load_corpus("test")


def scores_of(path) -> dict[tuple[str, str], dict]:
    return {(r["model"], r["metric"]): r for r in json.loads(path.read_text())}


def test_vendor_plain_text_and_jsonl_score_like_sacrebleu(tmp_path, cli, test_split):
    hyps = test_split.sources  # a "vendor" that copies its input
    plain = tmp_path / "hyps.txt"
    plain.write_text("\r\n".join(hyps) + "\r\n", encoding="utf-8")
    rows = [{"id": i, "hypothesis": h} for i, h in zip(test_split.ids, hyps)][::-1]  # any order
    jsonl = tmp_path / "hyps.jsonl"
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    store = tmp_path / "r.sqlite"
    assert cli("eval", "--task", TASK, "--samples", plain, "--name", "v-plain", "--store", store,
               "--json", tmp_path / "a.json") == 0
    assert cli("eval", "--task", TASK, "--samples", jsonl, "--name", "v-jsonl", "--store", store,
               "--json", tmp_path / "b.json") == 0
    a, b = scores_of(tmp_path / "a.json"), scores_of(tmp_path / "b.json")
    refs = [test_split.targets]
    for metric, impl in (("bleu", sacrebleu.corpus_bleu), ("chrf", sacrebleu.corpus_chrf), ("ter", sacrebleu.corpus_ter)):
        assert a[("v-plain", metric)]["value"] == b[("v-jsonl", metric)]["value"] == impl(hyps, refs).score
        assert "nrefs:1" in a[("v-plain", metric)]["signature"]
    assert a[("v-plain", "bleu")]["value"] == pytest.approx(0.062, abs=0.001)  # copy-the-source is the floor


def test_the_reference_scores_the_ceiling(tmp_path, cli, test_split):
    refs = tmp_path / "refs.txt"
    refs.write_text("\n".join(test_split.targets), encoding="utf-8")
    assert cli("eval", "--task", TASK, "--samples", refs, "--name", "v", "--store", tmp_path / "r.sqlite",
               "--json", tmp_path / "s.json") == 0
    s = scores_of(tmp_path / "s.json")
    assert s[("v", "bleu")]["value"] == pytest.approx(100.0) and s[("v", "chrf")]["value"] == pytest.approx(100.0)
    assert s[("v", "ter")]["value"] == 0.0
    assert s[("v", "length_ratio")]["value"] == 1.0
    assert s[("v", "semantic_similarity")]["value"] == pytest.approx(1.0, abs=1e-6)


def _lines(split, n=None):
    return "\n".join(split.targets[: n if n is not None else len(split)])


BAD_FILES = [
    ("short.txt", lambda s: _lines(s, 615).encode(), ["short.txt", "615 line(s), expected 616"]),
    ("empty.txt", lambda s: b"", ["empty.txt", "is empty"]),
    ("latin1.txt", lambda s: ("x\n" * 9 + "Jehov\xe1\n").encode("latin-1") + b"y\n" * 606,
     ["latin1.txt, line 10", "not valid UTF-8"]),
    ("unknown.jsonl", lambda s: "\n".join(json.dumps({"id": i, "hypothesis": "x"}) for i in
                                          ("Ruth.1.1", "Gen.1.1")).encode(), ["unknown.jsonl, line 2", "'Gen.1.1'"]),
    ("dup.jsonl", lambda s: "\n".join(json.dumps({"id": "Ruth.1.1", "hypothesis": h}) for h in "ab").encode(),
     ["dup.jsonl, line 2", "duplicate item id 'Ruth.1.1'", "first on line 1"]),
    ("missing.jsonl", lambda s: json.dumps({"id": "Ruth.1.1", "hypothesis": "x"}).encode(),
     ["missing.jsonl", "615 test item(s) have no hypothesis", "Ruth.1.2"]),
    ("broken.jsonl", lambda s: b'{"id": "Ruth.1.1", "hypothesis": "x"}\n{"id": ', ["broken.jsonl, line 2", "not valid JSON"]),
    ("fields.jsonl", lambda s: b'{"id": "Ruth.1.1", "text": "x"}', ["fields.jsonl, line 1", '"hypothesis"']),
]


@pytest.mark.parametrize("name, content, needles", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_vendor_files_are_refused_and_nothing_is_stored(tmp_path, cli, capsys, test_split, name, content, needles):
    path = tmp_path / name
    path.write_bytes(content(test_split))
    store = tmp_path / "r.sqlite"
    assert_refused(cli("eval", "--task", TASK, "--samples", path, "--name", "v", "--store", store), capsys, store, *needles)


@pytest.mark.parametrize("model, needles", [
    ("toy_models:short_translator", ["returned 63 item(s), expected a list of 64 strings"]),
    ("toy_models:non_string_translator", ["NoneType at position 0"]),
])
def test_bad_model_outputs_are_refused(tmp_path, cli, capsys, model, needles):
    store = tmp_path / "r.sqlite"
    code = cli("run", "--suite", "text", "--no-baselines", "--model", model, "--store", store)
    assert_refused(code, capsys, store, "translate", *needles)


def test_positive_log_probabilities_are_refused(tmp_path, cli, capsys):
    store = tmp_path / "r.sqlite"
    code = cli("run", "--suite", "text", "--no-baselines", "--model", "toy_models:positive_log_prob", "--store", store)
    assert_refused(code, capsys, store, "text_log_prob", "must be finite and ≤ 0")


def test_a_samples_file_cannot_answer_the_likelihood_task(tmp_path, cli, capsys, test_split):
    path = tmp_path / "h.txt"
    path.write_text(_lines(test_split), encoding="utf-8")
    store = tmp_path / "r.sqlite"
    code = cli("eval", "--task", "text/lm-en", "--samples", path, "--name", "v", "--store", store)
    assert_refused(code, capsys, store, "text/lm-en", "text_log_prob")


def test_same_seed_twice_gives_identical_quality_scores(tmp_path, cli):
    for run in ("a", "b"):
        assert cli("run", "--suite", "text", "--no-baselines", "--model", "toy_models:echo", "--model", "char-unigram",
                   "--store", tmp_path / f"{run}.sqlite", "--json", tmp_path / f"{run}.json") == 0
    a, b = scores_of(tmp_path / "a.json"), scores_of(tmp_path / "b.json")
    quality = {k for k in a if k[1] in ("bleu", "chrf", "ter", "semantic_similarity", "length_ratio",
                                        "bits_per_char", "perplexity_own_tokens")}
    assert len(quality) == 7
    for key in quality:
        assert (a[key]["value"], a[key]["ci_low"], a[key]["ci_high"], a[key]["signature"]) == \
               (b[key]["value"], b[key]["ci_low"], b[key]["ci_high"], b[key]["signature"])
    # The character unigram is a closed-form floor: about 4.3 bits per character on English verse.
    assert 4.0 < a[("char-unigram", "bits_per_char")]["value"] < 4.6


def test_compare_tests_bleu_chrf_ter_paired_over_sentence_statistics(tmp_path, cli, test_split):
    good = tmp_path / "good.txt"
    good.write_text(_lines(test_split), encoding="utf-8")
    worse = tmp_path / "worse.txt"  # a quarter of the verses left untranslated
    worse.write_text("\n".join(s if i % 4 == 0 else t for i, (s, t) in
                               enumerate(zip(test_split.sources, test_split.targets))), encoding="utf-8")
    for name, path in (("base", good), ("cand", worse)):
        assert cli("eval", "--task", TASK, "--samples", path, "--name", "vendor", "--store", tmp_path / f"{name}.sqlite",
                   "--json", tmp_path / f"{name}.json") == 0
    assert cli("compare", tmp_path / "base.json", tmp_path / "cand.json", "--json", tmp_path / "cmp.json") == 1
    verdicts = {c["metric"]: c for c in json.loads((tmp_path / "cmp.json").read_text())}
    for metric in ("bleu", "chrf", "ter", "semantic_similarity"):
        assert verdicts[metric]["verdict"] == "worse"
        assert verdicts[metric]["test"].startswith("paired-bootstrap")
    assert verdicts["length_ratio"]["verdict"] in ("same", "worse")  # judged by distance to 1
