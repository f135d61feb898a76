"""Cost meters: throughput at a large batch, latency percentiles at batch 1, peak memory, parameters.

Following MLPerf's habits: warm-up calls are discarded, throughput is the median of repeats and
latency is reported as percentiles. Memory is labelled with what was measured: on a GPU, the
model's own weights plus the rise of torch's CUDA allocation over a large batch (whatever else the
process holds on the device, such as other models or feature networks, is left out); on a CPU, the
process's peak resident-memory rise (sampled every millisecond).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from collections.abc import Callable

import numpy as np
import torch

from genbench.metrics.intervals import Estimate, bootstrap_items


# What a memory reading counts, in its signature: a CUDA reading that charged the whole process
# (an earlier definition) must never be compared with one that charges only the model.
COST_DEFINITIONS = {"peak_cuda_allocated": {"counts": "own-weights+batch-rise"}}


@dataclass(frozen=True)
class CostSettings:
    large_batch: int = 256
    repeats: int = 5
    warmup: int = 3
    latency_calls: int = 30


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda:{torch.cuda.get_device_name(device)}"
    import platform

    return f"cpu:{platform.machine()}x{torch.get_num_threads()}threads"


class _RssSampler:
    """Samples the process's resident memory in a thread; reports the peak rise over the start."""

    def __init__(self, interval_s: float = 0.001) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval_s
        self._stop = threading.Event()
        self.baseline = self._process.memory_info().rss
        self.peak = self.baseline
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(self._interval)

    def __enter__(self) -> "_RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure_cost(call: Callable[[int], object], device: torch.device, settings: CostSettings,
                 seed: int, weight_bytes: int = 0,
                 check: Callable[[int, object], object] = lambda batch, output: None) -> dict[str, Estimate]:
    """``call(batch)`` runs the model on ``batch`` items; returns throughput, latency and memory.

    ``weight_bytes``: the model's own tensors resident on ``device`` (see ``resident_bytes``),
    added to the CUDA peak so that it counts what serving the model needs. ``check(batch, output)``
    sees every call's output once its clock has stopped (it raises for an output that is not one).
    """
    out: dict[str, Estimate] = {}
    for _ in range(settings.warmup):
        check(1, call(1))

    # Memory is read over the first call at the large batch (on the CPU as the rise from just
    # before it: later calls reuse what the allocator kept and would show none). That call is
    # also the warm-up for the timed repeats.
    mib = 1024 * 1024
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
        output = call(settings.large_batch)
        torch.cuda.synchronize(device)
        peak = (torch.cuda.max_memory_allocated(device) - before + weight_bytes) / mib
        out["peak_cuda_allocated"] = Estimate(peak, peak, peak, "none")
    else:
        with _RssSampler() as sampler:
            output = call(settings.large_batch)
        rise = (sampler.peak - sampler.baseline) / mib
        out["peak_rss_increase"] = Estimate(rise, rise, rise, "none")
    check(settings.large_batch, output)
    del output

    rates = []
    for _ in range(settings.repeats):
        _sync(device)
        start = time.perf_counter()
        output = call(settings.large_batch)
        _sync(device)
        rates.append(settings.large_batch / (time.perf_counter() - start))
        check(settings.large_batch, output)
    rates_arr = np.array(rates)
    out["throughput"] = Estimate(float(np.median(rates_arr)), float(rates_arr.min()), float(rates_arr.max()),
                                 "min-max-of-repeats")

    latencies = []
    for _ in range(settings.latency_calls):
        _sync(device)
        start = time.perf_counter()
        output = call(1)
        _sync(device)
        latencies.append((time.perf_counter() - start) * 1000)
        check(1, output)
    lat = np.array(latencies)
    for name, q in (("latency_p50", 50), ("latency_p95", 95)):
        out[name] = bootstrap_items(lambda i, q=q: float(np.percentile(lat[i], q)), len(lat), 200, seed)
    return out


def resident_bytes(model: object, device: torch.device) -> int:
    """Bytes of the model's parameters and buffers that live on ``device``, each storage once."""
    storages: dict[int, int] = {}
    for module in model_modules(model):
        for tensor in (*module.parameters(), *module.buffers()):
            if _same_device(tensor.device, device):
                storage = tensor.untyped_storage()
                storages[storage.data_ptr()] = storage.nbytes()
    return sum(storages.values())


def _same_device(a: torch.device, b: torch.device) -> bool:
    if a.type != b.type:
        return False
    if a.type != "cuda":
        return True
    current = torch.cuda.current_device()
    return (a.index if a.index is not None else current) == (b.index if b.index is not None else current)


def model_modules(model: object) -> list[torch.nn.Module]:
    """The model itself if it is a ``torch.nn.Module``, else the modules it holds as attributes
    (a wrapper around its networks); empty for a model with no torch networks."""
    if isinstance(model, torch.nn.Module):
        return [model]
    return [v for v in getattr(model, "__dict__", {}).values() if isinstance(v, torch.nn.Module)]


def parameter_count(model: object) -> int | None:
    """Distinct parameters of the model's networks (a shared one counted once); None without any."""
    modules = model_modules(model)
    if not modules:
        return None
    distinct = {id(p): p.numel() for module in modules for p in module.parameters()}
    return sum(distinct.values())
