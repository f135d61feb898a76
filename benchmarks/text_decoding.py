"""Benchmark: greedy decoding of the transformer-mt baseline with and without its key/value cache.

Both ways decode the same bible/test sources (by default the first 128) from the shipped weights,
at batch 64 and at batch 1, and must give identical tokens. Prints tokens/s for each (translation
tokens, end-of-text not counted; the fastest of ``--repeats`` runs, since a shared machine's load
only ever slows a run down) and the cache's speed-up. Target: at least 3× with the cache at batch
64. At batch 1 a step is bound by reading the 22 MB of weights (matrix-vector products), which both
ways pay once per token, so the cache gains less there (1.3× on 2 CPU cores; on a GPU, where each
step is bound by kernel launches, 1.2× at both batches).

    python benchmarks/text_decoding.py --sources 128 --batches 64 1 --repeats 3 [--device cuda]
"""

from __future__ import annotations

import argparse
import time

import torch

from genbench.data.bible import load_corpus
from genbench_baselines.transformer_mt import TransformerMT, greedy, load


def timed(model: TransformerMT, sources: list[str], batch: int, use_cache: bool,
          repeats: int = 1) -> tuple[list[list[int]], float]:
    """The generated tokens and the fastest wall time of ``repeats`` runs."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        tokens = model.generate(sources, greedy, use_cache=use_cache, batch_size=batch)
        best = min(best, time.perf_counter() - start)
    return tokens, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=128, help="the first N bible/test sources")
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 1])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    args = parser.parse_args()
    device = torch.device(args.device)
    model = load(device)
    sources = load_corpus("test").sources[: args.sources]
    for use_cache in (True, False):  # warm-up of both paths: first-call allocations and kernel selection
        timed(model, sources[:4], 4, use_cache)
    where = (torch.cuda.get_device_name(device) if device.type == "cuda"
             else f"the CPU, {torch.get_num_threads()} threads")
    print(f"{model.name}: greedy decoding of {len(sources)} bible/test sources on {where}")
    for batch in args.batches:
        cached, t_cache = timed(model, sources, batch, True, args.repeats)
        plain, t_plain = timed(model, sources, batch, False, args.repeats)
        if cached != plain:
            raise SystemExit(f"batch {batch}: decoding with and without the cache differ")
        n = sum(len(t) for t in cached)
        print(f"batch {batch:>3}: {n:,} tokens; KV cache {n / t_cache:,.0f} tokens/s ({t_cache:.1f} s), "
              f"no cache {n / t_plain:,.0f} tokens/s ({t_plain:.1f} s): {t_plain / t_cache:.1f}× with the cache; "
              "outputs identical", flush=True)


if __name__ == "__main__":
    main()
