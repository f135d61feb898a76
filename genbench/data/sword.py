"""A reader for SWORD Bible modules in the zText format (CrossWire's compressed verse text).

A module is a ``.conf`` file under ``mods.d/`` and, for each testament (``ot``, ``nt``), three
files in its ``DataPath``:

- ``.bzs``: one 12-byte entry per compressed block: offset, size and uncompressed size (u32 LE);
- ``.bzz``: the blocks themselves, each a zlib stream;
- ``.bzv``: one 10-byte entry per index slot: block number (u32), offset in the uncompressed
  block (u32) and length (u16).

Index slots follow the module's versification: slot 0 is empty, slot 1 holds the module header,
then every book has one introduction slot, and every chapter one introduction slot followed by
one slot per verse. The OSIS markup names books (``<div type="book" osisID="Gen">``) and
chapters (``<chapter osisID="Gen.1" sID=…>``) in their introduction slots, so verse references
are read off the module itself and checked against the slot count.
"""

from __future__ import annotations

import html
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from genbench.errors import InputError

TESTAMENTS = ("ot", "nt")
_BLOCK = struct.Struct("<III")  # offset, compressed size, uncompressed size
_SLOT = struct.Struct("<IIH")  # block, offset, size

# Book and chapter milestones open with sID and close (in the last verse) with eID.
_BOOK = re.compile(r'<div\b(?=[^>]*\btype="book")(?=[^>]*\bsID=)[^>]*>')
_OSIS_ID = re.compile(r'\bosisID="([^"]+)"')
_CHAPTER = re.compile(r'<chapter\b[^>]*\bsID="[^"]*"[^>]*>')
# Footnotes carry a reference and an editor's remark, not the verse's text.
_NOTE = re.compile(r"<note\b[^>]*>.*?</note>", re.DOTALL)
# Milestones (``<l sID=…/>``) separate lines of poetry: they become a space. Element tags wrap
# words (``<w lemma=…>God</w>``) and are removed without one, so punctuation stays attached.
_MILESTONE = re.compile(r"<[^>]+/>")
_TAG = re.compile(r"<[^>]+>")
# Leftovers of the publisher's USFM source (``\\nd LORD``) and KJV's paragraph signs are
# typography, not words.
_TYPOGRAPHY = re.compile(r"\\\+?[a-z]+[0-9]*\*?|¶")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Module:
    name: str
    conf: dict[str, str]
    data_dir: Path

    @property
    def files(self) -> list[Path]:
        return [self.data_dir / f"{t}.{ext}" for t in TESTAMENTS for ext in ("bzs", "bzv", "bzz")]


@dataclass(frozen=True)
class Verse:
    book: str  # OSIS book id, e.g. "Gen"
    chapter: int
    verse: int
    text: str  # plain text: markup and footnotes removed, whitespace collapsed

    @property
    def ref(self) -> str:
        return f"{self.book}.{self.chapter}.{self.verse}"


def read_conf(path: Path) -> dict[str, str]:
    """``key=value`` lines of a module's conf file; the ``[name]`` line is stored under ``name``."""
    conf: dict[str, str] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"SWORD conf file {path}: cannot read it ({exc}).") from exc
    for line in lines:
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            conf["name"] = line[1:-1]
        elif "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            conf.setdefault(key.strip(), value.strip())
    return conf


def open_module(root: Path, name: str) -> Module:
    """The module ``name`` of a SWORD library folder ``root`` (which holds ``mods.d/``)."""
    conf_path = Path(root) / "mods.d" / f"{name.lower()}.conf"
    if not conf_path.is_file():
        conf_path = Path(root) / "mods.d" / f"{name}.conf"
    if not conf_path.is_file():
        raise InputError(f"SWORD module {name}: no conf file in {Path(root) / 'mods.d'}.")
    conf = read_conf(conf_path)
    if conf.get("ModDrv", "").lower() != "ztext" or conf.get("CompressType", "ZIP").upper() != "ZIP":
        raise InputError(f"SWORD module {name} ({conf_path}): ModDrv={conf.get('ModDrv')!r}, "
                         f"CompressType={conf.get('CompressType')!r}; genbench reads zText modules with ZIP blocks.")
    if conf.get("Encoding", "UTF-8").upper() != "UTF-8":
        raise InputError(f"SWORD module {name} ({conf_path}): Encoding={conf['Encoding']!r}, expected UTF-8.")
    data_dir = Path(root) / conf.get("DataPath", "").lstrip("./").rstrip("/")
    module = Module(name, conf, data_dir)
    missing = [str(p) for p in module.files if not p.is_file()]
    if missing:
        raise InputError(f"SWORD module {name}: missing data file(s) {', '.join(missing)}.")
    return module


def raw_slots(module: Module, testament: str) -> list[str]:
    """Every index slot of one testament as its raw OSIS text ('' for empty slots)."""
    base = module.data_dir / testament
    blocks_raw, slots_raw, data = (Path(f"{base}.{ext}").read_bytes() for ext in ("bzs", "bzv", "bzz"))
    for path, raw, size in ((f"{base}.bzs", blocks_raw, _BLOCK.size), (f"{base}.bzv", slots_raw, _SLOT.size)):
        if len(raw) % size:
            raise InputError(f"SWORD file {path}: {len(raw)} bytes is not a whole number of {size}-byte entries; "
                             "the file is truncated or corrupt.")
    blocks = [_BLOCK.unpack_from(blocks_raw, i) for i in range(0, len(blocks_raw), _BLOCK.size)]
    decoded: dict[int, bytes] = {}
    texts = []
    for slot, pos in enumerate(range(0, len(slots_raw), _SLOT.size)):
        block, offset, size = _SLOT.unpack_from(slots_raw, pos)
        if size == 0:
            texts.append("")
            continue
        if block >= len(blocks):
            raise InputError(f"SWORD file {base}.bzv: slot {slot} points at block {block}, but {base}.bzs has "
                             f"{len(blocks)}; the module is corrupt.")
        if block not in decoded:
            decoded[block] = _inflate(blocks[block], data, f"{base}.bzz", block)
        raw = decoded[block][offset:offset + size]
        if len(raw) != size:
            raise InputError(f"SWORD file {base}.bzv: slot {slot} reads past the end of block {block}; "
                             "the module is corrupt.")
        try:
            texts.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InputError(f"SWORD file {base}.bzz: slot {slot} is not valid UTF-8 ({exc}).") from exc
    return texts


def _inflate(entry: tuple[int, int, int], data: bytes, path: str, block: int) -> bytes:
    offset, size, usize = entry
    if offset + size > len(data):
        raise InputError(f"SWORD file {path}: block {block} ends at byte {offset + size}, past the file's "
                         f"{len(data)} bytes; the file is truncated.")
    inflater = zlib.decompressobj()
    try:  # never inflate past what the index promises: a damaged block must not become gigabytes
        out = inflater.decompress(data[offset:offset + size], usize + 1)
    except zlib.error as exc:
        raise InputError(f"SWORD file {path}: block {block} does not decompress ({exc}); the file is corrupt.") from exc
    if len(out) > usize or inflater.unconsumed_tail:
        raise InputError(f"SWORD file {path}: block {block} inflates to more than the {usize:,} bytes its index says.")
    if len(out) != usize:
        raise InputError(f"SWORD file {path}: block {block} inflates to {len(out)} bytes, its index says {usize}.")
    return out


def plain_text(osis: str) -> str:
    """A slot's OSIS markup as plain text: footnotes dropped, tags removed, entities decoded."""
    text = html.unescape(_TAG.sub("", _MILESTONE.sub(" ", _NOTE.sub("", osis))))
    return _SPACE.sub(" ", _TYPOGRAPHY.sub(" ", text)).strip()


def read_verses(module: Module) -> list[Verse]:
    """Every verse slot of the module in canonical order, empty verses included (text '')."""
    verses: list[Verse] = []
    for testament in TESTAMENTS:
        book, chapter, verse = "", 0, 0
        path = module.data_dir / f"{testament}.bzv"
        for slot, osis in enumerate(raw_slots(module, testament)):
            if slot < 2:  # the empty slot and the module header
                continue
            if _BOOK.search(osis):
                book_tag = _BOOK.search(osis).group(0)
                found = _OSIS_ID.search(book_tag)
                if not found:
                    raise InputError(f"SWORD file {path}: slot {slot} opens a book without an osisID.")
                book, chapter, verse = found.group(1), 0, -1
            elif _CHAPTER.search(osis):
                if not book:
                    raise InputError(f"SWORD file {path}: slot {slot} opens a chapter before any book.")
                chapter, verse = chapter + 1, 0
            elif verse < 0 or not book:
                raise InputError(f"SWORD file {path}: slot {slot} holds text where a chapter heading is expected; "
                                 "genbench cannot tell its verse reference.")
            else:
                verse += 1
                verses.append(Verse(book, chapter, verse, plain_text(osis)))
    return verses
