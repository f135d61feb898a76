"""Training recipes: how a shipped network or baseline is reproduced, and its model card."""

from __future__ import annotations

import logging
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainResult:
    weights: Path
    facts: dict[str, str]  # what the model card reports: parameters, data, metrics measured …


@dataclass(frozen=True)
class Recipe:
    """``train(out_dir, seed)`` writes weights into ``out_dir`` and returns what it measured."""

    name: str
    seed: int
    description: str
    train: Callable[[Path, int], TrainResult]
    weights_name: str


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    threads = torch.get_num_threads()
    return f"{platform.system()} {platform.machine()} ({cpu}), {os.cpu_count()} CPUs, torch {torch.__version__}, {threads} threads"


def run_recipe(recipe: Recipe, out_dir: Path, seed: int | None = None) -> Path:
    """Train, then write ``<name>.md`` (the model card) beside the weights; returns the card."""
    seed = recipe.seed if seed is None else seed
    torch.manual_seed(seed)
    started = time.perf_counter()
    result = recipe.train(out_dir, seed)
    elapsed = time.perf_counter() - started
    from genbench.weights import sha256_file

    lines = [
        f"# {recipe.name}",
        "",
        recipe.description,
        "",
        "| field | value |",
        "|---|---|",
        f"| seed | {seed} |",
        f"| training time | {elapsed:.1f} s |",
        f"| machine | {machine_description()} |",
        f"| weights | `{result.weights.name}` |",
        f"| weights sha256 | `{sha256_file(result.weights)}` |",
    ]
    lines += [f"| {k} | {v} |" for k, v in result.facts.items()]
    card = out_dir / f"{recipe.name}.md"
    card.write_text("\n".join(lines) + "\n")
    log.info("trained %s in %.1f s → %s", recipe.name, elapsed, result.weights)
    return card
