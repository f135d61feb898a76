"""The hostile-input corpus: bad inputs for run, eval, compare, leaderboard, corpus and the store.

Each case prepares its own folder and names the genbench arguments to run there; ``tests/
hostile_corpus.py`` runs them in subprocesses and classifies what happened. Arguments may hold
``{d}`` for the case's folder.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from hostile import png_bytes, raw_pickle, torch_pickle

Setup = Callable[[Path], None]
REFUSE, INCOMPARABLE, ACCEPT, INTERRUPTED = "refuse", "incomparable", "accept", "interrupted"
SWORD = Path("/usr/share/sword")


@dataclass(frozen=True)
class Case:
    category: str  # run, eval, compare, leaderboard, corpus, store
    name: str
    argv: tuple[str, ...]
    setup: Setup | None = None
    expect: str = REFUSE  # refuse: exit 2; incomparable: exit 3; interrupted (Ctrl-C): 130; accept: exit 0, ``literal`` shown
    literal: str | None = None  # text an accepted case must print as it is (markup shown, not applied)
    store: str = "r.sqlite"  # hashed before and after: a refusal must leave it as it was
    read_only: str | None = None  # a folder mounted read-only for this case (needs root and unshare)
    extra_env: tuple[tuple[str, str], ...] = field(default=())


# ---------------------------------------------------------------- building blocks

def digits_folder(folder: Path, n: int = 20, ids: list[str] | None = None) -> Path:
    from genbench.data.digits import load_digits
    from genbench.data.image_folder import write_png

    test = load_digits("test")
    folder.mkdir(parents=True, exist_ok=True)
    names = ids or [f"{i:05d}" for i in range(n)]
    for i, name in enumerate(names):
        write_png(folder / f"{name}.png", test.images[i % len(test.images)])
    return folder


def paired_folder(folder: Path) -> Path:
    from genbench.data.digits import load_digits

    return digits_folder(folder, ids=list(load_digits("test").ids))


def one_run_store(path: Path, model: str = "a") -> Path:
    from genbench.score import Score
    from genbench.signature import Signature
    from genbench.store import Store

    sig = Signature.make({}, task="images/digits", task_version=1, data_hash="ab" * 32, metric="fid",
                         implementation="torch-fidelity-0.4.0", n=450, seed=0)
    with Store(path) as db:
        db.add_run("run", 0, "cfg", {}, [Score("images/digits", model, "fid", 5.0, 4.0, 6.0, 450, False, sig)])
    return path


def signature(metric: str = "psnr") -> str:
    return (f"task:images/digits-recon@1|data:6e872357a9f3|metric:{metric}|impl:torchmetrics-1.9.0|feat:none|"
            "featsha:none|pre:quantize-17-levels|n:450|device:any|ci:bootstrap-percentile-items-B1000|seed:0")


def score_row(**changes) -> dict:
    row = {"task": "images/digits-recon", "model": "vae", "metric": "psnr", "value": 20.0, "ci_low": 19.9,
           "ci_high": 20.1, "n": 450, "higher_is_better": True, "signature": signature(), "items": None}
    return {**row, **changes}


def write(name: str, content: str | bytes | Callable[[Path], object]) -> Setup:
    def setup(d: Path) -> None:
        path = d / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return setup


def steps(*setups: Setup) -> Setup:
    def setup(d: Path) -> None:
        for step in setups:
            step(d)
    return setup


def fifo(name: str) -> Setup:
    return lambda d: os.mkfifo(d / name)


def good_base(d: Path) -> None:
    (d / "base.json").write_text(json.dumps([score_row()]))


def store_with(*edits: Callable[[Path], None]) -> Setup:
    def setup(d: Path) -> None:
        store = one_run_store(d / "r.sqlite")
        for edit in edits:
            edit(store)
    return setup


def corpus_copy(damage: Callable[[Path], None] | None = None) -> Setup:
    """A copy of the installed SWORD library in ``d/sword``, then ``damage`` applied to it."""
    def setup(d: Path) -> None:
        shutil.copytree(SWORD, d / "sword", symlinks=False)
        if damage:
            damage(d / "sword")
    return setup


def module_file(root: Path, ext: str, module: str = "spaRV1909eb") -> Path:
    return root / "modules" / "texts" / "ztext" / module / f"nt.{ext}"


def truncate(path: Path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])


def flip_bytes(path: Path, at: float) -> None:
    data = bytearray(path.read_bytes())
    pos = int(len(data) * at)
    data[pos:pos + 8] = bytes(b ^ 0xA5 for b in data[pos:pos + 8])
    path.write_bytes(bytes(data))


MARKER = "EXECUTED"  # a pickle's payload would create this file in the case's folder


def pickle_file(name: str, kind: str) -> Setup:
    """A pickle (``torch-zip`` or ``raw-pickle``) at ``d/name`` whose loading would create ``d/EXECUTED``."""
    def setup(d: Path) -> None:
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(PICKLES[kind](d / MARKER))
    return setup


def inflation_bomb(bzs: Path, bzz: Path, size: int = 512 << 20) -> None:
    """Point the first block of a zText module at a zlib stream of ``size`` zeros (about size/1000 bytes)."""
    import struct
    import zlib

    bomb = zlib.compress(bytes(size), 1)
    blocks = bytearray(bzs.read_bytes())
    usize = struct.unpack_from("<III", blocks, 0)[2]
    struct.pack_into("<III", blocks, 0, bzz.stat().st_size, len(bomb), usize)
    bzs.write_bytes(bytes(blocks))
    with open(bzz, "ab") as fh:
        fh.write(bomb)


def good_png() -> bytes:
    return png_bytes(np.arange(64, dtype=np.uint8).reshape(8, 8) * 4)


PICKLES = {"torch-zip": torch_pickle, "raw-pickle": raw_pickle}
BAD_NAMES = {"empty": "", "space": " ", "newline": "a\nb", "tab": "a\tb", "escape": "x\x1b[31m", "cr": "x\r",
             "bidi": "evil\u202etxt", "line-separator": "a\u2028b", "surrogate": "v\udcff", "long": "x" * 300,
             "baseline-name": "vae", "baseline-name-2": "pixelcnn"}
MARKUP_NAMES = {"closing-tag": "[/]", "bold": "[bold]vendor[/bold]", "link": "x[link=file:///etc/passwd]y",
                "backslash-end": "vendor\\", "nested": "[[/]]"}
