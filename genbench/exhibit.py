"""An exhibit: what a run keeps of one (task, model)'s outputs for people to look at (a PNG grid
of its first outputs, the inputs beside them, its first translations), stored with the run's scores."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

PNG = "image/png"
JSON = "application/json"
# The names a run stores its exhibits under; the report reads them by these names.
OUTPUTS = "outputs"
TRANSLATIONS = "translations"


@dataclass(frozen=True)
class Exhibit:
    task: str
    model: str
    name: str  # "outputs", or the inputs beside them: "targets", "content", "style"; "translations"
    media_type: str  # PNG or JSON
    body: bytes
    meta: dict[str, Any] = field(default_factory=dict)  # how many items it shows, of how many, which

    def meta_json(self) -> str:
        return json.dumps(self.meta, sort_keys=True, ensure_ascii=False)
