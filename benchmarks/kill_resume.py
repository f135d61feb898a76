"""Crash safety: kill -9 `genbench run --suite images` at random moments, then `--resume` it.

After each kill the store (which held one earlier run) must open and be byte-for-byte as it was,
or, when the kill came after the run's one transaction into the store, hold the earlier run and
the whole new one; the run's journal (if the kill came after the first pair) must open and hold
whole pairs only, and `--resume` must finish with quality scores identical to an uninterrupted run's. Prints one
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


def quality_of(scores: list[dict]) -> dict:
    return {(s["task"], s["model"], s["metric"]): (s["value"], s["ci_low"], s["ci_high"], s["n"], s["signature"])
            for s in scores if s["metric"] in QUALITY}


def quality(path: Path) -> dict:
    return quality_of(json.loads(path.read_text()))


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
    # Moments up to 95 % of the uninterrupted wall time, so that nearly every kill lands in the run;
    # one that lands after it (a slower start, say) is told apart below.
    moments = random.Random(args.seed).sample(range(1, int(whole_s * 95)), args.kills)
    failures = completed = 0
    for i, moment in enumerate(sorted(moments)):
        store = work / f"kill-{i}.sqlite"
        subprocess.run(genbench("--store", str(store), "--no-baselines", "--model", "pixel-noise"),
                       check=True, capture_output=True)  # an earlier run the kill must not touch
        before = digest(store)
        with Store(store, readonly=True) as db:
            (earlier,) = db.run_ids()
        proc = subprocess.Popen(genbench("--store", str(store)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(moment / 100)
        finished_first = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with Store(store, readonly=True) as db:  # opens (a hot rollback journal would be rolled back here)
            runs = db.run_ids()
            stored = quality_of([s.to_dict() for run_id in runs if run_id != earlier for s in db.run_scores(run_id)])
        # Either the kill came before the run's one transaction into the store (the store is as it
        # was) or after it (the store holds the earlier run and the whole new one): nothing between.
        whole_run_stored = len(runs) == 2 and stored == expected
        unchanged = len(runs) == 1 and digest(store) == before
        pairs = 0
        for journal in journal_folder(store).glob("*.sqlite"):
            with Store(journal) as db:  # opens: whole pairs only (each was one transaction)
                pairs = len({(s.score.task, s.score.model) for s in db.latest_scores()})
        if whole_run_stored:
            completed += 1
            same, resume_exit = True, "-"
        else:
            resumed = subprocess.run(genbench("--store", str(store), "--resume", "--json", str(work / f"r{i}.json")),
                                     capture_output=True, text=True)
            if resumed.returncode != 0 and "No unfinished run" in resumed.stderr:  # killed before any pair
                resumed = subprocess.run(genbench("--store", str(store), "--json", str(work / f"r{i}.json")),
                                         capture_output=True, text=True)
            same, resume_exit = resumed.returncode == 0 and quality(work / f"r{i}.json") == expected, resumed.returncode
        ok = (unchanged or whole_run_stored) and same and not journal_folder(store).exists()
        failures += not ok
        state = ("unchanged" if unchanged else "holds the whole finished run" if whole_run_stored else "CHANGED")
        print(f"kill {i + 1:2d} at {moment / 100:6.2f} s{' (the run had exited)' if finished_first else ''}: "
              f"store {state}, pairs with scores in the journal {pairs}, resume exit {resume_exit}, "
              f"scores identical {'yes' if same else 'NO'}", flush=True)
    print(f"{args.kills} kills ({completed} landed after the run was stored), {failures} failures; work folder {work}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
