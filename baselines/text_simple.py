"""Non-neural text baselines and the brackets of the text suite.

- ``retrieval``: the nearest training source by character n-gram TF-IDF cosine similarity, and
  its English verse. Strong on a corpus full of formulas ("And the LORD spake unto Moses,
  saying"), instant, and it shows how much a neural model adds over memory.
- ``copy-source``: the Spanish source itself (floor: what BLEU and chrF give for no translation).
- ``reference``: the test reference itself (ceiling: BLEU 100, similarity 1).
- ``char-unigram``: an English character unigram model with add-one smoothing, fitted on the
  training targets (the likelihood floor every language model must beat).

All of them use the public model API only, as a user's model would.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from genbench.data.bible import load_corpus
from genbench.data.dataset import DataOptions
from genbench.errors import InputError

END = "\n"  # the end of a verse, predicted like a character


class Retrieval:
    """Translate by retrieving the most similar training source (char 2–4-grams within words, TF-IDF)."""

    name = "retrieval"

    def __init__(self, ngram_range: tuple[int, int] = (2, 4), corpus_dir: Path | None = None) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        train = load_corpus("train", corpus_dir)
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True)
        self.index = self.vectorizer.fit_transform(train.sources)  # rows are L2-normalised
        self.targets = train.targets

    def translate(self, sources: list[str]) -> list[str]:
        similarity = self.vectorizer.transform(sources) @ self.index.T  # cosine: both sides unit length
        best = np.asarray(similarity.argmax(axis=1)).ravel()
        return [self.targets[i] for i in best]


class CopySource:
    name = "copy-source"

    def translate(self, sources: list[str]) -> list[str]:
        return list(sources)


class Reference:
    """Answers each test source with its reference; any other source is an error, not a guess."""

    name = "reference"

    def __init__(self, corpus_dir: Path | None = None) -> None:
        self.lookup = {p.source: p.target for p in load_corpus("test", corpus_dir).pairs}

    def translate(self, sources: list[str]) -> list[str]:
        unknown = [s for s in sources if s not in self.lookup]
        if unknown:
            raise InputError(f"The reference bracket only knows the test split's sources; got {unknown[0][:60]!r}.")
        return [self.lookup[s] for s in sources]


class CharUnigram:
    """p(text) = Π p(c) over its characters and the verse end, add-one smoothed over the training alphabet
    plus one slot for characters never seen in training."""

    name = "char-unigram"
    tokenizer = "characters"

    def __init__(self, corpus_dir: Path | None = None) -> None:
        counts = Counter(c for t in load_corpus("train", corpus_dir).targets for c in t + END)
        total = sum(counts.values()) + len(counts) + 1
        self.log_p = {c: math.log((k + 1) / total) for c, k in counts.items()}
        self.log_unseen = math.log(1 / total)

    def text_log_prob(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        log_prob = [sum(self.log_p.get(c, self.log_unseen) for c in t + END) for t in texts]
        return torch.tensor(log_prob, dtype=torch.float64), torch.tensor([len(t) + 1 for t in texts])

    def text_token_log_probs(self, texts: list[str]) -> list[tuple[list[int], torch.Tensor]]:
        """Each character a token, the verse end last."""
        return [(list(range(len(t) + 1)), torch.tensor([self.log_p.get(c, self.log_unseen) for c in t + END],
                                                       dtype=torch.float64)) for t in texts]


# Loaders that fit on the corpus take the run's ``data`` options, so --corpus-dir reaches them.
def load_retrieval(device: torch.device, data: DataOptions = DataOptions()) -> Retrieval:
    return Retrieval(corpus_dir=data.corpus_dir)


def load_copy_source(device: torch.device) -> CopySource:
    return CopySource()


def load_reference(device: torch.device, data: DataOptions = DataOptions()) -> Reference:
    return Reference(data.corpus_dir)


def load_char_unigram(device: torch.device, data: DataOptions = DataOptions()) -> CharUnigram:
    return CharUnigram(data.corpus_dir)
