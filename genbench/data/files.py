"""Opening users' files safely: only regular files, never a FIFO or a device that would block a read.

A FIFO named ``x.png`` (or a link to one) makes ``open()`` wait forever for a writer. Files are
therefore checked with ``stat`` and refused by name without being opened; the open itself is
non-blocking and checked again on the descriptor, so a file swapped for a FIFO in between cannot
hang a run either.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from genbench.errors import InputError


def check_regular_file(path: Path) -> None:
    """Refuse, by name and without opening it, anything but a regular file (links are followed):
    a folder, a FIFO, a socket, a device, a dangling link."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        what = "a link to a missing file" if os.path.islink(path) else "no such file"
        raise InputError(f"{path}: {what} ({exc.strerror}).") from exc
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: {kind(mode)}, not a regular file; genbench reads only regular files.")


def kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
    return next((name for test, name in kinds if test(mode)), "a special file")


def read_regular_bytes(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, refused by name if it is anything else or larger than ``limit``."""
    check_regular_file(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(f"{path}: cannot be opened ({exc.strerror}).") from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):  # replaced since the check above
            raise InputError(f"{path}: {kind(info.st_mode)}, not a regular file; genbench reads only regular files.")
        if info.st_size > limit:
            raise InputError(f"{path}: {info.st_size:,} bytes, more than the {limit:,} such a file can need.")
        data = fh.read(limit + 1)
    if len(data) > limit:  # grew while being read
        raise InputError(f"{path}: more than the {limit:,} bytes such a file can need.")
    return data
