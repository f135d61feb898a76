"""torchrun: two gloo ranks on the CPU give every quality score of the one-process run, exactly.

The digits tasks hold 450 items in batches of 150: three batches over two ranks, an uneven split.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from genbench.metrics.catalog import CATALOG

QUALITY = {info.name for info in CATALOG if info.category == "quality"}
MODELS = ["--no-baselines", "--model", "dcgan", "--model", "vae"]


def loopback_up() -> bool:
    """torch's rendezvous needs loopback; in a fresh network namespace it starts down."""
    state = subprocess.run(["ip", "link", "show", "lo"], capture_output=True, text=True)
    if state.returncode != 0 or "UP" in state.stdout.split(">")[0]:
        return True
    return subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True).returncode == 0


def genbench_run(tmp_path: Path, name: str, ranks: int, *extra: str) -> subprocess.CompletedProcess:
    launcher = ([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={ranks}"]
                if ranks > 1 else [sys.executable])
    env = {**os.environ, "GENBENCH_DIST_TIMEOUT": "120", "OMP_NUM_THREADS": "1"}
    return subprocess.run([*launcher, "-m", "genbench", "run", "--suite", "images", *MODELS,
                           "--store", str(tmp_path / f"{name}.sqlite"), "--json", str(tmp_path / f"{name}.json"),
                           *extra], capture_output=True, text=True, timeout=600, env=env)


def quality(path: Path) -> dict[tuple[str, str, str], tuple]:
    return {(s["task"], s["model"], s["metric"]): (s["value"], s["ci_low"], s["ci_high"], s["n"], s["signature"],
                                                   s["items"])
            for s in json.loads(path.read_text()) if s["metric"] in QUALITY}


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2 to check the loopback interface")
def test_two_gloo_ranks_give_the_scores_of_one_process(tmp_path):
    if not loopback_up():
        pytest.skip("the loopback interface is down and cannot be brought up (needs root)")
    one = genbench_run(tmp_path, "one", 1)
    assert one.returncode == 0, one.stderr
    two = genbench_run(tmp_path, "two", 2)
    assert two.returncode == 0, two.stderr
    expected, found = quality(tmp_path / "one.json"), quality(tmp_path / "two.json")
    assert {task for task, _, _ in expected} == {"images/digits", "images/digits-recon"}
    assert len(expected) > 20
    assert found == expected
    assert two.stderr.count(" stored (") == 1  # rank 0 alone reports and stores
    assert two.stdout.count("board 1") == one.stdout.count("board 1")


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2 to check the loopback interface")
def test_a_rank_that_fails_stops_every_rank_with_its_message_and_stores_nothing(tmp_path):
    if not loopback_up():
        pytest.skip("the loopback interface is down and cannot be brought up (needs root)")
    env = {**os.environ, "GENBENCH_DIST_TIMEOUT": "120", "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(Path(__file__).parent)}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           "-m", "genbench", "run", "--suite", "images", "--no-baselines", "--model",
                           "resume_models:fails_on_rank_one", "--store", str(tmp_path / "s.sqlite")],
                          capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode != 0
    assert "Rank 1 failed" in done.stderr and "out of memory on this rank" in done.stderr
    # torchrun's launcher prints its own ChildFailedError; no traceback may come out of genbench itself
    assert "genbench/api.py" not in done.stderr and "genbench/runner.py" not in done.stderr
    assert not (tmp_path / "s.sqlite").exists()


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2 to check the loopback interface")
def test_a_dead_rank_stops_the_run_through_torchrun_naming_the_rank_and_stores_nothing(tmp_path):
    if not loopback_up():
        pytest.skip("the loopback interface is down and cannot be brought up (needs root)")
    # A collective timeout far beyond the subprocess timeout: the run must end because torchrun's agent
    # sees the dead worker and tears the group down, not because rank 0 waited out a collective.
    env = {**os.environ, "GENBENCH_DIST_TIMEOUT": "1800", "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(Path(__file__).parent)}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           "-m", "genbench", "run", "--suite", "images", "--no-baselines", "--model",
                           "resume_models:dies_on_rank_one", "--store", str(tmp_path / "s.sqlite")],
                          capture_output=True, text=True, timeout=400, env=env)
    assert done.returncode != 0
    assert "exitcode  : -9" in done.stderr and "rank      : 1" in done.stderr, done.stderr[-3000:]
    assert "genbench/api.py" not in done.stderr and "genbench/runner.py" not in done.stderr
    assert not (tmp_path / "s.sqlite").exists()
