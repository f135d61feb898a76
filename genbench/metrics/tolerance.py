"""How far a metric may move before a change counts as a regression (if it is also significant)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    absolute: float = 0.0
    relative: float = 0.0
    ignore: bool = False  # never a regression (e.g. cost on a machine that is not dedicated)

    def allowed(self, base: float) -> float:
        return max(self.absolute, self.relative * abs(base))


FALLBACK = Tolerance(relative=0.05)  # a metric that declares none (a plugin's)
