"""A few cases of the hostile-input corpus (tests/hostile_corpus.py runs all of it), one or two per
command, through the real CLI in subprocesses: each must be refused cleanly or handled."""

from __future__ import annotations

from hostile_catalog import all_cases
from hostile_corpus import GOOD, run_corpus

SAMPLE = {"run/device-bogus", "run/model-loader-exits", "eval/png-iend-bad-crc", "eval/samples-link-to-fifo",
          "compare/signature-empty", "leaderboard/markup-model-in-store", "store/version-abc-eval",
          "corpus/where-bzv-empty"}


def test_a_sample_of_the_corpus_is_refused_cleanly_or_handled():
    cases = [c for c in all_cases() if f"{c.category}/{c.name}" in SAMPLE]
    assert len(cases) == len(SAMPLE)
    results = run_corpus(cases, jobs=2, timeout=120)
    failures = [f"{r.case.category}/{r.case.name}: {r.outcome} ({r.detail})" for r in results if r.outcome not in GOOD]
    assert not failures
