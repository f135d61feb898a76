"""A PixelCNN (van den Oord et al., 2016) at 28×28 with a 256-way softmax per pixel: exact
bits/dim on the 8-bit grid, and sampling fast enough for 10,000 samples on a CPU.

Architecture: a 7×7 mask-A convolution (each pixel sees only pixels before it in raster order),
residual blocks of a 3×3 mask-B convolution and a 1×1 convolution, and a two-layer 1×1 head.

Sampling in raster order would naively run the whole network once per pixel (784 passes over
the full image). Every activation at a position depends only on the pixels before it, so once
computed it never changes: ``_Stepper`` keeps each layer's activations and, at each position,
computes only that position from the cached neighbours its masked kernel reads (24 input taps
for the stem, 5 per block), a few matrix products per pixel instead of a full pass. A test pins
the stepper's logits to the full network's at every position.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from genbench.data.fashion import IMAGE_SHAPE, LEVELS
from genbench.training import Recipe, TrainResult
from genbench.weights import save_module

from .common import count_parameters, load_shipped, mean_bits_per_dim
from .fashion_common import data_fact, to_levels, train_for, train_split

H, W = IMAGE_SHAPE[1:]


@dataclass(frozen=True)
class PixelCNNConfig:
    channels: int = 32
    blocks: int = 5
    images: int = 40_000  # training budget: images seen (two thirds of an epoch)
    batch_size: int = 32
    lr: float = 3e-3
    sample_chunk: int = 1000  # samples stepped together (the cache holds blocks + 1 maps of this many)


class MaskedConv2d(nn.Conv2d):
    """A convolution whose kernel sees rows above and, in the centre row, columns left of the
    centre (and the centre itself for mask B)."""

    def __init__(self, c_in: int, c_out: int, k: int, mask: str):
        super().__init__(c_in, c_out, k, padding=k // 2)
        m = torch.zeros(k, k)
        m[: k // 2] = 1
        m[k // 2, : k // 2 + (mask == "B")] = 1
        self.register_buffer("mask", m, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)

    def taps(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The unmasked kernel entries as one matrix (taps · c_in, c_out) and their (row, col)
        offsets from the centre, in the order ``_Stepper`` gathers them."""
        k = self.kernel_size[0]
        positions = self.mask.nonzero().tolist()  # row-major: the order of the gathered patch
        weight = torch.stack([self.weight[:, :, r, c] for r, c in positions])  # (taps, c_out, c_in)
        offsets = torch.tensor([(r - k // 2, c - k // 2) for r, c in positions])
        return weight.permute(0, 2, 1).reshape(-1, weight.shape[1]), offsets


class Block(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv = MaskedConv2d(c, c, 3, "B")
        self.mix = nn.Conv2d(c, c, 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.mix(F.relu(self.conv(F.relu(h))))


class FashionPixelCNN(nn.Module):
    def __init__(self, config: PixelCNNConfig = PixelCNNConfig()):
        super().__init__()
        self.config = config
        c = config.channels
        self.stem = MaskedConv2d(1, c, 7, "A")
        self.blocks = nn.ModuleList(Block(c) for _ in range(config.blocks))
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, 1), nn.ReLU(), nn.Conv2d(c, LEVELS, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(n, 1, 28, 28) in [0, 1] → logits (n, 256, 28, 28) over each pixel's level."""
        h = self.stem(images * 2 - 1)
        for block in self.blocks:
            h = block(h)
        return self.head(h)

    def log_prob(self, images: torch.Tensor) -> torch.Tensor:
        """Exact natural-log probability (n,) of images on the 8-bit grid."""
        device = next(self.parameters()).device
        images = images.to(device)
        logp = F.log_softmax(self(images), dim=1)  # (n, 256, 28, 28)
        return logp.gather(1, to_levels(images)).flatten(1).sum(1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        chunk = self.config.sample_chunk
        return torch.cat([_Stepper(self, min(chunk, n - s)).sample(generator) for s in range(0, n, chunk)])


def _gather(padded: torch.Tensor, offsets: torch.Tensor, row: int, col: int, pad: int) -> torch.Tensor:
    """Position-major zero-padded maps (H + pad, W + 2 pad, B, C) → (B, taps · C): the entries at
    (row, col) + each offset, tap-major (the layout ``MaskedConv2d.taps`` flattens its kernel to)."""
    patch = padded[offsets[:, 0] + row + pad, offsets[:, 1] + col + pad]  # (taps, B, C)
    return patch.transpose(0, 1).reshape(patch.shape[1], -1)


class _Stepper:
    """Raster-order evaluation of a FashionPixelCNN for ``batch`` images, one position at a time.

    ``inputs`` holds the network input (images · 2 − 1) and ``maps[l]`` the output of layer l
    (stem, then blocks), each zero-padded on top, left and right exactly as the convolutions pad.
    Maps are position-major (row, col, batch, channel), so the few positions a kernel reads are
    contiguous blocks. Rows below the current one are never read: no bottom padding is needed.
    """

    def __init__(self, model: FashionPixelCNN, batch: int, images: torch.Tensor | None = None):
        self.model = model
        device = next(model.parameters()).device
        c = model.config.channels
        self.stem_w, self.stem_off = model.stem.taps()
        self.block_taps = [b.conv.taps() for b in model.blocks]
        self.mix = [(b.mix.weight[:, :, 0, 0].T, b.mix.bias) for b in model.blocks]
        first, second = model.head[1], model.head[3]
        self.head = [(first.weight[:, :, 0, 0].T, first.bias), (second.weight[:, :, 0, 0].T, second.bias)]
        self.pad = p = model.stem.kernel_size[0] // 2
        self.inputs = torch.zeros(H + p, W + 2 * p, batch, 1, device=device)
        if images is not None:  # teacher forcing: the logits a full pass would give at each position
            self.inputs[p:, p:-p] = (images.to(device) * 2 - 1).permute(2, 3, 0, 1)
        self.maps = [torch.zeros(H + 1, W + 2, batch, c, device=device) for _ in range(model.config.blocks + 1)]

    def logits_at(self, row: int, col: int) -> torch.Tensor:
        """Compute every layer at (row, col) from the cache, store it, return the logits (B, 256)."""
        h = torch.addmm(self.model.stem.bias, _gather(self.inputs, self.stem_off, row, col, self.pad), self.stem_w)
        self.maps[0][row + 1, col + 1] = h
        for i, (block, (weight, offsets), (mix_w, mix_b)) in enumerate(zip(self.model.blocks, self.block_taps,
                                                                           self.mix)):
            inner = torch.addmm(block.conv.bias, F.relu(_gather(self.maps[i], offsets, row, col, 1)), weight)
            h = h + torch.addmm(mix_b, F.relu(inner), mix_w)
            self.maps[i + 1][row + 1, col + 1] = h
        (w1, b1), (w2, b2) = self.head
        return torch.addmm(b2, F.relu(torch.addmm(b1, F.relu(h), w1)), w2)

    def sample(self, generator: torch.Generator) -> torch.Tensor:
        p = self.pad
        for row in range(H):
            for col in range(W):
                cdf = F.softmax(self.logits_at(row, col), dim=1).cumsum(1).cpu()  # (B, 256)
                # inverse-CDF draw from the task's generator (torch.multinomial is ~10× slower here)
                u = torch.rand(len(cdf), 1, generator=generator) * cdf[:, -1:]
                level = (cdf < u).sum(1, keepdim=True).clamp(max=LEVELS - 1)  # (B, 1)
                self.inputs[row + p, col + p] = level.to(self.inputs.device).float() * (2 / (LEVELS - 1)) - 1
        return ((self.inputs[p:, p:-p].permute(2, 3, 0, 1) + 1) / 2).clamp(0, 1)


def load(device: torch.device) -> FashionPixelCNN:
    return load_shipped(FashionPixelCNN(), RECIPE.weights_name, device)


def train(out_dir: Path, seed: int, config: PixelCNNConfig = PixelCNNConfig()) -> TrainResult:
    torch.manual_seed(seed)
    order = torch.Generator().manual_seed(seed)
    images, _ = train_split()
    model = FashionPixelCNN(config)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    total = config.images // config.batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=total + 1)
    dims = H * W

    def step(idx: torch.Tensor) -> float:
        loss = -model.log_prob(images[idx]).mean() / dims  # nats per pixel
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        return loss.item()

    model.train()
    steps = train_for(config.images, config.batch_size, len(images), order, step)
    model.eval()
    with torch.no_grad():
        bpd = mean_bits_per_dim(torch.cat([model.log_prob(images[i:i + 500]) for i in range(0, 5000, 500)]), dims)
    weights = out_dir / RECIPE.weights_name
    save_module(model, weights)
    return TrainResult(weights, {
        "parameters": f"{count_parameters(model):,}",
        "data": data_fact(images, steps * config.batch_size),
        "steps": f"{steps:,} of batch {config.batch_size}",
        "optimiser": f"Adam, one-cycle lr peak {config.lr:g}",
        "train bits/dim (first 5,000 train images)": f"{bpd:.3f}",
    })


RECIPE = Recipe(
    name="fashion-pixelcnn",
    seed=0,
    description="A PixelCNN at 28×28 (7×7 mask-A stem, 5 residual mask-B blocks, 32 channels) with a 256-way "
    "softmax per pixel, trained by maximum likelihood on fashion/train. Exact log-likelihood; cached "
    "raster-order sampling.",
    train=train,
    weights_name="fashion-pixelcnn.safetensors",
)
