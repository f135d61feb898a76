"""The recipe that trains ``transformer-mt`` (see ``transformer_mt``): its BPE vocabulary, length-
bucketed batches, a warm-up + cosine schedule, and a model card with validation BLEU and chrF.

    genbench train transformer-mt --out trained/
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import torch
import torch.nn as nn
import torch.nn.functional as F

from genbench.atomic import write_text_atomically
from genbench.data.bible import load_corpus
from genbench.training import Recipe, TrainResult
from genbench.weights import load_module, save_module

from .common import card_facts, count_parameters
from .transformer_mt import (BOS, EOS, PAD, SPECIAL_TOKENS, TOKENIZER_FILE, WEIGHTS_FILE, TransformerMT,
                             TransformerMTConfig, literal_special_tokens)

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)


def train_tokenizer(texts: list[str], vocab_size: int) -> Tokenizer:
    """Byte-level BPE on ``texts``: no unknown tokens, and decoding gives back the exact text.
    Deterministic: the same texts give the same merges."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer)
    return literal_special_tokens(tokenizer)


def bucketed_batches(lengths: list[int], batch_size: int, generator: torch.Generator,
                     bucket_batches: int = 50) -> Iterator[list[int]]:
    """One epoch of index batches: a random order, cut into spans of ``bucket_batches`` batches,
    each span sorted by length (so a batch pads little), and the batches shuffled. Every index once."""
    order = torch.randperm(len(lengths), generator=generator).tolist()
    span = batch_size * bucket_batches
    batches = []
    for start in range(0, len(order), span):
        part = sorted(order[start : start + span], key=lambda i: lengths[i])
        batches += [part[j : j + batch_size] for j in range(0, len(part), batch_size)]
    for b in torch.randperm(len(batches), generator=generator).tolist():
        yield batches[b]


def warmup_cosine(warmup: int, total: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))
    return factor


def validation_scores(model: TransformerMT) -> tuple[float, float]:
    """Corpus BLEU and chrF (sacrebleu defaults) of greedy translations of the validation split."""
    from sacrebleu.metrics import BLEU, CHRF

    val = load_corpus("validation")
    hyps = model.translate(val.sources)
    return BLEU().corpus_score(hyps, [val.targets]).score, CHRF().corpus_score(hyps, [val.targets]).score


@torch.inference_mode()
def mean_loss(model: TransformerMT, src: list[list[int]], tgt: list[list[int]]) -> float:
    """Cross-entropy per target token (no label smoothing), in nats."""
    memory, mask = model.encode(model.pad(src))
    tgt_t = model.pad(tgt)
    logits = model.decode(tgt_t[:, :-1], memory, mask)
    return F.cross_entropy(logits.flatten(0, 1), tgt_t[:, 1:].flatten(), ignore_index=PAD).item()


def train(out_dir: Path, seed: int, config: TransformerMTConfig = TransformerMTConfig()) -> TrainResult:
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)  # batches and dropped sources
    corpus = load_corpus("train")
    tokenizer = train_tokenizer(corpus.sources + corpus.targets, config.vocab_size)
    write_text_atomically(out_dir / TOKENIZER_FILE, tokenizer.to_str())
    model = TransformerMT(config, tokenizer)
    src = model.source_ids(corpus.sources)
    tgt = [[BOS] + e.ids + [EOS] for e in tokenizer.encode_batch(corpus.targets)]
    val = load_corpus("validation")
    val_src = model.source_ids(val.sources)
    val_tgt = [[BOS] + e.ids + [EOS] for e in tokenizer.encode_batch(val.targets)]

    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and n != "embed.weight"]
    rest = [p for n, p in model.named_parameters() if not (p.dim() == 2 and n != "embed.weight")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                             {"params": rest, "weight_decay": 0.0}], lr=config.lr, betas=(0.9, 0.98))
    steps = config.epochs * math.ceil(len(src) / config.batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cosine(config.warmup_steps, steps))
    log.info("transformer-mt: %s parameters, %d steps", f"{count_parameters(model):,}", steps)
    for epoch in range(config.epochs):
        model.train()
        # Emptied sources are [<eos>]; their keys sort below every kept pair's, so they form batches
        # of their own whose encoder pass is one token long.
        empty = (torch.rand(len(src), generator=order) < config.source_drop).tolist()
        lengths = [(len(tgt[i]) + (0 if empty[i] else 10_000 + len(src[i]))) for i in range(len(src))]
        started, total, tokens = time.perf_counter(), 0.0, 0
        for batch in bucketed_batches(lengths, config.batch_size, order):
            s = model.pad([[EOS] if empty[i] else src[i] for i in batch])
            t = model.pad([tgt[i] for i in batch])
            with torch.autocast("cpu", dtype=torch.bfloat16):  # bf16 matmuls: the budget's CPUs run them faster
                loss = model.loss(s, t)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            n = int((t[:, 1:] != PAD).sum())
            total, tokens = total + loss.item() * n, tokens + n
        model.eval()
        val_loss = mean_loss(model, val_src, val_tgt)
        shuffled = mean_loss(model, val_src[1:] + val_src[:1], val_tgt)  # each target with another verse's source
        log.info("epoch %d: train loss %.3f (smoothed), validation loss %.3f (%.3f with shuffled sources), "
                 "%.0f target tokens/s", epoch + 1, total / tokens, val_loss, shuffled,
                 tokens / (time.perf_counter() - started))

    weights = out_dir / WEIGHTS_FILE
    save_module(model.half(), weights)  # fp16 storage halves the file
    model = TransformerMT(config, tokenizer)
    load_module(model, weights)  # measure what ships, built as load() builds it
    bleu, chrf = validation_scores(model.eval())
    log.info("transformer-mt: validation BLEU %.2f, chrF %.2f", bleu, chrf)
    optimiser = (f"AdamW (β 0.9, 0.98; weight decay {config.weight_decay:g}), lr {config.lr:g} after "
                 f"{config.warmup_steps} warm-up steps, cosine to 0; label smoothing {config.label_smoothing:g}")
    facts = card_facts(model, f"bible/train, {len(src):,} pairs", config.epochs,
                       f"{config.batch_size} pairs, length-bucketed", optimiser)
    facts |= {
        "architecture": f"encoder-decoder, {config.encoder_layers}+{config.decoder_layers} pre-LN layers, "
                        f"d_model {config.d_model}, {config.heads} heads, MLP {config.d_ff}, "
                        f"dropout {config.dropout:g}; sinusoidal positions; one input embedding for both "
                        "languages, separate output projection",
        "tokenizer": f"byte-level BPE, {config.vocab_size:,} tokens, joint es+en from bible/train "
                     f"(`{model.tokenizer}`)",
        "LM mode": f"{config.source_drop:.0%} of pairs per epoch trained with an empty source",
        "weights storage": "float16 (cast to float32 on load)",
        "validation BLEU": f"{bleu:.2f} (sacrebleu corpus BLEU, greedy, bible/validation, {len(val_src)} pairs)",
        "validation chrF": f"{chrf:.2f}",
    }
    return TrainResult(weights=weights, facts=facts)


RECIPE = Recipe(
    name="transformer-mt",
    seed=0,
    description="A small encoder-decoder Transformer translating Spanish (Reina-Valera 1909) to English "
    "(KJV), trained from scratch on bible/train with a joint byte-level BPE vocabulary; with an empty "
    "source it is an English language model. Greedy or sampled decoding with a KV cache.",
    train=train,
    weights_name=WEIGHTS_FILE,
)
