"""One generic registry for tasks, models, metrics and feature networks.

Targets may be objects or lazy ``"module:attr"`` strings, so listing names never imports
heavy code. Python entry points let other packages add entries without touching genbench.
"""

from __future__ import annotations

import difflib
import importlib
from importlib.metadata import entry_points
from typing import Any, Callable, Generic, Iterator, TypeVar

from genbench.errors import PASSED_ON, GenbenchError, describe

T = TypeVar("T")


def import_target(target: str) -> Any:
    """Import ``"package.module:attr"`` and return the attribute."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise GenbenchError(f"Target {target!r} must look like 'package.module:attr'.")
    try:
        module = importlib.import_module(module_name)
    except PASSED_ON:
        raise
    # ImportError, but also a SyntaxError, any error in a user's module, or its sys.exit()
    except BaseException as exc:
        raise GenbenchError(f"Cannot import module {module_name!r} for {target!r}: {describe(exc)}") from exc
    try:
        value: Any = module
        for part in attr.split("."):
            value = getattr(value, part)
    except AttributeError as exc:
        raise GenbenchError(f"Module {module_name!r} has no attribute {attr!r}.") from exc
    except PASSED_ON:
        raise
    except BaseException as exc:  # a module-level __getattr__ or a property that raises
        raise GenbenchError(f"Reading {attr!r} from module {module_name!r} raised {describe(exc)}") from exc
    return value


class Registry(Generic[T]):
    """Name → object (or lazy target), with entry-point discovery and did-you-mean lookups."""

    def __init__(self, kind: str, entry_point_group: str | None = None,
                 check: Callable[[Any], bool] | None = None) -> None:
        self.kind = kind
        self._entry_point_group = entry_point_group
        self._check = check
        self._targets: dict[str, T | str] = {}
        self._loaded: dict[str, T] = {}
        self._discovered = False

    def register(self, name: str, target: T | str) -> None:
        if name in self._targets and self._targets[name] != target:
            raise GenbenchError(f"{self.kind.capitalize()} {name!r} is registered twice.")
        self._targets[name] = target

    def _discover(self) -> None:
        if self._discovered or self._entry_point_group is None:
            return
        self._discovered = True
        for ep in entry_points(group=self._entry_point_group):
            self._targets.setdefault(ep.name, ep.value)

    def names(self) -> list[str]:
        self._discover()
        return sorted(self._targets)

    def __contains__(self, name: str) -> bool:
        self._discover()
        return name in self._targets

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def get(self, name: str) -> T:
        self._discover()
        if name in self._loaded:
            return self._loaded[name]
        if name not in self._targets:
            msg = f"Unknown {self.kind} {name!r}."
            suggestions = difflib.get_close_matches(name, self._targets, n=3)
            if suggestions:
                msg += f" Did you mean: {', '.join(suggestions)}?"
            else:
                msg += f" Known: {', '.join(sorted(self._targets)) or 'none'}."
            raise GenbenchError(msg)
        target = self._targets[name]
        value = import_target(target) if isinstance(target, str) else target
        if self._check is not None and not self._check(value):
            raise GenbenchError(f"{self.kind.capitalize()} {name!r} ({target!r}) is not a valid {self.kind}.")
        self._loaded[name] = value
        return value
