"""Run the hostile-input corpus: every case of hostile_catalog through the real CLI in a subprocess.

Each case runs in its own folder with a timeout and is classified as one of

- ``refused``: exit 2 (3 where the case must be incomparable, 130 where it is a Ctrl-C) with a message
  and no traceback;
- ``handled``: a case meant to be accepted (markup in a name) that exits 0 and prints its text literally;
- ``traceback``, ``hang`` (the timeout expired), ``accepted`` (exit 0 where a refusal was due),
  ``store changed`` (a refusal that altered the store's bytes, or created one), ``code ran`` (a
  pickle's payload created its marker), ``other`` (any other exit code).

    python tests/hostile_corpus.py [--jobs 2] [--timeout 60] [--only eval] [--case run/sample-meta …]
                                   [--json out.json] [--code DIR] [-v]

The exit status is 0 only when every case is refused or handled.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

from hostile_cases import ACCEPT, INCOMPARABLE, INTERRUPTED, MARKER, Case  # noqa: E402

GOOD = ("refused", "handled")
OUTCOMES = ("refused", "handled", "traceback", "hang", "accepted", "store changed", "code ran", "other")


@dataclass(frozen=True)
class Outcome:
    case: Case
    outcome: str
    code: int | None
    seconds: float
    detail: str  # the last line of the message, or why the case failed


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else (
        "not a file" if path.exists() or path.is_symlink() else None)


def command(case: Case, folder: Path) -> list[str]:
    argv = [sys.executable, "-m", "genbench", *(a.replace("{d}", str(folder)) for a in case.argv)]
    if case.read_only is None:
        return argv
    place = case.read_only.replace("{d}", str(folder))
    mount = f"mount --bind {place} {place} && mount -o remount,bind,ro {place} {place} && exec \"$@\""
    return ["unshare", "-m", "sh", "-c", mount, "sh", *argv]


def environment(folder: Path, shared: Path, code: Path | None = None) -> dict[str, str]:
    """The case's environment; ``code`` puts another genbench checkout first (to measure an older commit)."""
    paths = ([str(code)] if code else []) + [str(TESTS), str(folder)]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths),
            "GENBENCH_STORE": str(folder / "r.sqlite"), "GENBENCH_CACHE": str(shared / "cache"),
            "GENBENCH_WEIGHTS": str(shared / "no-weights"), "COLUMNS": "200"}


def run_case(index: int, case: Case, root: Path, shared: Path, timeout: float, code: Path | None = None) -> Outcome:
    folder = root / f"{index:04d}"  # names can be longer than a file name may be
    folder.mkdir(parents=True)
    if case.setup:
        case.setup(folder)
    store = folder / case.store
    before = digest(store)
    start = time.monotonic()
    try:
        done = subprocess.run(command(case, folder), cwd=folder, env={**environment(folder, shared, code), **dict(case.extra_env)},
                              capture_output=True, text=True, timeout=timeout, errors="backslashreplace")
    except subprocess.TimeoutExpired:
        return Outcome(case, "hang", None, time.monotonic() - start, f"no exit after {timeout:.0f} s")
    seconds = time.monotonic() - start
    outcome, detail = classify(case, done.returncode, done.stdout, done.stderr, before, digest(store), folder)
    return Outcome(case, outcome, done.returncode, seconds, detail)


def classify(case: Case, code: int, out: str, err: str, before: str | None, after: str | None,
             folder: Path) -> tuple[str, str]:
    last = next((line for line in reversed(" ".join(err.split()).split("error:")) if line.strip()), "").strip()
    if any(folder.rglob(MARKER)):
        return "code ran", "a pickle's payload created its marker file"
    if "Traceback (most recent call last)" in err or "Traceback (most recent call last)" in out:
        return "traceback", err.strip().splitlines()[-1][:200]
    if case.expect == ACCEPT:
        if code == 0 and (case.literal is None or case.literal in out):
            return "handled", "accepted, shown literally"
        return "other", f"exit {code}; expected exit 0 showing {case.literal!r}"
    if before != after:
        return "store changed", f"exit {code}; store {before} → {after}"
    wanted = {INCOMPARABLE: 3, INTERRUPTED: 130}.get(case.expect, 2)
    if code == wanted and err.strip():
        return "refused", last[:200]
    if code == 0:
        return "accepted", "exit 0 where a refusal was due"
    return "other", f"exit {code}: {last[:200]}"


def run_corpus(cases: list[Case], jobs: int, timeout: float, verbose: bool = False,
               code: Path | None = None) -> list[Outcome]:
    with tempfile.TemporaryDirectory(prefix="genbench-hostile-") as tmp:
        root, shared = Path(tmp) / "cases", Path(tmp) / "shared"
        root.mkdir()
        shared.mkdir()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = []
            for result in pool.map(lambda args: run_case(*args, root, shared, timeout, code), enumerate(cases)):
                results.append(result)
                if verbose or result.outcome not in GOOD:
                    print(f"{result.outcome:13} {result.case.category}/{result.case.name} ({result.seconds:.1f} s): "
                          f"{result.detail}", flush=True)
    return results


def summary(results: list[Outcome]) -> str:
    """One row per category (and one for all): number of cases, then cases per outcome."""
    def row(name: str, subset: list[Outcome]) -> str:
        counts = Counter(r.outcome for r in subset)
        return f"{name:12} {len(subset):>5} " + " ".join(f"{counts[o]:>13}" for o in OUTCOMES)

    categories = sorted({r.case.category for r in results})
    return "\n".join([f"{'category':12} {'cases':>5} " + " ".join(f"{o:>13}" for o in OUTCOMES)]
                     + [row(c, [r for r in results if r.case.category == c]) for c in categories]
                     + [row("all", results)])


def main() -> int:
    from hostile_catalog import all_cases

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--only", help="run one category: run, eval, compare, leaderboard, corpus or store")
    parser.add_argument("--case", action="append", help="run this case (category/name); repeatable")
    parser.add_argument("--json", type=Path, help="write every case's outcome here")
    parser.add_argument("--code", type=Path, help="a genbench checkout to run instead of the installed one")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    cases = [c for c in all_cases() if args.only in (None, c.category)]
    if args.case:  # in the order given
        named = {f"{c.category}/{c.name}": c for c in cases}
        cases = [named[name] for name in args.case]
    start = time.monotonic()
    results = run_corpus(cases, args.jobs, args.timeout, args.verbose, args.code)
    print(summary(results))
    print(f"{len(results)} cases in {time.monotonic() - start:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([{"category": r.case.category, "case": r.case.name, "outcome": r.outcome,
                                          "exit": r.code, "seconds": round(r.seconds, 2), "detail": r.detail}
                                         for r in results], indent=2) + "\n")
    return 0 if all(r.outcome in GOOD for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
