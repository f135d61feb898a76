"""`genbench serve` refuses what it cannot serve, by name, before it listens."""

from __future__ import annotations

import pytest

from endpoint_support import run_cli


@pytest.mark.parametrize("model, message", [
    ("endpoint:vendor", "serves a local model"),
    ("adain", "offers stylize"),
    ("no-such-model", "Unknown model"),
])
def test_serve_refuses_what_it_cannot_serve(model: str, message: str, monkeypatch, capsys) -> None:
    assert run_cli(["serve", model, "--port", "0"], monkeypatch) == 2
    assert message in capsys.readouterr().err
