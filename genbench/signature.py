"""Signatures: everything that decides whether two scores may be compared.

Rendered compactly in the spirit of sacrebleu (``task:images/digits@1|data:…|metric:fid|…``).
The seed is recorded but is not part of the comparability key: it picks which samples were
drawn, not what is measured, so reseeded runs of the same setup stay comparable.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

# Fields recorded for provenance that do not change what a score measures. A remote model's prompt
# template, its request parameters (max_tokens, whether a seed is sent …) and its non-determinism
# are part of the system under test, as a model's weights are: recorded, and a change is judged by
# compare rather than refused.
NOT_IN_KEY = ("seed", "prompt", "deterministic", "request")


def comparability_key(rendered: str) -> str:
    """A rendered signature without the fields in NOT_IN_KEY: what must match for two scores to compare."""
    return "|".join(p for p in rendered.split("|") if p.split(":", 1)[0] not in NOT_IN_KEY)


@dataclass(frozen=True)
class Signature:
    task: str
    task_version: int
    data_hash: str
    metric: str
    implementation: str
    settings: tuple[tuple[str, str], ...] = ()
    features: str = "none"
    features_sha256: str = "none"
    preprocessing: str = "none"
    n: int = 0
    seed: int | None = None
    device: str = "any"
    interval: str = "none"  # how the 95 % interval was made, e.g. half-sampling-items-B200

    @staticmethod
    def make(settings: Mapping[str, Any] | None = None, **kwargs: Any) -> "Signature":
        items = tuple(sorted((str(k), str(v)) for k, v in (settings or {}).items()))
        return Signature(settings=items, **kwargs)

    def render(self) -> str:
        parts = [
            f"task:{self.task}@{self.task_version}",
            f"data:{self.data_hash[:12]}",
            f"metric:{self.metric}",
            f"impl:{self.implementation}",
        ]
        parts += [f"{k}:{v}" for k, v in self.settings]
        parts += [
            f"feat:{self.features}",
            f"featsha:{self.features_sha256[:12]}",
            f"pre:{self.preprocessing}",
            f"n:{self.n}",
            f"device:{self.device}",
            f"ci:{self.interval}",
            f"seed:{self.seed}",
        ]
        return "|".join(parts)

    def key(self) -> str:
        return comparability_key(self.render())

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @staticmethod
    def from_json(text: str) -> "Signature":
        raw = json.loads(text)
        raw["settings"] = tuple(tuple(item) for item in raw.get("settings", ()))
        names = {f.name for f in fields(Signature)}
        return Signature(**{k: v for k, v in raw.items() if k in names})
