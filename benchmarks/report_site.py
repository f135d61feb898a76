"""Benchmark: wall time and CPU time of `genbench report` over a store, and the size of the site.

Runs the real command in a subprocess (import time included) into a fresh folder each repeat and
prints one line per repeat, the median, and the site's size and file count. Also prints the
load average, since a busy machine stretches wall time. Target for all published suites on a
2-core CPU: under 10 s and 5 MB.

    for s in images conditional style text; do genbench run --suite $s --store all.sqlite; done
    python benchmarks/report_site.py --store all.sqlite --repeats 3
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


def run_once(store: Path, extra: list[str]) -> tuple[float, float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        cmd = [sys.executable, "-m", "genbench", "report", "--store", str(store.resolve()), "--out", str(out), *extra]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        # In a temporary folder: `-m genbench` would import a checkout in the working directory
        # instead of the interpreter's own genbench.
        subprocess.run(cmd, check=True, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        files = [p for p in out.rglob("*") if p.is_file()]
        return wall, cpu, sum(p.stat().st_size for p in files), len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True, help="a store holding the runs to report")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("extra", nargs="*", help="extra arguments for genbench report (--suite S, --run ID …)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
    walls = []
    for i in range(args.repeats):
        wall, cpu, size, count = run_once(args.store, args.extra)
        walls.append(wall)
        print(f"repeat {i + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU; site {size / 1e6:.3f} MB in {count} files")
    print(f"median wall time: {statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}); "
          f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
