"""Task kinds as plugins: protocol name → the kind that evaluates it.

Each kind lives in its own module and is imported only when a task of that kind runs. Other
packages add kinds through the ``genbench.kinds`` entry-point group.
"""

from __future__ import annotations

from genbench.registry import Registry

def _is_kind(value: object) -> bool:
    from genbench.kinds.base import TaskKind

    return isinstance(value, TaskKind)


KINDS: Registry = Registry("task kind", "genbench.kinds", check=_is_kind)
KINDS.register("sample", "genbench.kinds.generation:GENERATION")
KINDS.register("conditional", "genbench.kinds.conditional:CONDITIONAL")
KINDS.register("reconstruct", "genbench.kinds.reconstruction:RECONSTRUCTION")
KINDS.register("stylize", "genbench.kinds.style:STYLE")
KINDS.register("translate", "genbench.kinds.translation:TRANSLATION")
KINDS.register("text_likelihood", "genbench.kinds.text_likelihood:TEXT_LIKELIHOOD")
KINDS.register("folder_sample", "genbench.kinds.folder:FOLDER_GENERATION")
KINDS.register("folder_pairs", "genbench.kinds.folder:FOLDER_PAIRS")


def kind_of(protocol: str):  # -> TaskKind; untyped here so that listing kinds imports none
    """The kind that evaluates ``protocol``; an unknown protocol is an error, never a fall-through."""
    return KINDS.get(protocol)
