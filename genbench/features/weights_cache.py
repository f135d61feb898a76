"""A local directory of pretrained weights, each file checked against its full known sha256.

Standard networks (Inception-v3 for FID, backbones for LPIPS) cannot be trained here, so they
are looked up in a weights directory: ``--weights-dir``, else ``$GENBENCH_WEIGHTS``, else
``~/.cache/genbench/weights``. A missing or wrong file raises UnavailableError naming the exact
file, its expected hash and where it comes from; nothing is ever substituted.

Only the whole 64-hex sha256 is a check. The 8 hex digits torch.hub embeds in file names
(``alexnet-owt-7be5be79.pth``) are 32 bits: a file with a forged prefix is found in minutes by
varying a few bytes, so a spec that pins less is refused when it is made.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from genbench.atomic import write_atomically
from genbench.errors import GenbenchError, UnavailableError
from genbench.weights import sha256_file

ENV_VAR = "GENBENCH_WEIGHTS"
FULL_SHA256 = re.compile(r"[0-9a-f]{64}")
# torch.hub's convention: a name ends in ``-<first hex digits of the sha256>.<ext>``.
NAME_PREFIX = re.compile(r"-([0-9a-f]{8,})\.[A-Za-z0-9]+$")


@dataclass(frozen=True)
class WeightsSpec:
    """A file we know: its name, the full sha256 of the verified release file, and its origin."""

    filename: str
    sha256: str  # all 64 hex digits, lower case
    url: str
    purpose: str
    name: str | None = None  # what ``genbench weights get`` calls it, where it knows the file

    def __post_init__(self) -> None:
        if not FULL_SHA256.fullmatch(self.sha256):
            raise GenbenchError(f"Weights spec for {self.filename} must pin the full 64-hex sha256, but got "
                                f"{self.sha256!r}; a prefix is not a check.")

    def matches(self, digest: str) -> bool:
        return digest.lower() == self.sha256


def _prefix_note(spec: WeightsSpec, digest: str) -> str:
    """Said when a file's hash starts like the release's but is not it: the sign of a forged prefix."""
    found = NAME_PREFIX.search(spec.filename)
    if found and digest.startswith(found.group(1)) and not spec.matches(digest):
        return (f" Its first {len(found.group(1))} hex digits match the prefix in the file name, but only the "
                "full hash identifies the release: this file is not it.")
    return ""


def _how_to_get(spec: WeightsSpec) -> str:
    by_hand = f"download it from {spec.url} and put it there"
    if spec.name is None:
        return by_hand[0].upper() + by_hand[1:]
    return f"Run `genbench weights get {spec.name}`, or {by_hand}"


def weights_dir(explicit: Path | None = None) -> Path:
    if explicit is not None:
        return Path(explicit)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return Path.home() / ".cache" / "genbench" / "weights"


def shown(path: Path) -> str:
    """A path as messages show it: under the home folder as ``~/…`` (published tables travel)."""
    try:
        return "~/" + str(Path(path).resolve().relative_to(Path.home().resolve()))
    except ValueError:
        return str(path)


def resolve(spec: WeightsSpec, directory: Path | None = None) -> tuple[Path, str]:
    """Return the verified file and its full sha256, or raise UnavailableError saying what to do."""
    folder = weights_dir(directory)
    path = folder / spec.filename
    if not path.is_file():
        raise UnavailableError(
            f"{spec.purpose} needs the weights file {spec.filename} (sha256 {spec.sha256}), "
            f"which is not in {shown(folder)}. {_how_to_get(spec)} "
            f"(or point --weights-dir / ${ENV_VAR} at the folder that holds it)."
        )
    digest = sha256_file(path)
    if not spec.matches(digest):
        raise UnavailableError(
            f"Weights file {path} has sha256 {digest}, but {spec.purpose} needs {spec.filename} with sha256 "
            f"{spec.sha256}; the file is corrupt, forged or a different release, and is not used."
            f"{_prefix_note(spec, digest)} Replace it with the file from {spec.url}."
        )
    return path, digest


def download(spec: WeightsSpec, directory: Path | None = None, url: str | None = None,
             timeout: float = 60.0) -> Path:
    """Fetch ``spec`` into the weights directory; the file appears only once its hash checks out."""
    source = url or spec.url

    def write(tmp: str) -> None:
        with open(tmp, "wb") as out, urllib.request.urlopen(source, timeout=timeout) as response:
            copy_verified(response, out, spec, f"Download of {spec.filename} from {source}")

    target = weights_dir(directory) / spec.filename
    try:
        write_atomically(target, write)
    except OSError as exc:  # urllib's URLError and HTTPError are OSErrors too
        raise UnavailableError(f"Cannot download {spec.filename} from {source}: {exc}") from exc
    return target


def copy_verified(src: BinaryIO, out: BinaryIO, spec: WeightsSpec, what: str) -> None:
    """Stream ``src`` into ``out``, then raise unless the bytes carry ``spec``'s full sha256.

    The caller writes ``out`` to a temporary file, so a refused copy never takes the real name.
    """
    digest = hashlib.sha256()
    for chunk in iter(lambda: src.read(1 << 20), b""):
        digest.update(chunk)
        out.write(chunk)
    if not spec.matches(digest.hexdigest()):
        raise UnavailableError(
            f"{what} has sha256 {digest.hexdigest()}, expected {spec.sha256}; nothing was saved."
            f"{_prefix_note(spec, digest.hexdigest())}"
        )
