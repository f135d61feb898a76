"""Inception-v3 as torch-fidelity defines it (the network behind published FIDs), from local weights.

Grey 8×8 digits are replicated to three channels and quantised to uint8; torch-fidelity then
resizes them to 299×299 with its TensorFlow-compatible bilinear filter.
"""

from __future__ import annotations

import io
from pathlib import Path

import torch

from genbench.errors import UnavailableError
from genbench.features.base import FeatureNetwork
from genbench.features.weights_cache import WeightsSpec, resolve

# torch-fidelity publishes only the 8-hex prefix (in the file name, which torch.hub checks). The
# full sha256 pinned here is the release file's as several independent public projects recorded
# it after downloading it (95,628,359 bytes); its first 8 hex digits are the published prefix.
# This machine cannot download the file, so genbench has not hashed it itself: a file with any
# other full hash is refused.
INCEPTION_V3 = WeightsSpec(
    filename="weights-inception-2015-12-05-6726825d.pth",
    sha256="6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2",
    url="https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth",
    purpose="--features inception (torch-fidelity Inception-v3)",
    name="inception",
)


def load(weights_dir: Path | None = None, spec: WeightsSpec = INCEPTION_V3) -> FeatureNetwork:
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    path, digest = resolve(spec, weights_dir)
    data = path.read_bytes()
    try:
        # Refuse anything but plain tensors before handing the same bytes to torch-fidelity,
        # whose own loader would unpickle arbitrary objects.
        torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
        net = FeatureExtractorInceptionV3("inception-v3-compat", ["2048", "logits_unbiased"],
                                          feature_extractor_weights_path=io.BytesIO(data))
    except Exception as exc:
        raise UnavailableError(f"Weights file {path} is not a valid Inception-v3 state dict: {exc}") from exc

    def embed(images: torch.Tensor) -> dict[str, torch.Tensor]:
        rgb = (images.clamp(0, 1) * 255).round().to(torch.uint8).expand(-1, 3, -1, -1)
        features, logits = net(rgb)
        return {"features": features, "logits": logits}

    return FeatureNetwork("inception-v3-compat", digest, 2048,
                          "grey→RGB, uint8, torch-fidelity bilinear resize to 299", embed, net,
                          input_size=299, eight_bit_input=True, resizes_itself=True)
