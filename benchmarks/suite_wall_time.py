"""Benchmark: wall time and peak memory of `genbench run --suite <suite>` from shipped weights.

Runs the real command in a subprocess (a fresh store and reference cache each repeat, so the
cached reference features do not flatter later repeats) and prints one line per repeat plus the
median. Target for the images suite on a 2-core CPU: under 60 s.

    python benchmarks/suite_wall_time.py --suite images --repeats 3
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(suite: str, extra: list[str]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GENBENCH_CACHE": str(Path(tmp) / "cache")}
        cmd = [sys.executable, "-m", "genbench", "run", "--suite", suite, "--store", str(Path(tmp) / "r.sqlite"), *extra]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        # ru_maxrss of children is the largest child so far (KiB on Linux).
        peak_mib = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    return wall, peak_mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default="images")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("extra", nargs="*", help="extra arguments for genbench run")
    args = parser.parse_args()
    walls = []
    for i in range(args.repeats):
        wall, peak = run_once(args.suite, args.extra)
        walls.append(wall)
        print(f"repeat {i + 1}: wall {wall:.1f} s, peak RSS {peak:.0f} MiB", flush=True)
    print(f"genbench run --suite {args.suite}: median wall {statistics.median(walls):.1f} s over "
          f"{args.repeats} repeats (min {min(walls):.1f}, max {max(walls):.1f}); {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
