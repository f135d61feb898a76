"""Hypotheses made elsewhere: a plain text file (one per test item, in order) or JSONL with item ids.

Plain text: UTF-8, one line per test item in the task's order; a final newline is optional and
``\\r\\n`` endings are accepted. JSONL (a file named ``*.jsonl``): one object per line,
``{"id": "Ruth.1.1", "hypothesis": "…"}``, in any order, every test item exactly once. Any
problem raises InputError naming the file and line; nothing is scored from a bad file.
"""

from __future__ import annotations

from pathlib import Path

from genbench.data.files import read_regular_bytes
from genbench.data.json_file import parse_json
from genbench.errors import InputError

# The test split's references are about 100 KB; a hypothesis file a thousand times larger is not one.
MAX_TEXT_BYTES = 128 << 20


def read_hypotheses(path: Path, ids: tuple[str, ...]) -> list[str]:
    """The hypotheses in ``path`` for the items ``ids``, in the order of ``ids``."""
    path = Path(path)
    if not path.is_file():  # a FIFO or a folder is refused here, by name, without being opened
        raise InputError(f"Samples file {path} does not exist or is not a regular file.")
    raw = read_regular_bytes(path, MAX_TEXT_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(f"{path}, line {line}: not valid UTF-8 (byte {raw[exc.start]:#04x} at offset {exc.start}).") from exc
    if not text.strip():
        raise InputError(f"Samples file {path} is empty; expected {len(ids)} hypotheses.")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if path.suffix.lower() == ".jsonl":
        return _from_jsonl(path, lines, ids)
    if len(lines) != len(ids):
        raise InputError(f"{path} has {len(lines)} line(s), expected {len(ids)}: one hypothesis per test item, "
                         f"in order (the first is {ids[0]}, the last {ids[-1]}).")
    return lines


def _from_jsonl(path: Path, lines: list[str], ids: tuple[str, ...]) -> list[str]:
    wanted = set(ids)
    found: dict[str, tuple[str, int]] = {}  # id → (hypothesis, line number)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise InputError(f"{path}, line {number}: empty line; every line must be one JSON object.")
        row = parse_json(line, str(path), number)
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not isinstance(row.get("hypothesis"), str):
            raise InputError(f'{path}, line {number}: expected {{"id": "<item id>", "hypothesis": "<text>"}} '
                             "with string values.")
        if not _is_unicode(row["hypothesis"]):
            raise InputError(f"{path}, line {number}: the hypothesis holds a lone surrogate (a \\ud800–\\udfff "
                             "escape that encodes no character); hypotheses must be valid Unicode text.")
        item = row["id"]
        if item not in wanted:
            raise InputError(f"{path}, line {number}: unknown item id {item!r} (ids look like {ids[0]!r}).")
        if item in found:
            raise InputError(f"{path}, line {number}: duplicate item id {item!r} (first on line {found[item][1]}).")
        found[item] = (row["hypothesis"], number)
    missing = [i for i in ids if i not in found]
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise InputError(f"{path}: {len(missing)} test item(s) have no hypothesis: {shown}.")
    return [found[i][0] for i in ids]


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
