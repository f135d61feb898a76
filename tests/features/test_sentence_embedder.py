"""Loading the sentence embedder leaves the process environment as it was."""

from __future__ import annotations

import os

from genbench.features.sentence_embedder import LOAD_ENVIRONMENT, load_sentence_embedder


def test_loading_the_embedder_changes_no_environment_variable(monkeypatch):
    for name in LOAD_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TQDM_DISABLE", "0")  # a user's own setting is kept, not overwritten
    load_sentence_embedder()
    assert [name for name in LOAD_ENVIRONMENT if name in os.environ] == ["TQDM_DISABLE"]
    assert os.environ["TQDM_DISABLE"] == "0"
