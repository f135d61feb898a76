"""Addressed randomness: a batch's generator derives from (seed, task, first item), not from the
calls made before it, so sharding a task over ranks or resuming it never changes which samples
are drawn."""

from __future__ import annotations

import hashlib

import torch


def batch_generator(seed: int, task: str, start: int) -> torch.Generator:
    """The CPU generator of the batch of ``task`` that begins at item ``start``."""
    digest = hashlib.sha256(f"genbench-batch\0{seed}\0{task}\0{start}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little"))
