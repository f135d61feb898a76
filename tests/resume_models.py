"""Models for the resume tests, loaded through ``module:attr`` like a user's."""

from __future__ import annotations

import gc
import os
import signal
import weakref

import torch

from toy_models import NoisySampler

BROKEN_ENV = "GENBENCH_TEST_SAMPLER_BROKEN"


class SometimesBroken(NoisySampler):
    """Samples like NoisySampler, except while $GENBENCH_TEST_SAMPLER_BROKEN is set: a bug later fixed."""

    name = "sometimes-broken"

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        out = super().sample(n, generator)
        return out * float("nan") if os.environ.get(BROKEN_ENV) else out


def sometimes_broken(device: torch.device) -> SometimesBroken:
    return SometimesBroken(sigma=0.3)


class Tracked(NoisySampler):
    """Counts how many tracked models are alive whenever one is loaded (tests/test_resume.py)."""

    alive: "weakref.WeakSet[Tracked]" = weakref.WeakSet()
    alive_at_load: list[int] = []

    def __init__(self, name: str) -> None:
        gc.collect()
        Tracked.alive_at_load.append(len(Tracked.alive))
        super().__init__()
        self.name = name
        Tracked.alive.add(self)


def tracked_a(device: torch.device) -> Tracked:
    return Tracked("tracked-a")


def tracked_b(device: torch.device) -> Tracked:
    return Tracked("tracked-b")


class FailsOnRankOne(NoisySampler):
    """Fails only in the torchrun process of rank 1: the other ranks must stop too, with its message."""

    name = "fails-on-rank-1"

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        if os.environ.get("RANK") == "1":
            raise RuntimeError("out of memory on this rank")
        return super().sample(n, generator)


def fails_on_rank_one(device: torch.device) -> FailsOnRankOne:
    return FailsOnRankOne()


class DiesOnRankOne(NoisySampler):
    """The process of rank 1 is killed outright (as by the kernel's OOM killer) while sampling."""

    name = "dies-on-rank-1"

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        if os.environ.get("RANK") == "1":
            os.kill(os.getpid(), signal.SIGKILL)
        return super().sample(n, generator)


def dies_on_rank_one(device: torch.device) -> DiesOnRankOne:
    return DiesOnRankOne()
