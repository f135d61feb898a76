"""Benchmark: a task run against an endpoint that answers 30 % of its requests with faults.

`genbench serve copy-source` (in this process) behind the test suite's fault injector
(tests/endpoints/faults.py): timeouts, 500s, 429 with Retry-After, malformed JSON, truncated
bodies. The whole text/translate-es-en task (616 verses) is scored through it; then it is scored
again, which must send only the requests that failed (every answer of the first run is in the
cache: none is lost). Prints wall time, faults injected and counted by class, failed items,
requests of the rerun, and whether either run raised.

    python benchmarks/endpoint_faults.py --share 0.35
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "endpoints"))

from faults import TRANSIENT, FaultyApp  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--share", type=float, default=0.35, help="share of requests given a fault")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    from genbench.endpoints.client import ChatEndpoint
    from genbench.endpoints.config import EndpointConfig
    from genbench.endpoints.server import ServedModel, build_app, running
    from genbench.models.sources import ModelSource, load_model
    from genbench.runner import RunOptions, evaluate
    from genbench.tasks.spec import TASKS

    copy = load_model("copy-source", torch.device("cpu"))
    app = FaultyApp(build_app(ServedModel(copy.model, copy.label)), share=args.share, hang_s=3.0,
                    faults=TRANSIENT + ("malformed_json",))
    task = TASKS.get("text/translate-es-en")
    with running(app) as url, tempfile.TemporaryDirectory() as folder:
        config = EndpointConfig("flaky", url, "copy-source", concurrency=args.concurrency, read_timeout_s=1.0,
                                total_timeout_s=2.0, connect_timeout_s=1.0, backoff_initial_s=0.05,
                                backoff_max_s=1.0, max_failure_rate=0.2, cache_dir=Path(folder))
        runs = []
        for attempt in range(2):
            model = ChatEndpoint(config, "endpoint:flaky")
            before = sum(app.requests.values())
            start = time.perf_counter()
            try:
                scores = {s.metric: s for s in evaluate(task, ModelSource("endpoint:flaky", model, torch.device("cpu")),
                                                        RunOptions())}
                raised = None
            except Exception as exc:  # reported, not hidden: the benchmark counts it
                scores, raised = {}, f"{type(exc).__name__}: {exc}"
            runs.append((time.perf_counter() - start, sum(app.requests.values()) - before, model, scores, raised))
        (wall, sent, first, scores, raised), (wall2, sent2, second, _, raised2) = runs
        failed = sum(r.items for r in first.records if not r.outcome.ok)
        counted = Counter(a.error for r in first.records for a in r.outcome.attempts if a.error)
        print(f"fault run: {len(first.records)} items, {sent} requests, {sum(app.injected.values())} faults injected "
              f"over both runs ({sum(app.injected.values()) / max(sum(app.requests.values()), 1):.0%} of requests): "
              f"{dict(sorted(app.injected.items()))}")
        print(f"  counted by the client (first run): {dict(sorted(counted.items()))}")
        print(f"  wall {wall:.1f} s, of which {sum(first.walls):.1f} s sending and waiting (the rest is scoring); {failed} item(s) failed after retries (failure_rate "
              f"{scores.get('failure_rate').value if scores else float('nan'):.3f}); BLEU on the "
              f"{scores['bleu'].n if scores else 0} answered items {scores['bleu'].value if scores else float('nan'):.2f}; "
              f"raised: {raised or 'nothing'}")
        print(f"  rerun: {sent2} requests for the {failed} failed item(s) (0 for the answered ones: nothing lost), "
              f"wall {wall2:.1f} s, raised: {raised2 or 'nothing'}; load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs shared with other work")
        assert {r.outcome.request.key for r in second.records if not r.outcome.cached} == {
            r.outcome.request.key for r in first.records if not r.outcome.ok}


if __name__ == "__main__":
    main()
