"""A small results store for report tests: real registered models (so sample grids are drawn from
them), a user's model whose name is markup, a vendor's files from `genbench eval`, and an
unavailable metric with its reason. Scores are written directly; what is tested is the report."""

from __future__ import annotations

from pathlib import Path

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


def build_store(path: Path) -> Path:
    with Store(path) as db:
        db.add_run("run", 0, "cfg-images", {"host": "test-host", "device": "cpu", "git": {"commit": "abc", "dirty": False},
                                            "versions": {"genbench": "0.1.0"}},
                   [s for model, (fid, tp) in DIGITS.items() if model != XSS for s in digits_scores(model, fid, tp)]
                   + [score("images/digits-recon", "vae", "psnr", 16.5, 0.01, higher=True),
                      score("images/digits-recon", "vae", "lpips", None, reason=LPIPS_REASON),
                      score("images/digits-recon", "vae", "throughput", 18_000.0, 0.05, higher=True, n=5)])
        db.add_run("eval", 0, "cfg-vendor", {"host": "vendor", "device": "none (files)"},
                   digits_scores(XSS, *DIGITS[XSS]))
        db.add_run("run", 0, "cfg-text", {"host": "test-host"},
                   [score("text/translate-es-en", "copy-source", "bleu", 0.06, 0.5, higher=True, n=616),
                    score("text/translate-es-en", "copy-source", "throughput", 90_000.0, 0.05, higher=True, n=5),
                    score("text/translate-es-en", "reference", "bleu", 100.0, 0.0, higher=True, n=616),
                    score("text/translate-es-en", "reference", "throughput", 150_000.0, 0.05, higher=True, n=5)])
    return path
