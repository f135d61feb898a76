"""DINOv2 ViT-B/14 and ViT-L/14 (Stein et al. 2023 recommend Fréchet distance in this space).

The weights are Meta's official backbone checkpoints, resolved from the weights directory and
checked by full sha256. The architecture comes from timm's port (``vit_*_patch14_dinov2``),
an optional dependency (``pip install 'genbench[dinov2]'``): torch.hub would fetch Meta's code at
run time, which an offline machine cannot. timm's own checkpoint converter maps the official
keys and resamples the 37×37 position embeddings of the 518-pixel pretraining grid to the 16×16
grid of a 224-pixel input once, at load time (bicubic), as timm does for its own copies. The
features are the final-norm CLS token (768-d for B/14, 1024-d for L/14); there is no classifier,
so ``logits`` is an empty (N, 0) tensor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from genbench.errors import UnavailableError
from genbench.features.base import FeatureNetwork
from genbench.features.imagenet import PREPROCESSING, normalised_rgb
from genbench.features.weights_cache import WeightsSpec, resolve

INPUT_SIZE = 224
BASE_URL = "https://dl.fbaipublicfiles.com/dinov2"

# Meta publishes no checksums for these files. The full sha256s pinned here are the release files'
# as independent public projects recorded them after downloading them (ViT-B/14 by two, ViT-L/14,
# 1,217,586,395 bytes, by three). This machine cannot download the files, so genbench has not
# hashed them itself: a file with any other full hash is refused.
VITB14 = WeightsSpec("dinov2_vitb14_pretrain.pth",
                     "0b8b82f85de91b424aded121c7e1dcc2b7bc6d0adeea651bf73a13307fad8c73",
                     f"{BASE_URL}/dinov2_vitb14/dinov2_vitb14_pretrain.pth",
                     "--features dinov2-vit-b14 (DINOv2 ViT-B/14)", name="dinov2-vit-b14")
VITL14 = WeightsSpec("dinov2_vitl14_pretrain.pth",
                     "d5383ea8f4877b2472eb973e0fd72d557c7da5d3611bd527ceeb1d7162cbf428",
                     f"{BASE_URL}/dinov2_vitl14/dinov2_vitl14_pretrain.pth",
                     "--features dinov2-vit-l14 (DINOv2 ViT-L/14)", name="dinov2-vit-l14")


@dataclass(frozen=True)
class Variant:
    name: str
    timm_arch: str
    dim: int
    spec: WeightsSpec
    arch_kwargs: dict[str, Any] = field(default_factory=dict)  # tests build a shallower twin


VIT_B14 = Variant("dinov2-vit-b14", "vit_base_patch14_dinov2", 768, VITB14)
VIT_L14 = Variant("dinov2-vit-l14", "vit_large_patch14_dinov2", 1024, VITL14)


def _timm() -> Any:
    try:
        import timm
        from timm.models import vision_transformer
    except ImportError as exc:
        raise UnavailableError("The DINOv2 feature networks need the optional package timm for their architecture "
                               "(torch.hub cannot fetch Meta's code offline): pip install 'genbench[dinov2]'.") from exc
    return timm, vision_transformer


def build(variant: Variant) -> torch.nn.Module:
    """The architecture with random weights, at the 224-pixel input genbench feeds it."""
    timm, _ = _timm()
    return timm.create_model(variant.timm_arch, pretrained=False, img_size=INPUT_SIZE, num_classes=0,
                             **variant.arch_kwargs)


def load_variant(variant: Variant, weights_dir: Path | None = None, spec: WeightsSpec | None = None) -> FeatureNetwork:
    _, vision_transformer = _timm()
    path, digest = resolve(spec or variant.spec, weights_dir)
    net = build(variant)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        net.load_state_dict(vision_transformer.checkpoint_filter_fn(state, net))
    except Exception as exc:
        raise UnavailableError(f"Weights file {path} is not a DINOv2 {variant.timm_arch} backbone: {exc}") from exc
    net.eval()

    def embed(images: torch.Tensor) -> dict[str, torch.Tensor]:
        cls = net(normalised_rgb(images, INPUT_SIZE, variant.name))  # (N, D): num_classes=0 keeps the CLS token
        return {"features": cls, "logits": cls.new_zeros(len(cls), 0)}

    return FeatureNetwork(variant.name, digest, variant.dim, PREPROCESSING.format(size=INPUT_SIZE), embed, net,
                          input_size=INPUT_SIZE)


def load_vitb14(weights_dir: Path | None = None) -> FeatureNetwork:
    return load_variant(VIT_B14, weights_dir)


def load_vitl14(weights_dir: Path | None = None) -> FeatureNetwork:
    return load_variant(VIT_L14, weights_dir)
