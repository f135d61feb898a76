"""`genbench eval` on folders of a user's images: memory against N, overhead against torch-fidelity,
and the cached reference.

- memory: peak RSS of `genbench eval --reference REF --samples S` (mobilenet-v2) for S of
  --small and --large 64×64 RGB images, same reference (target: large ≤ 1.2× small);
- overhead: genbench's eval (FID, KID, PRDC and every interval) against torch-fidelity's
  calculate_metrics(fid=True, kid=True) on two folders of --overhead-n images, same Inception
  weights file (a randomly initialised one unless torch-fidelity's own is in the weights folder),
  torch-fidelity's resize, both in this process (target: ≤ 1.10×);
- cache: the reference side (decode, features) cold against warm (target: ≥ 10× faster warm).

The images are 64×64 crops of scikit-image's photos with a little noise, written once under --work.

    python benchmarks/eval_folders.py --small 5000 --large 50000 --overhead-n 2000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import torch
from PIL import Image


def write_crops(folder: Path, n: int, seed: int) -> Path:
    from skimage import data

    if folder.is_dir() and len(list(folder.glob("*.png"))) == n:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    photos = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    rng = np.random.default_rng(seed)
    for i in range(n):
        photo = photos[i % len(photos)]
        y, x = rng.integers(0, photo.shape[0] - 64), rng.integers(0, photo.shape[1] - 64)
        crop = photo[y:y + 64, x:x + 64].astype(np.float64) + rng.normal(0, 5, (64, 64, 3))
        Image.fromarray(np.clip(crop, 0, 255).astype(np.uint8)).save(folder / f"{i:06d}.png")
    return folder


def peak_rss_mib(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(peak RSS in MiB, wall seconds) of a command, sampled every 50 ms."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, handle = 0, psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            peak = max(peak, handle.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    if proc.wait() != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-2000:]}")
    return peak / 2**20, time.perf_counter() - start


def memory(work: Path, small: int, large: int) -> None:
    reference = write_crops(work / "ref", 2000, seed=1)
    env = {**os.environ, "GENBENCH_CACHE": str(work / "cache")}  # the reference cached for both

    def command(n: int) -> list[str]:
        samples = write_crops(work / f"samples-{n}", n, seed=2)
        return [sys.executable, "-m", "genbench", "eval", "--reference", str(reference), "--samples", str(samples),
                "--name", f"n{n}", "--store", str(work / "mem.sqlite")]

    peak_rss_mib(command(small), env)  # warms the reference cache, so both measured runs see the samples side
    results = {}
    for n in (small, large):
        results[n] = peak_rss_mib(command(n), env)
        print(f"memory: {n:,} samples: peak RSS {results[n][0]:,.0f} MiB, wall {results[n][1]:.1f} s", flush=True)
    print(f"memory: {large:,} / {small:,} samples peak RSS ratio {results[large][0] / results[small][0]:.2f} "
          "(target ≤ 1.20)")


def random_inception(work: Path) -> Path:
    import torch_fidelity.feature_extractor_inceptionv3 as tfi

    path = work / "random-inception.pth"
    if not path.exists():
        real_load = tfi.load_state_dict_from_url, tfi.FeatureExtractorInceptionV3.load_state_dict
        tfi.load_state_dict_from_url = lambda *a, **k: {}
        tfi.FeatureExtractorInceptionV3.load_state_dict = lambda self, state: None
        torch.manual_seed(0)
        net = tfi.FeatureExtractorInceptionV3("inception-v3-compat", ["2048", "logits_unbiased"])
        tfi.load_state_dict_from_url, tfi.FeatureExtractorInceptionV3.load_state_dict = real_load
        torch.save(net.state_dict(), path)
    return path


def overhead(work: Path, n: int) -> None:
    import torch_fidelity

    from genbench.api import eval_samples
    from genbench.features import FEATURES
    from genbench.features.inception import load
    from genbench.features.weights_cache import WeightsSpec
    from genbench.weights import sha256_file

    a, b = write_crops(work / f"a-{n}", n, seed=3), write_crops(work / f"b-{n}", n, seed=4)
    weights = random_inception(work)
    spec = WeightsSpec(weights.name, sha256_file(weights), "file://benchmark", "benchmark")
    FEATURES.register("inception-benchmark", lambda weights_dir: load(weights.parent, spec))
    os.environ["GENBENCH_CACHE"] = tempfile.mkdtemp(prefix="genbench-cold-")  # nothing cached: a fair race
    start = time.perf_counter()
    theirs = torch_fidelity.calculate_metrics(input1=str(b), input2=str(a), fid=True, kid=True, cuda=False,
                                              verbose=False, cache=False, feature_extractor_weights_path=str(weights))
    tf_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = eval_samples(None, b, "b", reference=a, features="inception-benchmark", resize="torch-fidelity",
                        store=work / "overhead.sqlite")
    gb_s = time.perf_counter() - start
    fid = next(s.value for s in ours.scores if s.metric == "fid")
    print(f"overhead: {n:,} + {n:,} images, {torch.get_num_threads()} threads: torch-fidelity {tf_s:.1f} s "
          f"(FID {theirs['frechet_inception_distance']:.4f}), genbench {gb_s:.1f} s (FID {fid:.4f}, with KID, PRDC "
          f"and intervals); ratio {gb_s / tf_s:.2f} (target ≤ 1.10)")


def cache(work: Path) -> None:
    from genbench.data.image_source import open_images
    from genbench.features import load_features
    from genbench.features.reference import reference_features
    from genbench.features.resize import describe, network_inputs

    reference = write_crops(work / "ref", 2000, seed=1)
    os.environ["GENBENCH_CACHE"] = tempfile.mkdtemp(prefix="genbench-cache-")
    net = load_features("mobilenet-v2")
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        data = open_images(reference)
        reference_features(data, net, lambda batch: network_inputs(batch.images, "clean", net.input_size),
                           describe("clean", net.input_size, net.resizes_itself, net.eight_bit_input))
        timings.append(time.perf_counter() - start)
    print(f"cache: reference of 2,000 images, mobilenet-v2: cold {timings[0]:.1f} s, warm {timings[1]:.2f} s; "
          f"{timings[0] / timings[1]:.0f}× faster (target ≥ 10×)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "genbench-eval-bench")
    parser.add_argument("--small", type=int, default=5000)
    parser.add_argument("--large", type=int, default=50000)
    parser.add_argument("--overhead-n", type=int, default=2000)
    parser.add_argument("--only", choices=["memory", "overhead", "cache"])
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} CPUs, torch {torch.__version__}", flush=True)
    if args.only in (None, "cache"):
        cache(args.work)
    if args.only in (None, "overhead"):
        overhead(args.work, args.overhead_n)
    if args.only in (None, "memory"):
        memory(args.work, args.small, args.large)


if __name__ == "__main__":
    main()
