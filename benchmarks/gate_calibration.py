"""Calibrate the regression gate: false alarms on reseeded reruns, and detection of degradations.

False alarms: a baseline is rerun with 20 seeds it was not published with and compared against
its own published row (leaderboards/images.csv) with the default tolerances; every flagged
regression is a false alarm (target: at most 1 of 20 reruns).

Detection: the same baseline's samples get Gaussian pixel noise of growing size; each level is
run with several seeds and compared against the published row. A level counts as detected when
every seed is flagged. Prints one line per experiment.

    python benchmarks/gate_calibration.py --model pixelcnn --seeds 20
    python benchmarks/gate_calibration.py --task fashion/generation --model fashion-dcgan \
        --published leaderboards/fashion.csv
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import torch

from genbench.config import load_config
from genbench.metrics.cost import CostSettings
from genbench.models.sources import ModelSource, load_model
from genbench.report.compare import WORSE, compare
from genbench.report.sources import Entry, load_entries
from genbench.runner import RunOptions, evaluate
from genbench.tasks import TASKS

QUALITY_ONLY = CostSettings(large_batch=8, repeats=1, warmup=1, latency_calls=3)
COST = {"throughput", "latency_p50", "latency_p95", "peak_rss_increase", "peak_cuda_allocated", "parameters"}


@dataclass
class Noisy:
    """Wraps a sampler and adds pixel noise of a chosen size: a controlled degradation."""

    inner: object
    sigma: float

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        images = self.inner.sample(n, generator)
        return (images + self.sigma * torch.randn(images.shape, generator=generator)).clamp(0, 1)


def entries_for(model: ModelSource, seed: int, task: str = "images/digits") -> list[Entry]:
    scores = evaluate(TASKS.get(task), model, RunOptions(seed=seed, cost=QUALITY_ONLY))
    return [Entry.from_score(s) for s in scores if s.metric not in COST]


def regressions(published: list[Entry], candidate: list[Entry]) -> list[str]:
    return [c.metric for c in compare(published, candidate, load_config()) if c.verdict == WORSE]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="pixelcnn")
    parser.add_argument("--task", default="images/digits", help="an unconditional generation task")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--published", type=Path, default=Path("leaderboards/images.csv"))
    parser.add_argument("--sigmas", type=float, nargs="*", default=[0.01, 0.02, 0.04, 0.08, 0.16])
    parser.add_argument("--detection-seeds", type=int, default=5)
    args = parser.parse_args()

    published = [e for e in load_entries(str(args.published)) if e.model == args.model and e.task == args.task]
    source = load_model(args.model, torch.device("cpu"))
    alarms = 0
    for seed in range(1, args.seeds + 1):
        flagged = regressions(published, entries_for(source, seed, args.task))
        alarms += bool(flagged)
        print(f"rerun seed {seed:2d}: {'REGRESSION ' + ', '.join(flagged) if flagged else 'no regression'}", flush=True)
    print(f"false alarms: {alarms} of {args.seeds} reseeded reruns of {args.model}")

    smallest = None
    for sigma in args.sigmas:
        degraded = ModelSource(args.model, Noisy(source.model, sigma), source.device)
        hits = [regressions(published, entries_for(degraded, 100 + s, args.task)) for s in range(args.detection_seeds)]
        detected = sum(bool(h) for h in hits)
        metrics = sorted({m for h in hits for m in h})
        print(f"noise sigma {sigma:.3f}: flagged {detected} of {args.detection_seeds} ({', '.join(metrics) or '-'})",
              flush=True)
        if detected == args.detection_seeds and smallest is None:
            smallest = sigma
    print(f"smallest noise detected every time: sigma = {smallest}")


if __name__ == "__main__":
    main()
