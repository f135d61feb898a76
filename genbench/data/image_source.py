"""A user's images, wherever they are: a folder (searched recursively), a zip file, or a manifest.

- Folder: every regular file below it, links followed; a link that leads back into a folder
  already being searched is a loop and is refused by name. FIFOs, sockets and devices are
  refused by name without being opened.
- Zip file (``.zip``): every member that is not a folder; members are read, never extracted.
- Manifest (``.jsonl``: one ``{"path": ...}`` object or JSON string per line; ``.txt``: one path
  per line): paths relative to the manifest's folder.

Files are recognised by decoding, not by extension: a file Pillow cannot identify is not an
image and is left out (counted and logged) unless its extension says it should be one, in which
case it is damaged. A damaged image (unidentifiable with an image extension, truncated, failing
its checksums) stops the evaluation naming it, or with ``skip_bad`` is left out and counted.

Every image becomes 8-bit RGB by one rule: 16-bit greyscale is scaled to 8 bits (v / 257,
rounded), then everything goes through Pillow's ``convert("RGB")``: greyscale is replicated,
palettes are expanded and an alpha channel is dropped (as clean-fid and torch-fidelity do, so
their scores and ours see the same pixels). Sizes may differ; resizing belongs to the feature
network's policy (genbench.features.resize).

Item ids are relative paths with ``/`` separators; the content hash covers every id and the
sha256 of every file's bytes, so a changed, added or removed file changes it.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

from genbench.data.files import check_regular_file, read_regular_bytes
from genbench.errors import InputError

if TYPE_CHECKING:  # Pillow is imported where images are decoded
    from PIL import Image

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".ppm", ".pgm"})
MAX_FILE_BYTES = 512 << 20  # far beyond any honest image; refuses a runaway file by name
DECODE_WORKERS = max(1, min(8, os.cpu_count() or 1))
MANIFEST_SUFFIXES = (".jsonl", ".txt")


@dataclass(frozen=True)
class Entry:
    id: str  # relative path, "/"-separated
    origin: str  # how messages name it: a path, or "archive.zip:member"
    read: Callable[[], bytes]


@dataclass(frozen=True)
class RgbBatch:
    start: int
    ids: tuple[str, ...]
    images: list[np.ndarray]  # (H, W, 3) uint8 each; sizes may differ


@dataclass
class ImageCollection:
    """A Dataset of a user's images (genbench.data.dataset)."""

    name: str
    entries: list[Entry]
    content_hash: str
    skip_bad: bool = False
    not_images: list[str] = field(default_factory=list)  # files that are not images at all
    skipped: list[str] = field(default_factory=list)  # damaged images left out under skip_bad

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def batches(self, size: int, device: object = None) -> Iterator[RgbBatch]:
        """Decoded batches in id order (a thread pool decodes; Pillow releases the GIL while it does)."""
        with ThreadPoolExecutor(DECODE_WORKERS) as pool:
            for start in range(0, len(self.entries), size):
                chunk = self.entries[start:start + size]
                decoded = list(pool.map(self._decode, chunk))
                kept = [(e.id, img) for e, img in zip(chunk, decoded) if img is not None]
                # Yielded even when empty, so that two collections batched alike stay in step.
                yield RgbBatch(start, tuple(i for i, _ in kept), [img for _, img in kept])

    def _decode(self, entry: Entry) -> np.ndarray | None:
        try:
            return decode_rgb(entry.read(), entry.origin)
        except DamagedImage as exc:
            if not self.skip_bad:
                raise InputError(f"{exc} Pass --skip-bad to leave damaged files out (they are counted).") from exc
            log.warning("skipped: %s", exc)
            self.skipped.append(entry.id)
            return None


class DamagedImage(InputError):
    """A file that should be an image and does not decode whole."""


def open_images(path: Path, skip_bad: bool = False, role: str = "images") -> ImageCollection:
    """The images at ``path`` (folder, zip or manifest), hashed and identified; refuses empty sources."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such folder, zip file or manifest of {role}.")
    if path.is_dir():
        entries = folder_entries(path)
    elif path.suffix.lower() == ".zip":
        entries = zip_entries(path)
    elif path.suffix.lower() in MANIFEST_SUFFIXES:
        entries = manifest_entries(path)
    else:
        raise InputError(f"{path}: {role} must be a folder, a .zip file or a manifest (.jsonl or .txt of paths).")
    if not entries:
        raise InputError(f"{path}: holds no files; expected {role}.")
    digest = hashlib.sha256()
    images, not_images, skipped = [], [], []
    for entry in sorted(entries, key=lambda e: e.id):
        data = entry.read()
        digest.update(f"{entry.id}\t{hashlib.sha256(data).hexdigest()}\n".encode())
        verdict = identify(data, entry)
        if verdict == "image":
            images.append(entry)
        elif verdict == "not-image":
            not_images.append(entry.id)
        elif skip_bad:
            skipped.append(entry.id)
        else:
            raise InputError(f"{entry.origin}: has an image's extension but is not a decodable image. "
                             "Pass --skip-bad to leave damaged files out (they are counted).")
    if not_images:
        log.info("%s: %d file(s) that are not images left out, e.g. %s", path, len(not_images), not_images[0])
    if not images:
        raise InputError(f"{path}: none of its {len(entries)} file(s) is a decodable image.")
    return ImageCollection(str(path), images, digest.hexdigest(), skip_bad, not_images, skipped)


def identify(data: bytes, entry: Entry) -> str:
    """"image", "not-image" or "damaged", from the header alone (decoding comes in batches)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)):
            return "image"
    except UnidentifiedImageError:
        return "damaged" if Path(entry.id).suffix.lower() in IMAGE_SUFFIXES else "not-image"
    except Image.DecompressionBombError as exc:
        raise InputError(f"{entry.origin}: {exc}") from exc
    except (OSError, SyntaxError, ValueError):
        return "damaged"


def decode_rgb(data: bytes, origin: str) -> np.ndarray:
    """The whole image as (H, W, 3) uint8 by the module's rule, or DamagedImage naming ``origin``."""
    from PIL import Image

    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_png(data, origin)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                return to_rgb(img)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise InputError(f"{origin}: too many pixels to decode safely: {exc}") from exc
        except Exception as exc:  # Pillow raises many types for damaged data; none may pass as an image
            raise DamagedImage(f"{origin}: damaged image ({type(exc).__name__}: {exc}).") from exc


def _check_png(data: bytes, origin: str) -> None:
    """Pillow skips most PNG checksums: check every chunk and the image data's exact length first,
    and refuse a size Pillow would call a decompression bomb before inflating anything."""
    from PIL import Image

    from genbench.data.png_check import PngError, PngSizeError, verify_png

    try:
        verify_png(data, max_pixels=Image.MAX_IMAGE_PIXELS)
    except PngSizeError as exc:
        raise InputError(f"{origin}: too many pixels to decode safely: {exc}") from exc
    except PngError as exc:
        raise DamagedImage(f"{origin}: damaged PNG ({exc}).") from exc


def to_rgb(img: Image.Image) -> np.ndarray:
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        wide = np.asarray(img, dtype=np.float64)
        grey = np.clip(np.round(wide / 257), 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    return np.asarray(img.convert("RGB"), dtype=np.uint8)


def folder_entries(root: Path) -> list[Entry]:
    entries: list[Entry] = []
    seen: dict[tuple[int, int], Path] = {}
    for folder, subfolders, files in os.walk(root, followlinks=True):
        here = Path(folder)
        info = here.stat()
        key = (info.st_dev, info.st_ino)
        if key in seen:
            raise InputError(f"{here}: a link loop; it leads back to {seen[key]}. Remove the link or point at a "
                             "folder without loops.")
        seen[key] = here
        subfolders.sort()
        for name in sorted(files):
            path = here / name
            check_regular_file(path)  # a FIFO would block the read forever
            entries.append(_file_entry(path.relative_to(root).as_posix(), path))
    return entries


def _file_entry(item_id: str, path: Path) -> Entry:
    return Entry(item_id, str(path), lambda: read_regular_bytes(path, MAX_FILE_BYTES))


def zip_entries(path: Path) -> list[Entry]:
    check_regular_file(path)
    try:
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not a readable zip file ({exc}).") from exc
    too_big = [m.filename for m in members if m.file_size > MAX_FILE_BYTES]
    if too_big:
        raise InputError(f"{path}:{too_big[0]}: expands to more than {MAX_FILE_BYTES:,} bytes.")

    def reader(member: zipfile.ZipInfo) -> Callable[[], bytes]:
        def read() -> bytes:
            try:
                with zipfile.ZipFile(path) as again:  # one handle per read: threads decode in parallel
                    return again.read(member)
            except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
                raise InputError(f"{path}:{member.filename}: cannot be read from the archive ({exc}).") from exc
        return read

    return [Entry(m.filename, f"{path}:{m.filename}", reader(m)) for m in members]


def manifest_entries(path: Path) -> list[Entry]:
    text = read_regular_bytes(path, MAX_FILE_BYTES).decode("utf-8", errors="strict")
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        listed = _manifest_path(line, path, number)
        target = listed if listed.is_absolute() else path.parent / listed
        if not target.exists():
            raise InputError(f"{path}:{number}: {listed} does not exist.")
        check_regular_file(target)
        entries.append(_file_entry(listed.as_posix(), target))
    return entries


def _manifest_path(line: str, manifest: Path, number: int) -> Path:
    if manifest.suffix.lower() == ".txt":
        return Path(line.strip())
    try:
        value = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{manifest}:{number}: not a JSON value ({exc}).") from exc
    value = value.get("path") if isinstance(value, dict) else value
    if not isinstance(value, str) or not value:
        raise InputError(f'{manifest}:{number}: expected {{"path": "..."}} or a JSON string.')
    return Path(value)
