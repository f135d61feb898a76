"""The embedded parallel corpus: Reina-Valera 1909 (Spanish) and the King James Version (English).

Both are public-domain SWORD modules that Debian packages (``sword-text-sparv``,
``sword-text-kjv``) and that share the KJV versification, so verses align by reference. Pairs
whose Spanish verse is empty (18 verses the 1909 edition merges into a neighbour) are dropped,
leaving 31,084 pairs.

The split holds out whole books, so no verse of a test book is ever seen in training:

- test: Ruth, Esther, Jonah, Philippians, James, 1 John (616 pairs);
- validation: Joel, Titus (119 pairs), for a training recipe's own monitoring;
- train: every other book (30,349 pairs).

Each split's sha256 (over reference, source and target of every pair) goes into signatures.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Literal

from genbench.data.dataset import DataOptions, spans
from genbench.data.sword import Verse, open_module, read_verses
from genbench.errors import InputError, UnavailableError

if TYPE_CHECKING:
    import torch

SOURCE_MODULE = "spaRV1909eb"  # Debian: sword-text-sparv
TARGET_MODULE = "engKJV2006eb"  # Debian: sword-text-kjv
DEBIAN_PACKAGES = ("sword-text-sparv", "sword-text-kjv")
TEST_BOOKS = ("Ruth", "Esth", "Jonah", "Phil", "Jas", "1John")
VALIDATION_BOOKS = ("Joel", "Titus")
ENV_VAR = "GENBENCH_SWORD_PATH"
# Where SWORD front-ends install modules; SWORD_PATH is the library's own variable.
STANDARD_ROOTS = (Path.home() / ".sword", Path("/usr/share/sword"), Path("/usr/local/share/sword"))

Split = Literal["train", "validation", "test"]


@dataclass(frozen=True)
class Pair:
    ref: str  # OSIS reference, e.g. "Ruth.1.16"; also the item id vendors use in JSONL files
    source: str  # Spanish
    target: str  # English


@dataclass(frozen=True)
class ParallelSplit:
    name: str
    pairs: tuple[Pair, ...]
    content_hash: str

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.ref for p in self.pairs)

    @property
    def sources(self) -> list[str]:
        return [p.source for p in self.pairs]

    @property
    def targets(self) -> list[str]:
        return [p.target for p in self.pairs]

    def batches(self, size: int, device: torch.device | None = None) -> Iterator[TextBatch]:
        """Batches of (source, target) texts; ``device`` does not apply to text."""
        for start, n in spans(len(self), size):
            chunk = self.pairs[start:start + n]
            yield TextBatch(start, tuple(p.ref for p in chunk), [p.source for p in chunk],
                            [p.target for p in chunk])


@dataclass(frozen=True)
class TextBatch:
    start: int
    ids: tuple[str, ...]
    sources: list[str]
    targets: list[str]


def candidate_roots(explicit: Path | None = None) -> list[Path]:
    """SWORD library folders to look in, in order: the argument, $GENBENCH_SWORD_PATH, $SWORD_PATH, standard places."""
    roots = [Path(explicit)] if explicit is not None else []
    roots += [Path(os.environ[var]) for var in (ENV_VAR, "SWORD_PATH") if os.environ.get(var)]
    return roots + [r for r in STANDARD_ROOTS if r not in roots]


def find_library(explicit: Path | None = None) -> Path:
    """The first SWORD library folder holding both modules, or UnavailableError saying how to get them."""
    roots = [explicit] if explicit is not None else candidate_roots()
    for root in roots:
        conf_dir = Path(root) / "mods.d"
        if all((conf_dir / f"{m.lower()}.conf").is_file() or (conf_dir / f"{m}.conf").is_file()
               for m in (SOURCE_MODULE, TARGET_MODULE)):
            return Path(root)
    looked = ", ".join(str(r) for r in roots)
    raise UnavailableError(
        f"The text suite's corpus (SWORD modules {SOURCE_MODULE} and {TARGET_MODULE}) is not installed; "
        f"looked in {looked}. On Debian or Ubuntu run `sudo apt-get install {' '.join(DEBIAN_PACKAGES)}`, "
        "or run `genbench corpus get` (it uses apt-get where it can, else downloads the modules from their "
        f"publisher and checks their hashes), or point --corpus-dir / ${ENV_VAR} at a SWORD folder holding them.")


def align(sources: list[Verse], targets: list[Verse]) -> list[Pair]:
    """Verse pairs by reference; pairs with an empty side are dropped."""
    by_ref = {v.ref: v.text for v in targets}
    return [Pair(v.ref, v.text, by_ref[v.ref]) for v in sources if v.text and by_ref.get(v.ref)]


def split_hash(pairs: tuple[Pair, ...]) -> str:
    digest = hashlib.sha256()
    for pair in pairs:
        digest.update(f"{pair.ref}\t{pair.source}\t{pair.target}\n".encode())
    return digest.hexdigest()


# Both modules follow the KJV versification: 31,102 verse slots in 66 books. Fewer means a data
# file was cut short at an entry boundary (an empty or truncated index still parses), and the
# test split would silently lose books.
KJV_VERSES, KJV_BOOKS = 31_102, 66


def _checked_verses(root: Path, name: str) -> list[Verse]:
    verses = read_verses(open_module(root, name))
    books = len({v.book for v in verses})
    if (len(verses), books) != (KJV_VERSES, KJV_BOOKS):
        raise InputError(f"SWORD module {name} in {root} has {len(verses):,} verse slots in {books} books; the KJV "
                         f"versification it follows has {KJV_VERSES:,} in {KJV_BOOKS}. A data file is truncated or "
                         "damaged: reinstall the corpus (`genbench corpus get`).")
    return verses


@lru_cache(maxsize=4)
def _all_pairs(root: Path) -> tuple[Pair, ...]:
    return tuple(align(_checked_verses(root, SOURCE_MODULE), _checked_verses(root, TARGET_MODULE)))


def book_of(ref: str) -> str:
    return ref.split(".", 1)[0]


def load_corpus(split: Split, root: Path | None = None) -> ParallelSplit:
    """One split of the aligned corpus, read from the SWORD library at ``root`` (or found)."""
    pairs = _all_pairs(find_library(root))
    held_out = set(TEST_BOOKS) | set(VALIDATION_BOOKS)
    books = {"test": set(TEST_BOOKS), "validation": set(VALIDATION_BOOKS)}.get(split)
    chosen = tuple(p for p in pairs if (book_of(p.ref) in books if books else book_of(p.ref) not in held_out))
    return ParallelSplit(split, chosen, split_hash(chosen))


def load_test(options: DataOptions) -> ParallelSplit:
    """The test books, from ``options.corpus_dir`` or the standard SWORD locations."""
    return load_corpus("test", options.corpus_dir)
