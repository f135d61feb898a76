"""torchrun ranks: ``torchrun --nproc_per_node N -m genbench run …`` splits each task's batches over
N processes (gloo on CPU, NCCL on GPU) and rank 0 scores the joined metric states, measures cost
and writes the store; the scores equal a one-process run's.

Each rank evaluates the batches it owns (genbench.scoring.context.Shard); what its metric state
accumulated goes to rank 0 as lists, cut at batch boundaries, and is put back in batch order
there, so the sums, features and per-item values are those a single pass makes, bit for bit.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist

from genbench.errors import GenbenchError
from genbench.scoring.context import Shard

TIMEOUT_ENV = "GENBENCH_DIST_TIMEOUT"  # seconds a rank waits for the others at a collective
DEFAULT_TIMEOUT_S = 1800.0

Marks = list[tuple[int, dict[str, int]]]  # (batch index, each list's length after that batch)


def launched() -> bool:
    """Whether torchrun (or an equal launcher) started this process as one of several ranks."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup(device: torch.device) -> Shard:
    """This process's shard; joins the process group on first use under torchrun."""
    if not launched():
        return Shard()
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        try:
            dist.init_process_group(backend, timeout=timedelta(seconds=_timeout()))
        except (RuntimeError, ValueError) as exc:
            raise GenbenchError(f"Could not join the torchrun process group ({backend}): {exc}") from exc
    return Shard(dist.get_rank(), dist.get_world_size())


def _timeout() -> float:
    raw = os.environ.get(TIMEOUT_ENV, str(DEFAULT_TIMEOUT_S))
    try:
        value = float(raw)
    except ValueError:
        raise GenbenchError(f"${TIMEOUT_ENV} must be a number of seconds, got {raw!r}.") from None
    if not 0 < value < 1e7:
        raise GenbenchError(f"${TIMEOUT_ENV} must be a positive number of seconds, got {raw!r}.")
    return value


def _collective(what: str, call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except (RuntimeError, dist.DistBackendError) as exc:  # a rank died or stopped answering
        raise GenbenchError(f"The torchrun ranks could not {what}: {exc}. A rank failed or stopped "
                            f"answering within ${TIMEOUT_ENV} ({_timeout():g} s).") from exc


def agree(shard: Shard, failure: BaseException | None) -> None:
    """Every rank learns whether any rank failed; all of them stop together, each with the message."""
    if shard.world == 1:
        if failure is not None:
            raise failure
        return
    reports: list[Any] = [None] * shard.world
    mine = None if failure is None else f"{type(failure).__name__}: {failure}"
    _collective("exchange their status", dist.all_gather_object, reports, mine)
    if failure is not None:
        raise failure
    failed = [(rank, report) for rank, report in enumerate(reports) if report is not None]
    if failed:
        rank, report = failed[0]
        raise GenbenchError(f"Rank {rank} failed: {report}")


def join(shard: Shard, lists: dict[str, list], marks: Marks) -> dict[str, list] | None:
    """Rank 0: every rank's lists, cut at batch boundaries and put back in batch order. Other ranks: None."""
    if shard.world == 1:
        return lists
    gathered: list[Any] | None = [None] * shard.world if shard.rank == 0 else None
    _collective("gather their metric states", dist.gather_object, (lists, marks), gathered, 0)
    return in_batch_order(gathered) if shard.rank == 0 else None


def in_batch_order(shards: list[tuple[dict[str, list], Marks]]) -> dict[str, list]:
    """Each shard's lists cut at its batch boundaries (``marks``), the pieces sorted by batch index."""
    segments: list[tuple[int, dict[str, list]]] = []
    for rank_lists, rank_marks in shards:
        before = {name: 0 for name in rank_lists}
        for index, lengths in rank_marks:
            segments.append((index, {name: rank_lists[name][before[name]:lengths[name]] for name in rank_lists}))
            before = lengths
    segments.sort(key=lambda segment: segment[0])
    names = shards[0][0].keys()
    return {name: [entry for _, parts in segments for entry in parts[name]] for name in names}


def broadcast(shard: Shard, value: Any) -> Any:
    """Rank 0's ``value``, on every rank."""
    if shard.world == 1:
        return value
    box = [value]
    _collective("share the run's state", dist.broadcast_object_list, box, 0)
    return box[0]


def barrier(shard: Shard) -> None:
    """Wait for every rank (rank 0 writing the store, say) before going on."""
    if shard.world > 1:
        _collective("meet", dist.barrier)


def shutdown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()
