"""Reading JSON that users hand in (``eval`` hypotheses, ``compare`` inputs) without crashing on it.

Python's parser fails on hostile input in ways that are not JSONDecodeError: RecursionError for
deeply nested arrays, ValueError for a number longer than the interpreter's integer-string limit
(4,300 digits). Both are found here first, so the refusal names the file and the line.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from genbench.data.files import check_regular_file
from genbench.errors import InputError

# genbench's own files nest at most six deep (boards → rows → scores → items → statistics).
MAX_DEPTH = 64
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
# Python (3.11, and 3.10.7 on) refuses to convert integers longer than this many digits.
MAX_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 0)() or 4300
_LONG_NUMBER = re.compile(r"\d{%d,}" % (MAX_DIGITS + 1))


def read_json(path: Path) -> Any:
    """The JSON document in the regular UTF-8 file ``path``, or InputError naming the file and line."""
    check_regular_file(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid UTF-8 ({exc}).") from exc
    return parse_json(text, str(path))


def parse_json(text: str, where: str, first_line: int = 1) -> Any:
    """Parse ``text``; ``where`` names the file in messages, ``first_line`` is the line ``text`` starts on."""
    _check_shape(text, where, first_line)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}, line {first_line + exc.lineno - 1}: not valid JSON ({exc.msg}).") from exc
    except (RecursionError, ValueError) as exc:  # limits the checks above did not foresee
        raise InputError(f"{where}: JSON beyond the parser's limits ({type(exc).__name__}: {exc}).") from exc


def _check_shape(text: str, where: str, first_line: int) -> None:
    """Refuse nesting deeper than MAX_DEPTH and numbers longer than Python converts, with their line."""
    number = _LONG_NUMBER.search(_blank_strings(text))
    if number:
        line = first_line + text.count("\n", 0, number.start())
        raise InputError(f"{where}, line {line}: a number of {number.end() - number.start():,} digits; "
                         f"numbers in genbench's files have at most {MAX_DIGITS:,}.")
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = first_line + text.count("\n", 0, match.start())
                raise InputError(f"{where}, line {line}: JSON nested more than {MAX_DEPTH} levels deep; "
                                 "genbench's files nest a few levels at most.")
        elif token in "]}":
            depth -= 1


def _blank_strings(text: str) -> str:
    """``text`` with the contents of JSON strings replaced by spaces (digits in a string are no number)."""
    return _STRING_OR_BRACKET.sub(lambda m: " " * len(m.group()) if m.group()[0] == '"' else m.group(), text)
