"""The SWORD reader and the aligned corpus. These tests need the corpus installed (README:
`apt-get install sword-text-sparv sword-text-kjv`); without it they fail, saying how to get it."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from genbench.data.bible import SOURCE_MODULE, TARGET_MODULE, TEST_BOOKS, VALIDATION_BOOKS, book_of, find_library, load_corpus
from genbench.data.sword import open_module, plain_text, read_verses
from genbench.errors import InputError


@pytest.fixture(scope="module")
def root() -> Path:
    return find_library()


@pytest.fixture(scope="module")
def english(root):
    return read_verses(open_module(root, TARGET_MODULE))


@pytest.fixture(scope="module")
def spanish(root):
    return read_verses(open_module(root, SOURCE_MODULE))


def by_ref(verses):
    return {v.ref: v for v in verses}


def test_both_modules_hold_the_whole_kjv_versification(english, spanish):
    # 23,145 Old Testament and 7,957 New Testament verses, 66 books in canonical order.
    assert len(english) == len(spanish) == 31_102
    assert [v.ref for v in english] == [v.ref for v in spanish]
    books = list(dict.fromkeys(v.book for v in english))
    assert len(books) == 66
    assert books[:3] == ["Gen", "Exod", "Lev"] and books[38:41] == ["Mal", "Matt", "Mark"] and books[-1] == "Rev"
    counts = {b: sum(1 for v in english if v.book == b) for b in ("Gen", "Ps", "Ruth", "Jonah", "Jude")}
    assert counts == {"Gen": 1533, "Ps": 2461, "Ruth": 85, "Jonah": 48, "Jude": 25}


def test_chapter_and_book_boundaries_align(english, spanish):
    en, es = by_ref(english), by_ref(spanish)
    assert en["Gen.1.1"].text == "In the beginning God created the heaven and the earth."
    assert es["Gen.1.1"].text == "EN el principio crió Dios los cielos y la tierra."
    # The last verse of a chapter and the first of the next are not shifted by the chapter heading slot.
    assert en["Gen.1.31"].text.startswith("And God saw every thing that he had made")
    assert es["Gen.1.31"].text.startswith("Y vió Dios todo lo que había hecho")
    assert en["Gen.2.1"].text.startswith("Thus the heavens and the earth were finished")
    assert es["Gen.2.1"].text.startswith("Y FUERON acabados los cielos")
    # Nor by the book heading slot, across the testaments.
    assert en["Mal.4.6"].text.startswith("And he shall turn the heart of the fathers")
    assert es["Mal.4.6"].text.startswith("El convertirá el corazón de los padres")
    assert en["Matt.1.1"].text.startswith("The book of the generation of Jesus Christ")
    assert es["Matt.1.1"].text.startswith("LIBRO de la generación de Jesucristo")
    assert es["Rev.22.21"].text.startswith("La gracia de nuestro Señor Jesucristo")
    assert max(v.verse for v in english if v.book == "Ps" and v.chapter == 119) == 176


def test_markup_footnotes_and_typography_are_removed(english):
    en = by_ref(english)
    # Gen 1:4 carries a footnote ("Heb. between the light and between the darkness").
    assert en["Gen.1.4"].text == "And God saw the light, that it was good: and God divided the light from the darkness."
    assert "\\nd" not in en["Exod.6.3"].text and "JEHOVAH was I not known" in en["Exod.6.3"].text
    assert not any("<" in v.text or "¶" in v.text for v in english)


def test_plain_text_of_osis_markup():
    osis = ('<w lemma="strong:H1">And</w> <w>God</w> said<note placement="foot">a remark</note>:'
            '<l sID="x"/>Let<l eID="x"/>there &amp; be')
    assert plain_text(osis) == "And God said: Let there & be"


def test_split_holds_out_whole_books():
    train, validation, test = (load_corpus(s) for s in ("train", "validation", "test"))
    assert (len(train), len(validation), len(test)) == (30_349, 119, 616)
    assert {book_of(r) for r in test.ids} == set(TEST_BOOKS)
    assert {book_of(r) for r in validation.ids} == set(VALIDATION_BOOKS)
    assert not {book_of(r) for r in train.ids} & (set(TEST_BOOKS) | set(VALIDATION_BOOKS))
    assert test.pairs[0].ref == "Ruth.1.1" and test.pairs[-1].ref == "1John.5.21"
    ruth = dict(zip(test.ids, test.pairs))["Ruth.1.16"]
    assert ruth.target.startswith("And Ruth said, Intreat me not to leave thee")
    assert ruth.source.startswith("Y Ruth respondió: No me ruegues que te deje")
    # The split's content is part of every signature; a change to it must be deliberate.
    assert test.content_hash.startswith("6535565a27ec")


def copy_module(root: Path, tmp_path: Path, name: str = TARGET_MODULE) -> Path:
    copy = tmp_path / "sword"
    (copy / "mods.d").mkdir(parents=True)
    module = open_module(root, name)
    for conf in (root / "mods.d").glob("*.conf"):
        if conf.stem.lower() == name.lower():
            shutil.copy(conf, copy / "mods.d" / conf.name)
    target = copy / module.conf["DataPath"].lstrip("./").rstrip("/")
    shutil.copytree(module.data_dir, target)
    return copy


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "nt.bzv").write_bytes((d / "nt.bzv").read_bytes()[:-3]), "not a whole number of 10-byte entries"),
    (lambda d: (d / "nt.bzz").write_bytes((d / "nt.bzz").read_bytes()[:1000]), "truncated"),
    (lambda d: (d / "nt.bzz").write_bytes(b"\0" * 64 + (d / "nt.bzz").read_bytes()[64:]), "does not decompress"),
    (lambda d: (d / "nt.bzv").write_bytes((d / "nt.bzv").read_bytes()[:40] + struct.pack("<IIH", 999, 0, 5)
                                          + (d / "nt.bzv").read_bytes()[50:]), "points at block 999"),
    (lambda d: (d / "ot.bzs").unlink(), "missing data file"),
])
def test_a_corrupt_module_file_is_a_clear_error(root, tmp_path, damage, message):
    copy = copy_module(root, tmp_path)
    damage(copy / open_module(root, TARGET_MODULE).data_dir.relative_to(root))
    with pytest.raises(InputError, match=message) as err:
        read_verses(open_module(copy, TARGET_MODULE))
    assert TARGET_MODULE.lower() in str(err.value).lower()  # the message names the module's file


def test_missing_corpus_says_how_to_get_it(tmp_path):
    from genbench.errors import UnavailableError

    with pytest.raises(UnavailableError, match="apt-get install sword-text-sparv sword-text-kjv") as err:
        load_corpus("test", tmp_path)
    assert "genbench corpus get" in str(err.value)


@pytest.mark.parametrize("ext, keep", [("bzv", 0.0), ("bzv", 0.5), ("bzs", 0.0)])
def test_a_module_cut_short_at_an_entry_boundary_is_refused(tmp_path, ext, keep):
    """An empty or halved index parses (it is a whole number of entries) but loses verses."""
    import shutil

    from genbench.data.bible import load_corpus
    from genbench.errors import InputError

    root = tmp_path / "sword"
    shutil.copytree(find_library(), root)
    path = root / "modules" / "texts" / "ztext" / SOURCE_MODULE.lower() / f"nt.{ext}"
    if not path.exists():
        path = next(root.glob(f"modules/texts/ztext/*/nt.{ext}"))
    data = path.read_bytes()
    entry = 10 if ext == "bzv" else 12
    path.write_bytes(data[:int(len(data) * keep) // entry * entry])
    with pytest.raises(InputError, match="SWORD"):
        load_corpus("test", root)


def test_a_block_that_inflates_past_its_index_is_refused_without_inflating_it(tmp_path):
    import shutil
    import struct
    import zlib

    from genbench.data.bible import load_corpus
    from genbench.errors import InputError

    root = tmp_path / "sword"
    shutil.copytree(find_library(), root)
    bzs, bzz = (next(root.glob(f"modules/texts/ztext/*/nt.{ext}")) for ext in ("bzs", "bzz"))
    bomb = zlib.compress(bytes(256 << 20), 1)  # 256 MiB of zeros in about 256 KiB
    blocks = bytearray(bzs.read_bytes())
    _, _, usize = struct.unpack_from("<III", blocks, 0)
    struct.pack_into("<III", blocks, 0, bzz.stat().st_size, len(bomb), usize)
    bzs.write_bytes(bytes(blocks))
    with open(bzz, "ab") as fh:
        fh.write(bomb)
    with pytest.raises(InputError, match="inflates to more than"):
        load_corpus("test", root)
