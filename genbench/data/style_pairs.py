"""The style-transfer pairs: photographs and textures bundled with scikit-image and scikit-learn.

Every image is read from the installed packages (nothing is downloaded), converted to RGB in
[0, 1] and cut into fixed windows:

- test items: the central 256×256 window of each content photograph, resized to 64×64, paired with
  the central 256×256 window of each style image, resized to 64×64. Item ids are
  ``<content>--<style>`` (e.g. ``astronaut--brick``); 8 contents × 6 styles = 48 pairs.
- training patches (for networks genbench trains): 64×64 windows taken from each image *outside*
  its central test window, so no test pixel is ever trained on.

The sha256 of the test pairs' pixels and ids goes into every signature.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

import numpy as np
import torch

from genbench.data.dataset import DataOptions, spans

SIZE = 64  # pixels per side of every item
WINDOW = 256  # side of the central window a test item is resized from
CONTENTS = ("astronaut", "coffee", "chelsea", "rocket", "camera", "coins", "china", "flower")
STYLES = ("brick", "grass", "gravel", "hubble_deep_field", "immunohistochemistry", "retina")


def load_rgb(name: str) -> np.ndarray:
    """A bundled image as float RGB (H, W, 3) in [0, 1]."""
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        image = load_sample_image(f"{name}.jpg")
    else:
        import skimage.data

        image = getattr(skimage.data, name)()
    image = image.astype(np.float64) / 255
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return image[:, :, :3]


def _centre(image: np.ndarray) -> tuple[int, int]:
    h, w = image.shape[:2]
    return (h - WINDOW) // 2, (w - WINDOW) // 2


def _resize(window: np.ndarray) -> torch.Tensor:
    from skimage.transform import resize

    small = resize(window, (SIZE, SIZE, 3), anti_aliasing=True)
    # Snapped to 8 bits like every output (and every PNG file) is, so an output equal to an
    # input scores exactly as equal.
    return (torch.from_numpy(small).float().permute(2, 0, 1).clamp(0, 1) * 255).round() / 255  # (3, 64, 64)


def test_item(name: str) -> torch.Tensor:
    image = load_rgb(name)
    top, left = _centre(image)
    return _resize(image[top:top + WINDOW, left:left + WINDOW])


@dataclass(frozen=True)
class PairBatch:
    start: int  # index of the first pair
    ids: tuple[str, ...]
    content: torch.Tensor
    style: torch.Tensor


@dataclass(frozen=True)
class StylePairs:
    ids: tuple[str, ...]
    content: torch.Tensor  # (N, 3, 64, 64)
    style: torch.Tensor  # (N, 3, 64, 64)
    content_hash: str
    name: str = "style/pairs"

    def __len__(self) -> int:
        return len(self.ids)

    def batches(self, size: int, device: torch.device | None = None) -> Iterator[PairBatch]:
        for start, n in spans(len(self), size):
            yield PairBatch(start, self.ids[start:start + n], self.content[start:start + n].to(device),
                            self.style[start:start + n].to(device))


@lru_cache(maxsize=1)
def load_pairs() -> StylePairs:
    contents = {name: test_item(name) for name in CONTENTS}
    styles = {name: test_item(name) for name in STYLES}
    pairs = [(c, s) for c in CONTENTS for s in STYLES]
    ids = tuple(f"{c}--{s}" for c, s in pairs)
    content = torch.stack([contents[c] for c, _ in pairs])
    style = torch.stack([styles[s] for _, s in pairs])
    digest = hashlib.sha256("\n".join(ids).encode())
    for tensor in (content, style):
        digest.update((tensor * 255).round().to(torch.uint8).numpy().tobytes())
    return StylePairs(ids, content, style, digest.hexdigest())


def load(options: DataOptions) -> StylePairs:
    """The 48 test pairs (bundled with the installed packages; ``options`` name no location)."""
    return load_pairs()


def training_patches(names: tuple[str, ...] = CONTENTS + STYLES, per_image: int = 64, seed: int = 0
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """Random 64×64 patches (N, 3, 64, 64) from outside each image's central test window, and
    the index of the image each came from (N,)."""
    rng = np.random.default_rng(seed)
    patches, sources = [], []
    for index, name in enumerate(names):
        image = load_rgb(name)
        h, w = image.shape[:2]
        top, left = _centre(image)
        taken = 0
        while taken < per_image:
            y, x = int(rng.integers(0, h - SIZE + 1)), int(rng.integers(0, w - SIZE + 1))
            overlaps = y < top + WINDOW and y + SIZE > top and x < left + WINDOW and x + SIZE > left
            if overlaps:
                continue
            patches.append(torch.from_numpy(image[y:y + SIZE, x:x + SIZE]).float().permute(2, 0, 1))
            sources.append(index)
            taken += 1
    return torch.stack(patches), torch.tensor(sources)
