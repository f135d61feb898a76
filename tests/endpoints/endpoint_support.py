"""Test support for endpoints: genbench serve in a thread, request counting, endpoint declarations."""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest

import torch

from genbench.endpoints.server import ServedModel, build_app, running
from genbench.models.sources import load_model


class Counting:
    """Counts requests per path before handing them to ``app``."""

    def __init__(self, app: Any) -> None:
        self.app, self.requests = app, Counter()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.requests[scope["path"]] += 1
        await self.app(scope, receive, send)


@contextlib.contextmanager
def serving(model: str, wrap=Counting, **batching: Any) -> Iterator[tuple[str, Any]]:
    """``genbench serve MODEL`` in a thread: (base URL, the wrapping app that counts requests)."""
    source = load_model(model, torch.device("cpu"))
    app = wrap(build_app(ServedModel(source.model, source.label, **batching)))
    with running(app) as url:
        yield url, app


def declare(folder: Path, name: str, **fields: Any) -> Path:
    """A genbench.toml declaring endpoint ``name``; returns its path."""
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    path = folder / "genbench.toml"
    lines = [f"[endpoints.{name}]"] + [f"{k} = {value(v)}" for k, v in fields.items()]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n\n")
    return path




def run_cli(args: list[str], monkeypatch: Any) -> int:
    """The real console entry point in-process; its exit code."""
    import sys

    from genbench.cli import main

    monkeypatch.setattr(sys, "argv", ["genbench", *args])
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _first_verses(options: Any) -> Any:
    from genbench.data.bible import ParallelSplit, load_test, split_hash

    pairs = load_test(options).pairs[:SMALL_ITEMS]
    return ParallelSplit("test-first-96", pairs, split_hash(pairs))


# The translation task on its first 96 verses with fewer resamples: the endpoint tests score it
# often, and the whole split's metrics take most of a minute on a busy 2-core machine.
SMALL_ITEMS = 96
SMALL_TRANSLATION_NAME = "text/translate-es-en-first-96"


def _register_small_task() -> Any:
    from dataclasses import replace

    from genbench.data.dataset import DATASETS
    from genbench.tasks.spec import TASKS

    if SMALL_TRANSLATION_NAME not in TASKS:
        DATASETS.register("bible/test-first-96", _first_verses)
        TASKS.register(SMALL_TRANSLATION_NAME, replace(TASKS.get("text/translate-es-en"), name=SMALL_TRANSLATION_NAME,
                                                       resamples=100, data="bible/test-first-96"))
    return TASKS.get(SMALL_TRANSLATION_NAME)


SMALL_TRANSLATION = _register_small_task()


def _register_small_lm() -> Any:
    from dataclasses import replace

    from genbench.tasks.spec import TASKS

    name = "text/lm-en-first-96"
    if name not in TASKS:
        TASKS.register(name, replace(TASKS.get("text/lm-en"), name=name, resamples=100, data="bible/test-first-96"))
    return TASKS.get(name)


SMALL_LM = _register_small_lm()


@pytest.fixture
def endpoint_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """declare(name, **fields) into this test's own genbench.toml, found through $GENBENCH_CONFIG;
    each endpoint's response cache lives in this test's folder unless it says otherwise."""
    monkeypatch.setenv("GENBENCH_CONFIG", str(tmp_path / "genbench.toml"))

    def make(name: str, **fields: Any) -> Path:
        fields.setdefault("cache_dir", str(tmp_path / f"cache-{name}"))
        return declare(tmp_path, name, **fields)

    return make
