"""Crash safety: kill -9 `genbench run --suite images` at random moments, then `--resume` it.

After each kill the store (which held one earlier run) must open and be byte-for-byte as it was,
the run's journal (if the kill came after the first pair) must open and hold whole pairs only,
and `--resume` must finish with quality scores identical to an uninterrupted run's. Prints one
line per kill and a summary.

    python benchmarks/kill_resume.py --kills 20 --seed 0
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from genbench.journal import journal_folder
from genbench.metrics.catalog import CATALOG
from genbench.store import Store

QUALITY = {info.name for info in CATALOG if info.category == "quality"}


def genbench(*args: str) -> list[str]:
    return [sys.executable, "-m", "genbench", "run", "--suite", "images", *args]


def quality(path: Path) -> dict:
    return {(s["task"], s["model"], s["metric"]): (s["value"], s["ci_low"], s["ci_high"], s["n"], s["signature"])
            for s in json.loads(path.read_text()) if s["metric"] in QUALITY}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="genbench-kill-"))
    started = time.monotonic()
    subprocess.run(genbench("--store", str(work / "whole.sqlite"), "--json", str(work / "whole.json")),
                   check=True, capture_output=True)
    whole_s = time.monotonic() - started
    expected = quality(work / "whole.json")
    print(f"uninterrupted run: {whole_s:.1f} s, {len(expected)} quality scores")
    moments = random.Random(args.seed).sample(range(1, int(whole_s * 100)), args.kills)
    failures = 0
    for i, moment in enumerate(sorted(moments)):
        store = work / f"kill-{i}.sqlite"
        subprocess.run(genbench("--store", str(store), "--no-baselines", "--model", "pixel-noise"),
                       check=True, capture_output=True)  # an earlier run the kill must not touch
        before = digest(store)
        proc = subprocess.Popen(genbench("--store", str(store)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(moment / 100)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        unchanged = digest(store) == before
        with Store(store, readonly=True) as db:  # opens, and holds only the earlier run
            unchanged = unchanged and len(db.run_ids()) == 1
        pairs = 0
        for journal in journal_folder(store).glob("*.sqlite"):
            with Store(journal) as db:  # opens: whole pairs only (each was one transaction)
                pairs = len({(s.score.task, s.score.model) for s in db.latest_scores()})
        resumed = subprocess.run(genbench("--store", str(store), "--resume", "--json", str(work / f"r{i}.json")),
                                 capture_output=True, text=True)
        if resumed.returncode != 0 and "No unfinished run" in resumed.stderr:  # killed before any pair
            resumed = subprocess.run(genbench("--store", str(store), "--json", str(work / f"r{i}.json")),
                                     capture_output=True, text=True)
        same = resumed.returncode == 0 and quality(work / f"r{i}.json") == expected
        ok = unchanged and same and not journal_folder(store).exists()
        failures += not ok
        print(f"kill {i + 1:2d} at {moment / 100:6.2f} s: store unchanged {'yes' if unchanged else 'NO'}, "
              f"pairs with scores in the journal {pairs}, resume exit {resumed.returncode}, "
              f"scores identical {'yes' if same else 'NO'}")
    print(f"{args.kills} kills, {failures} failures; work folder {work}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
