"""Shared fixtures. Every test runs with networking disabled and caches in a temporary folder."""

from __future__ import annotations

import http.server
import socket
import sys
import threading
from functools import partial
from pathlib import Path

import pytest
import torch

from genbench.metrics.cost import CostSettings
from genbench.runner import RunOptions

QUICK_COST = CostSettings(large_batch=32, repeats=2, warmup=1, latency_calls=5)


class NetworkBlocked(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach another host fails loudly; loopback stays open for local servers."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1")):
            return real_connect(self, address)
        if self.family == socket.AF_UNIX:
            return real_connect(self, address)
        raise NetworkBlocked(f"network access to {address!r} attempted during a test")

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def isolated_paths(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path_factory.getbasetemp() / "genbench-cache"
    monkeypatch.setenv("GENBENCH_CACHE", str(cache))
    monkeypatch.setenv("GENBENCH_WEIGHTS", str(tmp_path_factory.getbasetemp() / "no-weights"))
    monkeypatch.delenv("GENBENCH_STORE", raising=False)


@pytest.fixture
def quick_options() -> RunOptions:
    return RunOptions(seed=0, cost=QUICK_COST)


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """Run the real console entry point in-process; returns its exit code."""
    from genbench.cli import main

    monkeypatch.setattr(sys, "argv", ["genbench", *args])
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch):
    return lambda *args: run_cli([str(a) for a in args], monkeypatch)


def digits_images(n: int = 450) -> torch.Tensor:
    from genbench.data.digits import load_digits

    return load_digits("test").images[:n]


def write_folder(folder: Path, images: torch.Tensor, ids: list[str] | None = None) -> Path:
    from genbench.data.image_folder import write_png

    folder.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images):
        write_png(folder / f"{ids[i] if ids else f'{i:05d}'}.png", image)
    return folder


def loopback_works() -> bool:
    """False inside a network namespace whose loopback is down (e.g. ``unshare -n``)."""
    try:
        with socket.create_server(("127.0.0.1", 0)) as server, socket.create_connection(server.getsockname(), 1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["http", "file"])
def served(request, tmp_path):
    """A folder and the base URL it is served at: over HTTP on localhost, and as file:// URLs."""
    folder = tmp_path / "served"
    folder.mkdir()
    if request.param == "file":
        yield folder, folder.as_uri()
        return
    if not loopback_works():
        pytest.skip("the loopback interface is down, so no local HTTP server can be reached; "
                    "the file:// case covers the same download code")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
