"""Samples folders under hostile input: FIFOs and links never hang a run, damaged PNGs are never
scored as if whole, names that differ only in case are ambiguous."""

from __future__ import annotations

import os
import signal
import struct
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import digits_images, write_folder
from genbench.data.digits import load_digits
from genbench.data.image_folder import read_png
from genbench.data.image_source import decode_rgb
from genbench.data.png_check import PngError, PngSizeError, check_image_data, read_header, verify_png
from genbench.errors import InputError
from hostile import DAMAGED_PNGS, assemble, png_bytes
from test_store_hostile import refused

DIGIT = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4


class Hang(BaseException):
    """Raised into a blocked call; no handler for Exception or OSError can mistake it for a refusal."""


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block blocks, e.g. on opening a FIFO."""
    def expire(signum, frame):
        raise Hang(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def eval_folder(cli, folder: Path, store: Path, task: str = "images/digits") -> int:
    with deadline(120):  # a FIFO blocks forever; a loaded machine only takes long
        return cli("eval", "--task", task, "--samples", folder, "--name", "vendor", "--store", store)


@pytest.mark.parametrize("make", ["fifo", "link-to-fifo", "folder", "dangling-link", "link-to-folder"])
def test_anything_but_a_regular_file_is_refused_by_name_without_hanging(tmp_path, cli, capsys, make):
    folder = write_folder(tmp_path / "s", digits_images(20))
    odd = folder / "x.png"
    elsewhere = tmp_path / "elsewhere"
    if make == "fifo":
        os.mkfifo(odd)
    elif make == "link-to-fifo":
        os.mkfifo(elsewhere)
        odd.symlink_to(elsewhere)
    elif make == "folder":
        odd.mkdir()
    elif make == "dangling-link":
        odd.symlink_to(tmp_path / "missing.png")
    else:
        elsewhere.mkdir()
        odd.symlink_to(elsewhere)
    store = tmp_path / "r.sqlite"
    refused(eval_folder(cli, folder, store), capsys, "x.png")
    assert not store.exists()


def test_a_fifo_in_a_paired_folder_is_refused_too(tmp_path, cli, capsys):
    test = load_digits("test")
    folder = write_folder(tmp_path / "r", test.images, ids=list(test.ids))
    (folder / f"{test.ids[0]}.png").unlink()
    os.mkfifo(folder / f"{test.ids[0]}.png")
    refused(eval_folder(cli, folder, tmp_path / "r.sqlite", "images/digits-recon"), capsys, test.ids[0], "FIFO")


def test_a_link_to_a_regular_png_is_read(tmp_path):
    (tmp_path / "real.png").write_bytes(png_bytes(DIGIT))
    (tmp_path / "link.png").symlink_to(tmp_path / "real.png")
    with deadline(10):
        image = read_png(tmp_path / "link.png", (1, 8, 8))
    assert image.shape == (1, 8, 8) and float(image.max()) == pytest.approx(252 / 255)


@pytest.mark.parametrize("damage", sorted(DAMAGED_PNGS))
def test_damaged_pngs_are_refused_by_name(tmp_path, damage):
    path = tmp_path / f"{damage}.png"
    path.write_bytes(DAMAGED_PNGS[damage](png_bytes(DIGIT)))
    with pytest.raises(InputError, match=f"{damage}.png"):
        read_png(path, (1, 8, 8))


@pytest.mark.parametrize("damage", sorted(DAMAGED_PNGS))
def test_a_users_reference_images_get_the_same_png_checks(damage):
    """decode_rgb (--reference folders, zips, manifests) and read_png share verify_png."""
    with pytest.raises(InputError, match="ref/x.png"):
        decode_rgb(DAMAGED_PNGS[damage](png_bytes(DIGIT)), "ref/x.png")


def test_a_size_beyond_the_limit_is_refused_from_the_header_before_inflating(monkeypatch):
    from PIL import Image

    huge = DAMAGED_PNGS["ihdr-bomb-size"](png_bytes(DIGIT))  # 60000×60000 claimed, 8×8 of data
    with pytest.raises(PngSizeError, match="60000×60000 pixels, more than the 1,000"):
        verify_png(huge, max_pixels=1000)
    with pytest.raises(PngSizeError, match="expected 8×8"):
        verify_png(huge, size=(8, 8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(InputError, match="ref/x.png: too many pixels"):
        decode_rgb(huge, "ref/x.png")


def test_a_damaged_png_among_good_ones_fails_the_eval_and_stores_nothing(tmp_path, cli, capsys):
    folder = write_folder(tmp_path / "s", digits_images(20))
    good = (folder / "00004.png").read_bytes()
    (folder / "00004.png").write_bytes(DAMAGED_PNGS["iend-bad-crc"](good))
    store = tmp_path / "r.sqlite"
    refused(eval_folder(cli, folder, store), capsys, "00004.png", "CRC")
    assert not store.exists()


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=8), value=st.integers(0, 255))
def test_any_changed_byte_is_refused_or_still_decodes_to_a_valid_image(tmp_path_factory, position, value):
    """A byte changed anywhere after the signature either fails a check or (where it is a CRC or
    data byte changed to itself) leaves the file intact: never an exception of another type."""
    good = png_bytes(DIGIT)
    position %= len(good)
    damaged = good[:position] + bytes([value]) + good[position + 1:]
    path = tmp_path_factory.mktemp("png") / "x.png"
    path.write_bytes(damaged)
    try:
        image = read_png(path, (1, 8, 8))
    except InputError:
        return
    assert damaged == good, "a changed byte was accepted"
    assert image.shape == (1, 8, 8)


def adam7_png(pixels: np.ndarray, header: tuple[int, int] | None = None) -> bytes:
    """An interlaced 8-bit grey PNG built by hand (Pillow cannot write one), filter 0 on every
    line; ``header`` (height, width) lets the header claim another size than the data holds."""
    raw = bytearray()
    for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)):
        sub = pixels[y0::dy, x0::dx]
        if sub.size:
            for row in sub:
                raw += b"\0" + row.astype(np.uint8).tobytes()
    height, width = header or pixels.shape
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 1)
    return assemble([(b"IHDR", ihdr), (b"IDAT", zlib.compress(bytes(raw))), (b"IEND", b"")])


@pytest.mark.parametrize("shape", [(8, 8), (5, 3), (1, 1), (9, 17)])
def test_intact_interlaced_and_odd_sized_pngs_pass_the_structural_check(shape):
    pixels = (np.arange(np.prod(shape)).reshape(shape) * 7 % 256).astype(np.uint8)
    for data in (adam7_png(pixels), png_bytes(pixels), png_bytes(np.stack([pixels] * 3, axis=-1))):
        check_image_data(read_header(data))
    taller = np.zeros((shape[0] + 2, shape[1]), np.uint8)
    with pytest.raises(PngError, match="more than"):
        check_image_data(read_header(adam7_png(taller, header=shape)))


def test_an_interlaced_png_decodes_to_its_pixels(tmp_path):
    (tmp_path / "i.png").write_bytes(adam7_png(DIGIT))
    assert np.array_equal((read_png(tmp_path / "i.png", (1, 8, 8))[0].numpy() * 255).round(), DIGIT)


@pytest.mark.parametrize("other", ["DIGITS-{}.png", "Digits-{}.png", "digits-{}.PNG"])
def test_names_that_differ_only_in_case_are_ambiguous(tmp_path, cli, capsys, other):
    test = load_digits("test")
    folder = write_folder(tmp_path / "r", test.images, ids=list(test.ids))
    number = test.ids[3].split("-")[1]
    (folder / other.format(number)).write_bytes((folder / f"{test.ids[3]}.png").read_bytes())
    store = tmp_path / "r.sqlite"
    refused(eval_folder(cli, folder, store, "images/digits-recon"), capsys, "differ only in case",
            f"{test.ids[3]}.png", other.format(number))
    assert not store.exists()
