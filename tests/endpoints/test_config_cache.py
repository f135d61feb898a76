"""Endpoint declarations are checked like the gate's config; the cache key covers every part of the
request and nothing secret; errors and empty answers are never cached."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from genbench.config import load_config
from genbench.endpoints.cache import ResponseCache, request_key
from genbench.endpoints.config import EndpointNotFound, find_endpoint
from genbench.endpoints.prompts import Template, template_for
from genbench.errors import InputError


def test_pyproject_and_genbench_toml_declarations(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.genbench.endpoints.vendor]\nbase_url = "https://api.example.test/v1/"\nmodel = "m-1"\n'
        'api_key_env = "VENDOR_KEY"\nconcurrency = 4\nrequests_per_minute = 600\n'
        'prices = { input_per_1k = 0.001, output_per_1k = 0.002 }\n'
        '[tool.genbench.endpoints.vendor.template]\n"text/translate-es-en" = "Spanish: {source}\\nEnglish:"\n'
        '[tool.genbench.tolerance]\nfid = { relative = 0.05 }\n')
    config = find_endpoint("vendor", cwd=tmp_path)
    assert (config.base_url, config.model, config.concurrency, config.queue_size) == (
        "https://api.example.test/v1", "m-1", 4, 8)
    assert config.requests_per_minute == 600.0 and config.prices.output_per_1k == 0.002
    assert config.template("text/translate-es-en") == "Spanish: {source}\nEnglish:"
    assert load_config(cwd=tmp_path).tolerance("fid").relative == 0.05  # the gate still reads the file
    (tmp_path / "genbench.toml").write_text('[endpoints.local]\nbase_url = "http://127.0.0.1:8000/v1"\nmodel = "x"\n')
    assert find_endpoint("local", cwd=tmp_path).model == "x"
    assert find_endpoint("vendor", cwd=tmp_path).model == "m-1"  # genbench.toml first, then pyproject.toml
    with pytest.raises(EndpointNotFound, match=r"genbench.toml \(local\).*pyproject.toml \(vendor\)"):
        find_endpoint("vendr", cwd=tmp_path)
    with pytest.raises(EndpointNotFound):
        find_endpoint("local", cwd=tmp_path, explicit=tmp_path / "pyproject.toml")


@pytest.mark.parametrize("line, message", [
    ('concurency = 4', "unknown key"),
    ('concurrency = 0', "whole number"),
    ('read_timeout_s = -1', "> 0"),
    ('max_failure_rate = 1.5', "between 0 and 1"),
    ('base_url = "ftp://x"', "http"),
    ('api = "audio"', "chat or images"),
    ('prices = { per_token = 1 }', "prices takes"),
    ('likelihood = "yes"', "true or false"),
    ('tokenizer = 3', "tokenizer must be a name"),
    ('api = "images"\nlikelihood = true', "apply to chat endpoints"),
    ('template = { "text/translate-es-en" = "no placeholder" }', None),
])
def test_bad_declarations_are_refused_by_name(tmp_path: Path, line: str, message: str | None) -> None:
    body = {"base_url": 'base_url = "http://127.0.0.1:1/v1"', "model": 'model = "m"'}
    key = line.split(" ")[0]
    body[key] = line
    (tmp_path / "genbench.toml").write_text("[endpoints.bad]\n" + "\n".join(body.values()) + "\n")
    if message is None:  # the template is checked when a task binds it
        config = find_endpoint("bad", cwd=tmp_path)
        with pytest.raises(InputError, match=r"\{source\} exactly once"):
            template_for("translate", config.template("text/translate-es-en"), "bad")
        return
    with pytest.raises(InputError, match=message):
        find_endpoint("bad", cwd=tmp_path)


BODY = {"model": "m", "messages": [{"role": "user", "content": "hola"}], "temperature": 0, "max_tokens": 64, "seed": 0}


@settings(max_examples=50, deadline=None)
@given(field=st.sampled_from(sorted(BODY)), change=st.integers(1, 1000))
def test_every_part_of_the_request_changes_the_key(field: str, change: int) -> None:
    base = request_key("http://h/v1/chat/completions", BODY, "t" * 64)
    changed = dict(BODY)
    changed[field] = f"{BODY[field]}{change}" if isinstance(BODY[field], str) else (
        [{"role": "user", "content": f"hola{change}"}] if field == "messages" else BODY[field] + change)
    assert request_key("http://h/v1/chat/completions", changed, "t" * 64) != base
    assert request_key("http://other/v1/chat/completions", BODY, "t" * 64) != base
    assert request_key("http://h/v1/chat/completions", BODY, "u" * 64) != base
    assert request_key("http://h/v1/chat/completions", dict(reversed(list(BODY.items()))), "t" * 64) == base


def test_template_round_trip() -> None:
    template = template_for("translate", None, "t")
    assert template.parse(template.render("Dios es amor.")) == "Dios es amor."
    assert template.parse("something else") is None
    assert Template("translate", "A{source}").digest != template.digest


def test_errors_and_empty_answers_are_never_cached(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    for empty in ({}, {"text": ""}, {"images": []}):
        with pytest.raises(ValueError):
            cache.put("k", empty)
    assert len(cache) == 0
    digest = cache.put_image(b"\x89PNG fake")
    cache.put("k", {"images": [digest]})
    assert cache.get("k") == {"images": [digest]}
    cache.image_path(digest).unlink()
    assert cache.get("k") is None  # an answer whose image file is gone is asked again
    mode = cache._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
