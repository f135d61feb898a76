"""Benchmark: greedy decoding of the transformer-mt baseline with and without its key/value cache.

Both ways decode the same bible/test sources (by default the first 128) from the shipped weights,
at batch 64 and at batch 1, and must give identical tokens. Prints tokens/s for each (translation
tokens, end-of-text not counted) and the cache's speed-up. Target: at least 3× with the cache.

    python benchmarks/text_decoding.py --sources 128 --batches 64 1
"""

from __future__ import annotations

import argparse
import time

import torch

from genbench.data.bible import load_corpus
from genbench_baselines.transformer_mt import TransformerMT, greedy, load


def timed(model: TransformerMT, sources: list[str], batch: int, use_cache: bool) -> tuple[list[list[int]], float]:
    start = time.perf_counter()
    tokens = model.generate(sources, greedy, use_cache=use_cache, batch_size=batch)
    return tokens, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=128, help="the first N bible/test sources")
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 1])
    args = parser.parse_args()
    model = load(torch.device("cpu"))
    sources = load_corpus("test").sources[: args.sources]
    timed(model, sources[:4], 4, True)  # warm-up: first-call allocations and kernel selection
    print(f"{model.name}: greedy decoding of {len(sources)} bible/test sources on the CPU, "
          f"{torch.get_num_threads()} threads")
    for batch in args.batches:
        cached, t_cache = timed(model, sources, batch, use_cache=True)
        plain, t_plain = timed(model, sources, batch, use_cache=False)
        assert cached == plain, f"batch {batch}: decoding with and without the cache differ"
        n = sum(len(t) for t in cached)
        print(f"batch {batch:>3}: {n:,} tokens; KV cache {n / t_cache:,.0f} tokens/s ({t_cache:.1f} s), "
              f"no cache {n / t_plain:,.0f} tokens/s ({t_plain:.1f} s): {t_plain / t_cache:.1f}× with the cache; "
              "outputs identical", flush=True)


if __name__ == "__main__":
    main()
