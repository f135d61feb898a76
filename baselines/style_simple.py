"""Style-transfer baselines that need no training, and the two brackets of the style task.

- ``HistogramMatching``: each RGB channel of the content remapped so its histogram matches the
  style's (scikit-image ``match_histograms``): style colours, content structure, no texture.
- ``Reinhard``: Reinhard et al. (2001) colour transfer, the content's per-channel mean and standard
  deviation replaced by the style's in CIELAB (scikit-image's conversion; the paper used lαβ,
  a close relative).
- ``ContentCopy`` (output = content: all content, no style) and ``StyleCopy`` (output = style: all
  style, no content): the trade-off's two ends, so a reader can place every other row.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch


def _to_numpy(images: torch.Tensor) -> np.ndarray:
    return images.detach().cpu().double().permute(0, 2, 3, 1).numpy()  # (n, H, W, 3)


def _to_tensor(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.clip(images, 0, 1)).float().permute(0, 3, 1, 2)


class HistogramMatching:
    def stylize(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        from skimage.exposure import match_histograms

        pairs = zip(_to_numpy(content), _to_numpy(style))
        return _to_tensor(np.stack([match_histograms(c, s, channel_axis=-1) for c, s in pairs]))


def reinhard_transfer(content: np.ndarray, style: np.ndarray) -> np.ndarray:
    """One (H, W, 3) RGB image: Lab channel statistics of ``content`` set to those of ``style``."""
    from skimage.color import lab2rgb, rgb2lab

    c, s = rgb2lab(content), rgb2lab(style)
    c_mean, c_std = c.mean(axis=(0, 1)), c.std(axis=(0, 1))
    s_mean, s_std = s.mean(axis=(0, 1)), s.std(axis=(0, 1))
    # A flat channel (zero spread) has no structure to rescale; it only takes the style's mean.
    scale = np.divide(s_std, c_std, out=np.zeros_like(s_std), where=c_std > 1e-8)
    with warnings.catch_warnings():  # colours pushed out of the sRGB gamut are clipped, as intended
        warnings.simplefilter("ignore", UserWarning)
        return lab2rgb((c - c_mean) * scale + s_mean)


class Reinhard:
    def stylize(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        pairs = zip(_to_numpy(content), _to_numpy(style))
        return _to_tensor(np.stack([reinhard_transfer(c, s) for c, s in pairs]))


class ContentCopy:
    def stylize(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return content.clone()


class StyleCopy:
    def stylize(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return style.clone()


def load_histogram_matching(device: torch.device) -> HistogramMatching:
    return HistogramMatching()


def load_reinhard(device: torch.device) -> Reinhard:
    return Reinhard()


def load_content_copy(device: torch.device) -> ContentCopy:
    return ContentCopy()


def load_style_copy(device: torch.device) -> StyleCopy:
    return StyleCopy()
