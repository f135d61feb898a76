"""Servers on 127.0.0.1 (a free port each), endpoint declarations in a temporary genbench.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from endpoint_support import declare


@pytest.fixture
def endpoint_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """declare(name, **fields) into this test's own genbench.toml, found through $GENBENCH_CONFIG;
    each endpoint's response cache lives in this test's folder unless it says otherwise."""
    monkeypatch.setenv("GENBENCH_CONFIG", str(tmp_path / "genbench.toml"))

    def make(name: str, **fields: Any) -> Path:
        fields.setdefault("cache_dir", str(tmp_path / f"cache-{name}"))
        return declare(tmp_path, name, **fields)

    return make
