"""Memory accounting of the cost meters: what counts as the model's, and nothing else."""

from __future__ import annotations

import pytest
import torch

from genbench.metrics.cost import CostSettings, measure_cost, parameter_count, resident_bytes

MIB = 1024 * 1024


class Wrapper:
    """A model that is not a Module but holds its networks as attributes."""

    def __init__(self, device: torch.device) -> None:
        self.encoder = torch.nn.Linear(10, 10).to(device)  # 110 float32 = 440 bytes
        self.decoder = torch.nn.Sequential(self.encoder, torch.nn.BatchNorm1d(10).to(device))
        self.name = "wrapper"


def test_resident_bytes_counts_parameters_and_buffers_once():
    model = Wrapper(torch.device("cpu"))
    # encoder 440 (shared with decoder, counted once); batch norm: weight, bias, mean, var 4 × 40,
    # num_batches_tracked 8 (int64)
    assert resident_bytes(model, torch.device("cpu")) == 440 + 160 + 8
    assert resident_bytes(model.encoder, torch.device("cpu")) == 440
    assert resident_bytes(object(), torch.device("cpu")) == 0


def test_resident_bytes_ignores_other_devices():
    assert resident_bytes(torch.nn.Linear(4, 4), torch.device("meta")) == 0


def test_cuda_without_an_index_means_the_current_device(monkeypatch):
    from genbench.metrics import cost

    monkeypatch.setattr(torch.cuda, "current_device", lambda: 1)
    assert cost._same_device(torch.device("cuda"), torch.device("cuda:1"))
    assert not cost._same_device(torch.device("cuda"), torch.device("cuda:0"))
    assert not cost._same_device(torch.device("cuda:1"), torch.device("cpu"))


def test_parameters_of_a_wrapper_count_shared_networks_once():
    assert parameter_count(Wrapper(torch.device("cpu"))) == 110 + 20
    assert parameter_count(object()) is None


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_peak_is_the_models_weights_plus_its_batch_not_the_process():
    device = torch.device("cuda")
    unrelated = torch.empty(100 * MIB, dtype=torch.uint8, device=device)  # e.g. another model's weights
    model = torch.nn.Linear(512, 512, bias=False).to(device)  # 1 MiB of float32 weights

    def call(batch: int) -> torch.Tensor:
        scratch = torch.empty(batch * MIB, dtype=torch.uint8, device=device)  # 1 MiB per item
        return model.weight.sum() + scratch.float().sum()

    settings = CostSettings(large_batch=64, repeats=1, warmup=1, latency_calls=2)
    peak = measure_cost(call, device, settings, seed=0, weight_bytes=resident_bytes(model, device))
    value = peak["peak_cuda_allocated"].value
    # 1 MiB weights + 64 MiB scratch + its float copy (256 MiB); the 100 MiB held elsewhere is not the model's
    assert 1 + 64 + 256 <= value < 1 + 64 + 256 + 2, value
    assert unrelated.numel() == 100 * MIB  # held on the device through the measurement


def test_every_timed_calls_output_is_checked_after_its_clock_stops():
    settings = CostSettings(large_batch=4, repeats=2, warmup=1, latency_calls=3)
    seen: list[tuple[int, str]] = []
    running = []

    def call(batch: int) -> str:
        running.append(batch)
        return f"out-{batch}"

    def check(batch: int, output: object) -> None:
        seen.append((batch, output))
        running.pop()  # the call it checks has returned

    measure_cost(call, torch.device("cpu"), settings, seed=0, check=check)
    assert seen == [(1, "out-1"), (4, "out-4"), (4, "out-4"), (4, "out-4"), (1, "out-1"), (1, "out-1"), (1, "out-1")]
    assert not running


def test_a_failing_check_stops_the_measurement():
    def check(batch: int, output: object) -> None:
        if batch == 1:
            raise ValueError("bad output at batch 1")

    with pytest.raises(ValueError, match="batch 1"):
        measure_cost(lambda batch: None, torch.device("cpu"), CostSettings(4, 1, 1, 1), seed=0, check=check)
