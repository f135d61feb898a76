"""Transformer translator (Vaswani et al., 2017) for Spanish → English verses, and the English
language model it doubles as.

An encoder-decoder with pre-LayerNorm blocks and fixed sinusoidal positions. One byte-level BPE
vocabulary, trained on both sides of the train split, and one input embedding serve both languages;
the BPE decoder restores spaces and punctuation exactly.

Language-model mode: training empties the source of a share of the pairs (the encoder then sees
only ``<eos>``), so p(text | empty source) is an English language model; ``text_log_prob`` scores
texts that way, end-of-text token included.

Decoding is greedy (``translate``) or sampled (``sample_translations``), batched, and reuses the
keys and values of earlier steps (a KV cache); ``generate(..., use_cache=False)`` recomputes them
every step instead and gives the same tokens (benchmarks/text_decoding.py times both).

Training lives in ``transformer_mt_train`` (``genbench train transformer-mt``).

Limits: a source keeps its first ``MAX_SOURCE_TOKENS - 1`` BPE tokens (the longest train verse has
185); a translation stops after 2 × its source's tokens + 10 tokens and never runs past
``MAX_NEW_TOKENS``, so an empty source gets at most 10; ``text_log_prob`` refuses a text longer than
the decoder's positions (511 tokens, about 2,000 characters).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch
import torch.nn as nn
import torch.nn.functional as F

from genbench.errors import InputError

from .common import WEIGHTS_DIR, load_shipped

if TYPE_CHECKING:
    from tokenizers import Tokenizer

PAD, BOS, EOS = 0, 1, 2  # ids of the special tokens, in the tokenizer's order
SPECIAL_TOKENS = ["<pad>", "<bos>", "<eos>"]
TOKENIZER_FILE = "transformer-mt-tokenizer.json"
WEIGHTS_FILE = "transformer-mt.safetensors"
MAX_SOURCE_TOKENS = 256  # encoder positions a source may use, its <eos> included
MAX_NEW_TOKENS = 256  # absolute cap on a translation's tokens
DECODE_BATCH = 64  # sources per batch inside translate / sample_translations / text_log_prob


@dataclass(frozen=True)
class TransformerMTConfig:
    vocab_size: int = 6000  # joint Spanish + English byte-level BPE, the 3 special tokens included
    max_positions: int = 512  # position codes per side; bounds sources, translations and scored texts
    d_model: int = 192
    heads: int = 4
    encoder_layers: int = 3
    decoder_layers: int = 3
    d_ff: int = 768  # hidden width of each block's MLP
    dropout: float = 0.0  # five epochs leave the model under-trained, not over-fitted
    # Training: sized for about 28 minutes on 2 shared CPU cores.
    epochs: int = 5
    batch_size: int = 64  # pairs per step, drawn from buckets of similar length to cut padding
    lr: float = 1.5e-3  # peak, after a linear warm-up, then cosine decay to zero
    warmup_steps: int = 300
    weight_decay: float = 0.01  # on matrices only, not on biases, LayerNorms or embeddings
    label_smoothing: float = 0.1
    source_drop: float = 0.2  # share of pairs trained with an empty source: the English LM mode


# ----------------------------------------------------------------------------------------------
# Tokenizer


def literal_special_tokens(tokenizer: Tokenizer) -> Tokenizer:
    """Encode "<pad>", "<bos>" or "<eos>" inside a text as the characters they are: the texts come
    from users and vendors, and a control token smuggled in would cut a source short or drop a
    token from a likelihood."""
    tokenizer.encode_special_tokens = True
    return tokenizer


def tokenizer_name(tokenizer_json: str, vocab_size: int) -> str:
    """E.g. ``transformer-mt-bpe6000-3f2a…`` (12 hex digits of the JSON's sha256): names the exact vocabulary."""
    return f"transformer-mt-bpe{vocab_size}-{hashlib.sha256(tokenizer_json.encode()).hexdigest()[:12]}"


def load_tokenizer(path: Path) -> Tokenizer:
    from tokenizers import Tokenizer

    if not path.is_file():
        raise InputError(f"Tokenizer file {path} does not exist.")
    return literal_special_tokens(Tokenizer.from_file(str(path)))


def check_texts(texts: Sequence[str], what: str) -> list[str]:
    if not isinstance(texts, (list, tuple)) or not all(isinstance(t, str) for t in texts):
        raise InputError(f"`{what}` must be a list of strings, but got {type(texts).__name__}; "
                         "pass e.g. ['En el principio crió Dios los cielos y la tierra.'].")
    return list(texts)


# ----------------------------------------------------------------------------------------------
# Model


def sinusoids(length: int, d: int) -> torch.Tensor:
    """(length, d) fixed sinusoidal position codes (Vaswani et al.): sin on even, cos on odd features."""
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10_000.0) * torch.arange(0, d, 2, dtype=torch.float32) / d)  # (d / 2,)
    out = torch.zeros(length, d)
    out[:, 0::2], out[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
    return out


class Attention(nn.Module):
    """Multi-head attention of queries from ``x`` on keys and values the caller supplies, so that
    the same module serves self-attention, cross-attention and cached decoding."""

    def __init__(self, config: TransformerMTConfig):
        super().__init__()
        self.heads = config.heads
        self.query = nn.Linear(config.d_model, config.d_model)
        self.key_value = nn.Linear(config.d_model, 2 * config.d_model)
        self.out = nn.Linear(config.d_model, config.d_model)
        self.attn_dropout = config.dropout
        self.resid_dropout = nn.Dropout(config.dropout)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, d) → (B, heads, T, d / heads)."""
        b, t, d = x.shape
        return x.view(b, t, self.heads, d // self.heads).transpose(1, 2)

    def keys_values(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, d) → keys and values, each (B, heads, T, d / heads)."""
        k, v = self.key_value(x).chunk(2, dim=-1)
        return self.split_heads(k), self.split_heads(v)

    def forward(self, x: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None,
                causal: bool = False) -> torch.Tensor:
        """x (B, T, d) attends to k, v (B, heads, S, d / heads); mask (B, 1, 1, S) is True where a
        key may be seen. Returns (B, T, d)."""
        q = self.split_heads(self.query(x))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal,
                                           dropout_p=self.attn_dropout if self.training else 0.0)
        b, _, t, _ = y.shape
        return self.resid_dropout(self.out(y.transpose(1, 2).reshape(b, t, -1)))


class MLP(nn.Module):
    def __init__(self, config: TransformerMTConfig):
        super().__init__()
        self.up = nn.Linear(config.d_model, config.d_ff)
        self.down = nn.Linear(config.d_ff, config.d_model)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.down(F.gelu(self.up(x))))


class EncoderBlock(nn.Module):
    def __init__(self, config: TransformerMTConfig):
        super().__init__()
        self.ln_attn = nn.LayerNorm(config.d_model)
        self.attn = Attention(config)
        self.ln_mlp = nn.LayerNorm(config.d_model)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.ln_attn(x)
        x = x + self.attn(h, *self.attn.keys_values(h), mask)
        return x + self.mlp(self.ln_mlp(x))


@dataclass
class DecoderCache:
    """What a decoding step reuses, per decoder block: the cross-attention's keys and values over
    the encoded source (fixed) and the self-attention's over the tokens fed so far (one more each
    step). Tensors are (B, heads, S or t, d / heads)."""

    cross: list[tuple[torch.Tensor, torch.Tensor]]
    own: list[tuple[torch.Tensor, torch.Tensor] | None]
    length: int = 0  # tokens fed so far: the next token's position

    def keep(self, rows: torch.Tensor) -> None:
        """Drop the batch rows not in ``rows`` (translations that have finished)."""
        self.cross = [(k[rows], v[rows]) for k, v in self.cross]
        self.own = [None if kv is None else (kv[0][rows], kv[1][rows]) for kv in self.own]


class DecoderBlock(nn.Module):
    def __init__(self, config: TransformerMTConfig):
        super().__init__()
        self.ln_self = nn.LayerNorm(config.d_model)
        self.self_attn = Attention(config)
        self.ln_cross = nn.LayerNorm(config.d_model)
        self.cross_attn = Attention(config)
        self.ln_mlp = nn.LayerNorm(config.d_model)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, cross: tuple[torch.Tensor, torch.Tensor], mask: torch.Tensor,
                past: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """x (B, T, d) → (B, T, d), and this block's self-attention keys and values so far."""
        h = self.ln_self(x)
        k, v = self.self_attn.keys_values(h)
        if past is not None:
            if x.size(1) != 1:
                # SDPA's causal mask is aligned top-left: with a past, new tokens would miss most of it.
                raise ValueError(f"a cached decoder step takes one token per row, not {x.size(1)}")
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        # Right padding only: a real token never sees a later pad, so the causal mask is enough.
        # A cached step's one token may see every key.
        x = x + self.self_attn(h, k, v, causal=past is None)
        x = x + self.cross_attn(self.ln_cross(x), *cross, mask)
        return x + self.mlp(self.ln_mlp(x)), (k, v)


class TransformerMT(nn.Module):
    name = "transformer-mt"

    def __init__(self, config: TransformerMTConfig, tokenizer: Tokenizer):
        super().__init__()
        if tokenizer.get_vocab_size() != config.vocab_size:
            raise InputError(f"The tokenizer has {tokenizer.get_vocab_size()} tokens; "
                             f"the model expects {config.vocab_size}.")
        self.config = config
        self.bpe = tokenizer
        self.tokenizer = tokenizer_name(tokenizer.to_str(), config.vocab_size)
        d = config.d_model
        # One input embedding for both languages (the BPE vocabulary is joint, so names like "Pethuel"
        # share tokens), scaled by sqrt(d) to dominate the fixed position codes. The output projection
        # is separate: tied to it, the Spanish-only rows, never a target, are all pushed down the same
        # way and lose the identity the encoder needs (measured: the model then ignored its source).
        self.embed = nn.Embedding(config.vocab_size, d)
        self.register_buffer("positions", sinusoids(config.max_positions, d), persistent=False)
        self.dropout = nn.Dropout(config.dropout)
        self.encoder = nn.ModuleList(EncoderBlock(config) for _ in range(config.encoder_layers))
        self.ln_enc = nn.LayerNorm(d)
        self.decoder = nn.ModuleList(DecoderBlock(config) for _ in range(config.decoder_layers))
        self.ln_dec = nn.LayerNorm(d)
        self.head = nn.Linear(d, config.vocab_size, bias=False)
        self.apply(self._init_weights)
        nn.init.normal_(self.embed.weight, 0.0, d ** -0.5)
        # GPT-2: scale residual projections down with depth so the residual stream starts small.
        for name, p in self.named_parameters():
            if name.endswith(("out.weight", "down.weight")):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * (config.encoder_layers + config.decoder_layers)))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, 0.0, 0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    @property
    def device(self) -> torch.device:
        return self.embed.weight.device

    # -- the network ------------------------------------------------------------------------

    def encode(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """src (B, S) right-padded ids → memory (B, S, d) and key mask (B, 1, 1, S), True on real tokens."""
        mask = (src != PAD)[:, None, None, :]
        x = self.dropout(self.embed(src) * math.sqrt(self.config.d_model) + self.positions[: src.size(1)])
        for block in self.encoder:
            x = block(x, mask)
        return self.ln_enc(x), mask

    def start_cache(self, memory: torch.Tensor) -> DecoderCache:
        return DecoderCache([block.cross_attn.keys_values(memory) for block in self.decoder],
                            [None] * len(self.decoder))

    def decode(self, tgt: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor,
               cache: DecoderCache | None = None, last: bool = False) -> torch.Tensor:
        """Logits (B, T, vocab) of the token after each of tgt (B, T), or (B, 1, vocab) after the
        last only if ``last`` (all that decoding needs).

        Without a cache, tgt is the whole prefix from <bos>; with one, tgt (B, 1) is the newest
        token only, and the cache supplies (and receives) the keys and values of earlier steps."""
        start = 0 if cache is None else cache.length
        x = self.dropout(self.embed(tgt) * math.sqrt(self.config.d_model) + self.positions[start : start + tgt.size(1)])
        for i, block in enumerate(self.decoder):
            if cache is None:
                x, _ = block(x, block.cross_attn.keys_values(memory), mask)
            else:
                x, cache.own[i] = block(x, cache.cross[i], mask, cache.own[i])
        if cache is not None:
            cache.length += tgt.size(1)
        if last:
            x = x[:, -1:]
        return self.head(self.ln_dec(x))

    def loss(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        """Label-smoothed cross-entropy per target token; tgt (B, T) is <bos> + target + <eos>, right-padded."""
        memory, mask = self.encode(src)
        logits = self.decode(tgt[:, :-1], memory, mask)
        return F.cross_entropy(logits.flatten(0, 1), tgt[:, 1:].flatten(), ignore_index=PAD,
                               label_smoothing=self.config.label_smoothing)

    @staticmethod
    def next_token_logits(logits: torch.Tensor) -> torch.Tensor:
        """The distribution decoding and scoring share: <pad> and <bos> are never a next token."""
        return logits.float().index_fill(-1, torch.tensor([PAD, BOS], device=logits.device), -math.inf)

    # -- text in, text out --------------------------------------------------------------------

    def source_ids(self, sources: list[str]) -> list[list[int]]:
        """BPE ids + <eos> per source, the first MAX_SOURCE_TOKENS - 1 tokens kept; "" → [<eos>]."""
        return [e.ids[: MAX_SOURCE_TOKENS - 1] + [EOS] for e in self.bpe.encode_batch(sources)]

    def pad(self, rows: list[list[int]]) -> torch.Tensor:
        """Right-padded (B, max length) int64 on the model's device."""
        out = torch.full((len(rows), max(len(r) for r in rows)), PAD, dtype=torch.long)
        for i, r in enumerate(rows):
            out[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        return out.to(self.device)

    @torch.inference_mode()
    def generate(self, sources: list[str], pick: Callable[[torch.Tensor], torch.Tensor], use_cache: bool = True,
                 batch_size: int = DECODE_BATCH) -> list[list[int]]:
        """Generated token ids per source (<eos> left out). ``pick`` maps next-token logits (b, vocab)
        to the chosen ids (b,). Sources are batched by length, longest first; the order of the
        batches, and so of any random draws, depends only on the sources. ``use_cache=False``
        recomputes every earlier step's keys and values (same tokens, slower: for benchmarks)."""
        src_ids = self.source_ids(sources)
        order = sorted(range(len(sources)), key=lambda i: -len(src_ids[i]))  # stable: ties keep input order
        out: list[list[int]] = [[] for _ in sources]
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            for i, ids in zip(chunk, self._generate_batch([src_ids[i] for i in chunk], pick, use_cache)):
                out[i] = ids
        return out

    def _generate_batch(self, src_ids: list[list[int]], pick: Callable[[torch.Tensor], torch.Tensor],
                        use_cache: bool) -> list[list[int]]:
        memory, mask = self.encode(self.pad(src_ids))
        # Token budget per row: 2 × source tokens (its <eos> not counted) + 10, at most MAX_NEW_TOKENS.
        budget = torch.tensor([min(2 * (len(s) - 1) + 10, MAX_NEW_TOKENS) for s in src_ids], device=self.device)
        rows = torch.arange(len(src_ids), device=self.device)  # original row of each row still decoding
        tokens = torch.full((len(src_ids), 1), BOS, dtype=torch.long, device=self.device)  # (b, 1 + steps)
        cache = self.start_cache(memory) if use_cache else None
        out: list[list[int]] = [[] for _ in src_ids]
        for step in range(int(budget.max())):
            logits = self.decode(tokens[:, -1:] if use_cache else tokens, memory, mask, cache, last=True)[:, -1]
            chosen = pick(self.next_token_logits(logits))  # (b,)
            for r, t in zip(rows.tolist(), chosen.tolist()):
                if t != EOS:
                    out[r].append(t)
            running = (chosen != EOS) & (budget[rows] > step + 1)
            if not running.any():
                break
            if not running.all():  # finished rows leave the batch: later steps are cheaper
                keep = running.nonzero()[:, 0]
                rows, memory, mask, chosen, tokens = rows[keep], memory[keep], mask[keep], chosen[keep], tokens[keep]
                if cache is not None:
                    cache.keep(keep)
            tokens = torch.cat([tokens, chosen[:, None]], 1)
        return out

    def translate(self, sources: list[str]) -> list[str]:
        """Greedy decoding: deterministic, one English translation per Spanish source."""
        sources = check_texts(sources, "sources")
        return self.bpe.decode_batch(self.generate(sources, greedy))

    def sample_translations(self, sources: list[str], temperature: float, generator: torch.Generator) -> list[str]:
        """One translation per source, sampled at ``temperature`` with draws only from ``generator`` (CPU)."""
        sources = check_texts(sources, "sources")
        if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0):
            raise InputError(f"`temperature` must be a positive finite number, but got {temperature!r}.")

        def draw(logits: torch.Tensor) -> torch.Tensor:
            probs = (logits.double().cpu() / temperature).softmax(-1)  # (b, vocab) on CPU for the generator
            return torch.multinomial(probs, 1, generator=generator)[:, 0].to(logits.device)

        return self.bpe.decode_batch(self.generate(sources, draw))

    @torch.inference_mode()
    def text_log_prob(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """English LM mode (empty source): natural-log probability (n,) float64 of each text with
        its <eos>, and the tokens scored (n,) int64, <eos> included."""
        texts = check_texts(texts, "texts")
        ids = self._lm_ids(texts)
        log_prob = torch.zeros(len(texts), dtype=torch.float64)
        for chunk, token_lp in self._lm_token_log_probs(ids):
            log_prob[chunk] = token_lp.sum(1).cpu()
        return log_prob, torch.tensor([len(t) + 1 for t in ids], dtype=torch.int64)

    @torch.inference_mode()
    def text_token_log_probs(self, texts: list[str]) -> list[tuple[list[int], torch.Tensor]]:
        """As ``text_log_prob``, per token: each BPE token's first character in its text (a character
        split across byte-level tokens starts all of them), <eos> last at ``len(text)``."""
        texts = check_texts(texts, "texts")
        encodings = self.bpe.encode_batch(texts)
        ids = self._lm_ids(texts, encodings)
        out: list[tuple[list[int], torch.Tensor]] = [([], torch.zeros(0))] * len(texts)
        for chunk, token_lp in self._lm_token_log_probs(ids):
            for row, i in enumerate(chunk):
                starts = [start for start, _ in encodings[i].offsets] + [len(texts[i])]
                out[i] = (starts, token_lp[row, :len(ids[i]) + 1].cpu())
        return out

    def _lm_ids(self, texts: list[str], encodings: Sequence | None = None) -> list[list[int]]:
        ids = [e.ids for e in (encodings if encodings is not None else self.bpe.encode_batch(texts))]
        too_long = [i for i, t in enumerate(ids) if len(t) + 1 > self.config.max_positions]
        if too_long:
            raise InputError(f"text {too_long[0]} has {len(ids[too_long[0]])} tokens; {self.name} scores at most "
                             f"{self.config.max_positions - 1} (about 2,000 characters).")
        return ids

    def _lm_token_log_probs(self, ids: list[list[int]]) -> Iterator[tuple[list[int], torch.Tensor]]:
        """(text indices, (b, T + 1) float64 log-probabilities of their tokens and <eos>, 0 past the end),
        longest texts first, DECODE_BATCH at a time."""
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        for start in range(0, len(order), DECODE_BATCH):
            chunk = order[start : start + DECODE_BATCH]
            tgt = self.pad([[BOS] + ids[i] + [EOS] for i in chunk])  # (b, T + 1)
            memory, mask = self.encode(self.pad([[EOS]] * len(chunk)))  # the empty source
            logp = self.next_token_logits(self.decode(tgt[:, :-1], memory, mask)).log_softmax(-1)
            labels = tgt[:, 1:]
            yield chunk, logp.gather(-1, labels[..., None])[..., 0].double().masked_fill(labels == PAD, 0.0)


def greedy(logits: torch.Tensor) -> torch.Tensor:
    """(b, vocab) → (b,): the most likely token (the lowest id on a tie)."""
    return logits.argmax(-1)


def load(device: torch.device) -> TransformerMT:
    """The shipped translator on ``device`` (weights stored in float16, cast to float32 on load)."""
    model = TransformerMT(TransformerMTConfig(), load_tokenizer(WEIGHTS_DIR / TOKENIZER_FILE))
    return load_shipped(model, WEIGHTS_FILE, device)
