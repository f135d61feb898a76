"""The response cache: answers keyed by the sha256 of the canonical request, in SQLite (WAL mode,
one writer per process), images as files named by their own sha256. Only checked, non-empty
answers are ever put in; errors never are. The key never holds a credential."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from genbench.atomic import write_atomically

# Bump when the canonical request or the stored answer changes shape: old entries are then never read.
CACHE_SCHEMA = 1
COMMIT_EVERY_S = 1.0


def default_cache_dir() -> Path:
    root = os.environ.get("GENBENCH_CACHE")
    base = Path(root) if root else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "genbench"
    return base / "endpoints"


def request_key(url: str, body: dict[str, Any], template_digest: str, draw: int | None = None) -> str:
    """sha256 of everything that decides the answer: the URL (endpoint and route), the body (model,
    every parameter, the rendered prompt, the seed), the template and the cache schema. ``draw``
    tells apart the random draws of an otherwise equal request whose seed is not sent: without
    it, five samples of one prompt would be one cached answer five times."""
    material: dict[str, Any] = {"schema": CACHE_SCHEMA, "url": url, "body": body, "template": template_digest}
    if draw is not None:
        material["draw"] = draw
    canonical = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.images = self.folder / "images"
        self.images.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.folder / "answers.sqlite", timeout=30, isolation_level=None,
                                   check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash loses at most the last commits, never corrupts
        self._opened = 0.0
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, answer TEXT NOT NULL, "
                         "stored REAL NOT NULL)")

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT answer FROM answers WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        answer = json.loads(row[0])
        if any(not self.image_path(h).is_file() for h in answer.get("images", ())):
            return None  # an image file was removed: ask again rather than answer half
        return answer

    def put(self, key: str, answer: dict[str, Any]) -> None:
        """Store an answer; answers are committed in groups (at most COMMIT_EVERY_S apart, and by
        ``flush``), so a crash loses at most the last second of answers, never the file."""
        if not answer or answer.get("text") == "" or answer.get("images") == []:
            raise ValueError("empty answers are never cached")
        if not self._db.in_transaction:
            self._db.execute("BEGIN")
            self._opened = time.monotonic()
        self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)",
                         (key, json.dumps(answer, sort_keys=True), time.time()))
        if time.monotonic() - self._opened > COMMIT_EVERY_S:
            self.flush()

    def flush(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")

    def image_path(self, digest: str) -> Path:
        return self.images / digest[:2] / f"{digest}.png"

    def put_image(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self.image_path(digest)
        if not path.is_file():
            write_atomically(path, lambda tmp: Path(tmp).write_bytes(data))
        return digest

    def read_image(self, digest: str) -> bytes:
        return self.image_path(digest).read_bytes()

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        self.flush()
        self._db.close()
