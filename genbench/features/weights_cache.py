"""A local directory of pretrained weights, each file checked against its known sha256.

Standard networks (Inception-v3 for FID, backbones for LPIPS) cannot be trained here, so they
are looked up in a weights directory: ``--weights-dir``, else ``$GENBENCH_WEIGHTS``, else
``~/.cache/genbench/weights``. A missing or wrong file raises UnavailableError naming the exact
file, its expected hash and where it comes from; nothing is ever substituted.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from genbench.errors import UnavailableError
from genbench.weights import sha256_file

ENV_VAR = "GENBENCH_WEIGHTS"


@dataclass(frozen=True)
class WeightsSpec:
    """A file we know: its name, its sha256 (full, or the prefix torch.hub embeds in names) and its origin."""

    filename: str
    sha256: str
    url: str
    purpose: str

    def matches(self, digest: str) -> bool:
        return digest.startswith(self.sha256.lower())


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
            f"{spec.purpose} needs the weights file {spec.filename} (sha256 {spec.sha256}…), "
            f"which is not in {shown(folder)}. Download it from {spec.url} and put it there "
            f"(or point --weights-dir / ${ENV_VAR} at the folder that holds it)."
        )
    digest = sha256_file(path)
    if not spec.matches(digest):
        raise UnavailableError(
            f"Weights file {path} has sha256 {digest}, but {spec.purpose} needs {spec.sha256}…; "
            f"the file is corrupt or a different release. Replace it with the file from {spec.url}."
        )
    return path, digest


def download(spec: WeightsSpec, directory: Path | None = None, url: str | None = None,
             timeout: float = 60.0) -> Path:
    """Fetch ``spec`` into the weights directory; the file appears only once its hash checks out."""
    folder = weights_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    source = url or spec.url
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(source, timeout=timeout) as response:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
        if not spec.matches(digest.hexdigest()):
            raise UnavailableError(
                f"Download of {spec.filename} from {source} has sha256 {digest.hexdigest()}, "
                f"expected {spec.sha256}…; nothing was saved."
            )
        target = folder / spec.filename
        os.replace(tmp, target)
        return target
    except OSError as exc:
        raise UnavailableError(f"Cannot download {spec.filename} from {source}: {exc}") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
