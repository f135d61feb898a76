"""LPIPS with the ``lpips`` package's own linear heads and a torchvision backbone from local weights.

The heads ship inside the ``lpips`` package; the ImageNet backbones (AlexNet, VGG16, SqueezeNet
1.1) do not, so they are resolved from the weights directory and checked against the full sha256
of torchvision's release file. A missing backbone makes LPIPS unavailable; it is never replaced
by a random one.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from genbench.errors import UnavailableError
from genbench.features.weights_cache import WeightsSpec, resolve

# torchvision publishes only an 8-hex prefix of each file's sha256 (in its name). The full hashes
# below are the release files' as several independent public projects recorded them after
# downloading them (AlexNet 244,408,911 bytes, VGG16 553,433,881, SqueezeNet 1.1 4,958,839), each
# starting with the published prefix. This machine cannot download the files, so genbench has
# not hashed them itself: a file with any other full hash is refused.
ALEXNET = WeightsSpec("alexnet-owt-7be5be79.pth",
                      "7be5be791159472b1fbf3c69796f7cb30dca7ad8466c2df70058c37116cdee02",
                      "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
                      "LPIPS (AlexNet backbone)", name="alexnet")
VGG16 = WeightsSpec("vgg16-397923af.pth",
                    "397923af8e79cdbb6a7127f12361acd7a2f83e06b05044ddf496e83de57a5bf0",
                    "https://download.pytorch.org/models/vgg16-397923af.pth",
                    "The VGG16 backbone (LPIPS-vgg, VGG Gram distance)", name="vgg16")
SQUEEZENET = WeightsSpec("squeezenet1_1-b8a52dc0.pth",
                         "b8a52dc049b60e4b6ab68ad0df457362afab8b6304b2febdc1650a5dab4d7e7b",
                         "https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth",
                         "LPIPS (SqueezeNet 1.1 backbone)", name="squeezenet")
# lpips' name for a backbone → (its weights file, the torchvision constructor's name)
BACKBONES = {"alex": (ALEXNET, "alexnet"), "vgg": (VGG16, "vgg16"), "squeeze": (SQUEEZENET, "squeezenet1_1")}
# LPIPS' AlexNet sees too little of an 8×8 image; upsampling small images to 64×64 keeps every
# layer's map non-empty. Larger images are left at their size.
LPIPS_SIZE = 64

Distance = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def load_backbone(net: str, weights_dir: Path | None = None,
                  spec: WeightsSpec | None = None) -> tuple[torch.nn.Module, str]:
    """A torchvision backbone with verified ImageNet weights, and the file's sha256."""
    import torchvision

    default_spec, constructor = BACKBONES[net]
    path, digest = resolve(spec or default_spec, weights_dir)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        backbone = getattr(torchvision.models, constructor)()
        backbone.load_state_dict(state)
    except Exception as exc:
        raise UnavailableError(f"Weights file {path} is not a torchvision {constructor} state dict: {exc}") from exc
    return backbone.eval(), digest


def load_lpips(weights_dir: Path | None = None, spec: WeightsSpec | None = None, net: str = "alex",
               device: torch.device | None = None) -> tuple[Distance, str]:
    """Return ``distance(a, b) -> (N,)`` (on the CPU) for images in [0, 1], computed on ``device``,
    and the backbone file's sha256."""
    import lpips

    backbone, digest = load_backbone(net, weights_dir, spec)
    with warnings.catch_warnings():  # torchvision's deprecation notices about lpips' call style
        warnings.simplefilter("ignore", UserWarning)
        model = lpips.LPIPS(net=net, pretrained=True, pnet_rand=True, verbose=False).eval()
    # lpips cuts the backbone's ``features`` into slices whose children keep their original indices.
    for index in range(1, model.net.N_slices + 1):
        for name, layer in getattr(model.net, f"slice{index}").named_children():
            layer.load_state_dict(backbone.features[int(name)].state_dict())
    device = device or torch.device("cpu")
    model = model.to(device)

    @torch.no_grad()
    def distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        def prep(x: torch.Tensor) -> torch.Tensor:
            x = x.to(device)
            x = x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x
            if x.shape[-1] < LPIPS_SIZE:
                x = F.interpolate(x.float(), size=(LPIPS_SIZE, LPIPS_SIZE), mode="bilinear", align_corners=False)
            return x.float() * 2 - 1

        return model(prep(a), prep(b)).flatten().cpu()

    return distance, digest
