"""A small results store for report tests: real registered models with the exhibits a run captures
of their outputs, a user's model whose name is markup, a vendor's files from `genbench eval` (with
a grid of its files), and an unavailable metric with its reason. Scores are written directly; the
exhibits come from the runner's own collector fed with the kinds' batches; what is tested is the report."""

from __future__ import annotations

from pathlib import Path

import torch

from genbench.exhibit import Exhibit
from genbench.score import Score
from genbench.signature import Signature
from genbench.store import Store

XSS = "<script>alert(1)</script>"
LPIPS_REASON = "LPIPS needs the weights file alexnet-owt-7be5be79.pth <not here> & nowhere else."

# model → (fid, throughput); pixel-noise and real-train are the brackets.
DIGITS = {"real-train": (1.9, 2_400_000.0), "dcgan": (14.9, 25_000.0), "vae": (125.6, 33_000.0),
          "pixel-noise": (334.2, 510_000.0), XSS: (50.0, 1_000.0)}


def score(task: str, model: str, metric: str, value: float | None, spread: float = 0.1, *, higher: bool = False,
          reason: str | None = None, n: int = 450) -> Score:
    sig = Signature.make(task=task, task_version=1, data_hash="6e872357a9f3", metric=metric,
                         implementation="test-1", n=n, seed=0)
    low = None if value is None else value * (1 - spread)
    high = None if value is None else value * (1 + spread)
    return Score(task, model, metric, value, low, high, n, higher, sig, "test", unavailable_reason=reason)


def digits_scores(model: str, fid: float, throughput: float) -> list[Score]:
    return [score("images/digits", model, "fid", fid),
            score("images/digits", model, "precision", min(1.0, 30 / fid), 0.02, higher=True),
            score("images/digits", model, "throughput", throughput, 0.05, higher=True, n=5)]


def captured(task_name: str, model: str, seed: int = 0) -> list[Exhibit]:
    """What a run of ``model`` on the task stores of its outputs (its first batches, as scored)."""
    from genbench.kinds import kind_of
    from genbench.models.sources import load_model
    from genbench.scoring.context import Context, RunOptions
    from genbench.scoring.exhibits import ExhibitCollector
    from genbench.tasks.spec import TASKS

    task = TASKS.get(task_name)
    options = RunOptions(seed=seed)
    ctx = Context(task, load_model(model, torch.device("cpu"), options.data), options, task.load_data(options.data))
    collector = ExhibitCollector(ctx)
    with torch.inference_mode():
        for index, batch in kind_of(task.protocol).model_outputs(ctx):
            collector.add(index, batch)
            if not collector.open:
                break
    return collector.exhibits()


def vendor_files(task_name: str, label: str) -> list[Exhibit]:
    """A vendor's files (here the task's own test images) as `genbench eval` on them stores them."""
    from genbench.models.sources import FileSource
    from genbench.scoring.context import Context, RunOptions
    from genbench.scoring.exhibits import ExhibitCollector
    from genbench.tasks.spec import TASKS

    task = TASKS.get(task_name)
    data = task.load_data(RunOptions().data)
    collector = ExhibitCollector(Context(task, FileSource(label, Path("vendor")), RunOptions(), data))
    for index, batch in enumerate(data.batches(task.batch_size)):
        collector.add(index, batch.images)
    return collector.exhibits()


def build_store(path: Path) -> Path:
    with Store(path) as db:
        db.add_run("run", 0, "cfg-images", {"host": "test-host", "device": "cpu", "git": {"commit": "abc", "dirty": False},
                                            "versions": {"genbench": "0.1.0"}},
                   [s for model, (fid, tp) in DIGITS.items() if model != XSS for s in digits_scores(model, fid, tp)]
                   + [score("images/digits-recon", "vae", "psnr", 16.5, 0.01, higher=True),
                      score("images/digits-recon", "vae", "lpips", None, reason=LPIPS_REASON),
                      score("images/digits-recon", "vae", "throughput", 18_000.0, 0.05, higher=True, n=5)],
                   exhibits=[e for model in DIGITS if model != XSS for e in captured("images/digits", model)]
                   + captured("images/digits-recon", "vae"))
        db.add_run("eval", 0, "cfg-vendor", {"host": "vendor", "device": "none (files)"},
                   digits_scores(XSS, *DIGITS[XSS]), exhibits=vendor_files("images/digits", XSS))
        db.add_run("run", 0, "cfg-text", {"host": "test-host"},
                   [score("text/translate-es-en", "copy-source", "bleu", 0.06, 0.5, higher=True, n=616),
                    score("text/translate-es-en", "copy-source", "throughput", 90_000.0, 0.05, higher=True, n=5),
                    score("text/translate-es-en", "reference", "bleu", 100.0, 0.0, higher=True, n=616),
                    score("text/translate-es-en", "reference", "throughput", 150_000.0, 0.05, higher=True, n=5)],
                   exhibits=captured("text/translate-es-en", "copy-source") + captured("text/translate-es-en", "reference"))
    return path
