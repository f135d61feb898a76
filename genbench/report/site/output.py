"""Writing a site folder whole or not at all: the pages are built in a sibling folder, which then
takes the target's place. A target that holds anything but an earlier report is refused."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from genbench.errors import InputError

MARKER = ".genbench-report"  # names a folder genbench wrote, so a rerun may replace it


def write_site(out: Path, files: dict[str, bytes]) -> None:
    out = Path(out)
    if out.exists() and not _replaceable(out):
        raise InputError(f"{out} exists and is not a folder written by genbench report (no {MARKER} in it); "
                         "name a new or empty folder.")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for relative, data in sorted(files.items()):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (staging / MARKER).write_text("written by genbench report; the whole folder is replaced on each run\n")
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a published site is read by others
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(staging, out)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _replaceable(out: Path) -> bool:
    if out.is_symlink() or not out.is_dir():
        return False
    return (out / MARKER).is_file() or not any(out.iterdir())
