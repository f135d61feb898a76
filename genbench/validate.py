"""Checks of user-supplied values at the edges (CLI options, model labels), before any work is done.

Each check raises InputError naming the argument, the value and what would be accepted, so a bad
value fails in the first second of a run rather than in a seeding call or an SQLite insert hours
later. Values are shown with ``repr`` in messages: it escapes control characters and lone
surrogates, so the message itself can always be printed.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from genbench.errors import InputError

if TYPE_CHECKING:
    import torch

# Seeds go to numpy's default_rng (any non-negative integer), torch.Generator.manual_seed
# (-2**63 … 2**64 - 1), an SQLite INTEGER column (signed 64-bit) and, through torch-fidelity's KID,
# numpy's legacy RandomState, which takes only 0 … 2**32 - 1: the range every one of them accepts.
MAX_SEED = 2**32 - 1
# Labels are table headers and store keys; a paragraph is not a label.
MAX_LABEL_LENGTH = 200
# Device types genbench can place a model on; torch knows more (meta, xla …) that no task runs on.
DEVICE_TYPES = ("cpu", "cuda", "mps")
# Characters that would break a table row, a terminal or a JSON/CSV consumer, or hide what a label
# says: controls (newline, tab, escape …), lone surrogates (not encodable as UTF-8), line and
# paragraph separators, and the bidirectional overrides of "Trojan source" text.
_BAD_CATEGORIES = {"Cc": "a control character", "Cs": "a lone surrogate (not valid UTF-8)",
                   "Zl": "a line separator", "Zp": "a paragraph separator"}
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_seed(seed: object, option: str = "--seed") -> int:
    """``seed`` as an int in 0 … MAX_SEED (bools and floats are refused: 1e30 is not a seed)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"{option} {seed!r}: expected an integer from 0 to 2**32 - 1.")
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"{option} {seed}: out of range; seeds go from 0 to 2**32 - 1 ({MAX_SEED:,}), "
                         "the range that every seeded library (numpy, torch, torch-fidelity) and the store accept.")
    return seed


def label_problem(label: str) -> str | None:
    """Why ``label`` cannot name a model's rows, or None when it can."""
    if not label.strip():
        return "it is empty"
    if label != label.strip():
        return "it starts or ends with white space"
    if len(label) > MAX_LABEL_LENGTH:
        return f"it is {len(label)} characters long (at most {MAX_LABEL_LENGTH})"
    for position, char in enumerate(label):
        what = _BAD_CATEGORIES.get(unicodedata.category(char)) or (
            "a bidirectional control" if char in _BIDI_CONTROLS else None)
        if what:
            return f"character {position + 1} is {what} (U+{ord(char):04X})"
    return None


def check_label(label: object, what: str) -> str:
    """``label`` if it may name rows in the store and on boards; else InputError saying why."""
    if not isinstance(label, str):
        raise InputError(f"{what} must be text, got {type(label).__name__}.")
    problem = label_problem(label)
    if problem:
        raise InputError(f"{what} {label!r} cannot label scores: {problem}.")
    return label


def parse_device(name: object) -> "torch.device":
    """``--device`` as a torch.device: auto, cpu, cuda, cuda:N or mps, available on this machine."""
    import torch

    if not isinstance(name, str) or not name.strip():
        raise InputError(f"--device {name!r}: expected auto, cpu, cuda, cuda:N or mps.")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise InputError(f"--device {name!r} is not a device: expected auto, cpu, cuda, cuda:N or mps.") from exc
    if device.type not in DEVICE_TYPES:
        raise InputError(f"--device {name!r}: genbench runs on {', '.join(DEVICE_TYPES)}, not {device.type}.")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise InputError(f"--device {name}: CUDA is not available on this machine.")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise InputError(f"--device {name}: this machine has {torch.cuda.device_count()} CUDA device(s).")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise InputError(f"--device {name}: MPS is not available on this machine.")
    if device.type == "cpu" and device.index not in (None, 0):
        raise InputError(f"--device {name!r}: there is one CPU device; use cpu.")
    return device
