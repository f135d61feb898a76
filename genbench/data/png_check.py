"""A strict structural check of PNG bytes, before and beside Pillow's decoding.

Pillow decodes damaged files as if they were whole: it skips the CRC of the chunks it reads while
decoding, never checks IEND's, and ignores image data beyond what the header needs. A vendor's
damaged output must not be scored as if it were intact, so every chunk's CRC is checked here
(IEND's too), the chunks must come in order and end at IEND, and the image data must inflate to
exactly the size the header implies, with a valid filter byte on every scanline. ``verify_png``
runs every check, for a task's folder of samples and a user's reference images alike.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# colour type → (channels, allowed bit depths)
COLOUR_TYPES = {0: (1, (1, 2, 4, 8, 16)), 2: (3, (8, 16)), 3: (1, (1, 2, 4, 8)), 4: (2, (8, 16)), 6: (4, (8, 16))}
# Adam7 passes: first column, first row, column step, row step
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
MAX_FILTER = 4  # None, Sub, Up, Average, Paeth


class PngError(ValueError):
    """The bytes are not a complete, intact PNG file; the message says where."""


class PngSizeError(PngError):
    """An intact header whose size is not the one wanted (found before any image data is inflated)."""


@dataclass(frozen=True)
class PngHeader:
    width: int
    height: int
    depth: int
    colour: int
    interlaced: bool
    idat: bytes  # every IDAT chunk's data, concatenated

    def scanlines(self) -> list[int]:
        """Bytes per scanline (filter byte excluded), one entry per scanline of every pass."""
        channels = COLOUR_TYPES[self.colour][0]
        passes = ADAM7 if self.interlaced else ((0, 0, 1, 1),)
        lines = []
        for x0, y0, dx, dy in passes:
            width, height = -(-(self.width - x0) // dx), -(-(self.height - y0) // dy)
            if width > 0 and height > 0:
                lines += [-(-width * channels * self.depth // 8)] * height
        return lines


def verify_png(data: bytes, size: tuple[int, int] | None = None, max_pixels: int | None = None) -> PngHeader:
    """Every check of this module: the chunks, then the header's size (exactly ``size`` (width, height),
    or at most ``max_pixels``) before anything is inflated, so a decompression bomb never is; then the
    image data."""
    header = read_header(data)
    found = f"{header.width}×{header.height} pixels"
    if size is not None and (header.width, header.height) != size:
        raise PngSizeError(f"image is {found}, expected {size[0]}×{size[1]}")
    if max_pixels is not None and header.width * header.height > max_pixels:
        raise PngSizeError(f"image is {found}, more than the {max_pixels:,} decoded safely")
    check_image_data(header)
    return header


def read_header(data: bytes) -> PngHeader:
    """Check the signature and every chunk (length, CRC, order, nothing after IEND); return the header."""
    if not data.startswith(SIGNATURE):
        raise PngError("no PNG signature")
    chunks = list(_chunks(data))
    types = [kind for kind, _ in chunks]
    if types[0] != b"IHDR" or len(chunks[0][1]) != 13:
        raise PngError("the first chunk is not a 13-byte IHDR")
    if types[-1] != b"IEND" or types.count(b"IEND") != 1 or chunks[-1][1]:
        raise PngError("the file does not end with one empty IEND chunk")
    idat = [i for i, kind in enumerate(types) if kind == b"IDAT"]
    if not idat or idat != list(range(idat[0], idat[-1] + 1)):
        raise PngError("the image data (IDAT) is missing or not in consecutive chunks")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if not width or not height or colour not in COLOUR_TYPES or depth not in COLOUR_TYPES[colour][1] \
            or compression or filtering or interlace > 1:
        raise PngError(f"invalid IHDR ({width}×{height}, depth {depth}, colour type {colour})")
    return PngHeader(width, height, depth, colour, bool(interlace), b"".join(chunks[i][1] for i in idat))


def _chunks(data: bytes):
    """(type, data) of each chunk, refusing a truncated chunk, a bad CRC or bytes after IEND."""
    pos = len(SIGNATURE)
    while True:
        if pos + 12 > len(data):
            raise PngError(f"truncated at byte {pos}: no complete chunk (the file ends early)")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        name, end = kind.decode("latin-1"), pos + 8 + length
        if length > 2**31 - 1 or end + 4 > len(data):
            raise PngError(f"chunk {name!r} at byte {pos} claims {length:,} bytes, past the end of the file")
        (crc,) = struct.unpack(">I", data[end:end + 4])
        if zlib.crc32(data[pos + 4:end]) != crc:
            raise PngError(f"chunk {name!r} at byte {pos} fails its CRC check (damaged bytes)")
        yield kind, data[pos + 8:end]
        pos = end + 4
        if kind == b"IEND":
            if pos != len(data):
                raise PngError(f"{len(data) - pos:,} byte(s) after the IEND chunk")
            return


def check_image_data(header: PngHeader) -> None:
    """The IDAT stream must inflate to exactly the header's size, end cleanly, and filter every line validly."""
    lines = header.scanlines()
    expected = sum(lines) + len(lines)
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(header.idat, expected + 1)  # never inflate more than one byte too many
    except zlib.error as exc:
        raise PngError(f"the image data does not decompress ({exc})") from exc
    if len(raw) > expected or inflater.unconsumed_tail:
        raise PngError(f"the image data holds more than the {expected:,} bytes a "
                       f"{header.width}×{header.height} image needs")
    if len(raw) < expected or not inflater.eof:
        raise PngError(f"the image data is truncated ({len(raw):,} of {expected:,} bytes)")
    if inflater.unused_data:
        raise PngError(f"{len(inflater.unused_data):,} byte(s) of image data after the end of its stream")
    pos = 0
    for number, size in enumerate(lines):
        if raw[pos] > MAX_FILTER:
            raise PngError(f"scanline {number} has filter type {raw[pos]} (valid: 0–{MAX_FILTER})")
        pos += size + 1
