"""LPIPS with the ``lpips`` package's own linear heads and a torchvision backbone from local weights.

The heads ship inside the ``lpips`` package; the ImageNet backbone does not, so it is resolved
from the weights directory and checked against torchvision's published hash. A missing backbone
makes LPIPS unavailable; it is never replaced by a random one.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from genbench.errors import UnavailableError
from genbench.features.weights_cache import WeightsSpec, resolve

ALEXNET = WeightsSpec(
    filename="alexnet-owt-7be5be79.pth",
    sha256="7be5be79",
    url="https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
    purpose="LPIPS (AlexNet backbone)",
)
# LPIPS' AlexNet sees too little of an 8×8 image; upsampling to 64×64 keeps every layer's map non-empty.
LPIPS_SIZE = 64


def load_lpips(weights_dir: Path | None = None, spec: WeightsSpec = ALEXNET
               ) -> tuple[Callable[[torch.Tensor, torch.Tensor], torch.Tensor], str]:
    """Return ``distance(a, b) -> (N,)`` for images in [0, 1], and the backbone file's sha256."""
    import lpips
    import torchvision

    path, digest = resolve(spec, weights_dir)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        backbone = torchvision.models.alexnet()
        backbone.load_state_dict(state)
    except Exception as exc:
        raise UnavailableError(f"Weights file {path} is not a torchvision AlexNet state dict: {exc}") from exc
    with warnings.catch_warnings():  # torchvision's deprecation notices about lpips' call style
        warnings.simplefilter("ignore", UserWarning)
        model = lpips.LPIPS(net="alex", pretrained=True, pnet_rand=True, verbose=False).eval()
    for slice_ in (model.net.slice1, model.net.slice2, model.net.slice3, model.net.slice4, model.net.slice5):
        for index, layer in slice_.named_children():
            layer.load_state_dict(backbone.features[int(index)].state_dict())

    @torch.no_grad()
    def distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        def prep(x: torch.Tensor) -> torch.Tensor:
            x = x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x
            x = F.interpolate(x.float(), size=(LPIPS_SIZE, LPIPS_SIZE), mode="bilinear", align_corners=False)
            return x * 2 - 1

        return model(prep(a), prep(b)).flatten()

    return distance, digest
