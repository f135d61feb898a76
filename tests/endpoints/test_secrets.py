"""An API key is read from the variable the config names and sent as a bearer token; it never
reaches the store, the JSON export, the logs, the cache (keys or answers) or the attempt records."""

from __future__ import annotations

import json
import logging

import pytest

from endpoint_support import SMALL_TRANSLATION_NAME, endpoint_config, run_cli, serving  # noqa: F401 (endpoint_config: a fixture)

SECRET = "sk-test-0123456789abcdefSECRET"


class Auth:
    """Refuses requests without the key; remembers the headers it saw."""

    def __init__(self, app):
        self.app, self.seen = app, []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/v1/chat"):
            auth = dict(scope["headers"]).get(b"authorization", b"").decode()
            self.seen.append(auth)
            if auth != f"Bearer {SECRET}":
                await send({"type": "http.response.start", "status": 401, "headers": []})
                return await send({"type": "http.response.body", "body": b"{}"})
        await self.app(scope, receive, send)


def test_api_key_is_sent_and_never_stored(endpoint_config, tmp_path, monkeypatch, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("VENDOR_KEY", SECRET)
    store, export = tmp_path / "results.sqlite", tmp_path / "scores.json"
    with serving("copy-source", wrap=Auth) as (url, auth):
        endpoint_config("vendor", base_url=url, model="copy-source", api_key_env="VENDOR_KEY")
        code = run_cli(["-v", "eval", "--task", SMALL_TRANSLATION_NAME, "--model", "endpoint:vendor",
                        "--store", str(store), "--json", str(export)], monkeypatch)
    assert code == 0
    assert auth.seen and set(auth.seen) == {f"Bearer {SECRET}"}
    assert json.loads(export.read_text())[0]["model"] == "endpoint:vendor"
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "answers.sqlite" for p in files)
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
        assert b"sk-test-0123" not in path.read_bytes(), path
    assert SECRET not in caplog.text


def test_a_missing_key_variable_is_named_not_guessed(endpoint_config, monkeypatch, capsys) -> None:
    monkeypatch.delenv("VENDOR_KEY", raising=False)
    endpoint_config("vendor", base_url="http://127.0.0.1:9/v1", model="m", api_key_env="VENDOR_KEY")
    code = run_cli(["eval", "--task", "text/translate-es-en", "--model", "endpoint:vendor"], monkeypatch)
    assert code == 2
    assert "VENDOR_KEY is not set" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["sk-proj-abc123def456", "not a name"])
def test_a_key_pasted_into_the_config_is_refused_without_echoing_it(endpoint_config, monkeypatch, capsys, value) -> None:
    endpoint_config("vendor", base_url="http://127.0.0.1:9/v1", model="m", api_key_env=value)
    code = run_cli(["eval", "--task", "text/translate-es-en", "--model", "endpoint:vendor"], monkeypatch)
    err = capsys.readouterr().err
    assert code == 2 and "name of an environment variable" in err and value not in err
