"""Per-item scores of stylized images: does the output keep the content and take the style?

- content: SSIM (scikit-image's, in Wang et al.'s Gaussian setup) and PSNR between the luminance
  (ITU-R 601 luma, scikit-image's ``rgb2gray`` weights) of the output and of the content image —
  structure, not colour, since colour is what a style transfer is asked to change;
- style: the Gram-matrix distance in the shipped style network's space (mean over its layers of
  the squared Frobenius distance between normalised Gram matrices, divided by C²), and a colour
  distance: the 1-D Wasserstein distance between output and style pixel values, mean over R, G, B
  (scipy).
"""

from __future__ import annotations

import numpy as np
import torch

from genbench.metrics.reconstruction import PSNR_CAP_DB, SsimDefinition, psnr_per_item

# ITU-R 601 luma weights, as scikit-image's rgb2gray uses them.
LUMA = torch.tensor([0.2125, 0.7154, 0.0721]).view(1, 3, 1, 1)
# Wang et al.'s setup: an 11×11 Gaussian window, σ 1.5, population (co)variances. scikit-image
# takes the window's radius from σ (3.5σ, rounded: 5), so win_size 11 names the same window.
CONTENT_SSIM = SsimDefinition(win_size=11, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
SSIM_SETTINGS = {"on": "luminance", **CONTENT_SSIM.settings()}
PSNR_SETTINGS = {"on": "luminance", "data_range": 1.0, "cap_db": PSNR_CAP_DB}


def luminance(images: torch.Tensor) -> torch.Tensor:
    return (images.double() * LUMA.double()).sum(1, keepdim=True)


def content_ssim(output: torch.Tensor, content: torch.Tensor) -> np.ndarray:
    """Per pair: scikit-image's SSIM (CONTENT_SSIM) between output and content luminance."""
    return CONTENT_SSIM.per_item(luminance(output), luminance(content))


def content_psnr(output: torch.Tensor, content: torch.Tensor) -> np.ndarray:
    return psnr_per_item(luminance(output), luminance(content))


def gram_distance(output_grams: list[torch.Tensor], style_grams: list[torch.Tensor]) -> np.ndarray:
    """Per item: mean over layers of ‖G_out − G_style‖²_F / C²."""
    per_layer = [((a.double() - b.double()) ** 2).sum((1, 2)) / a.shape[1] ** 2
                 for a, b in zip(output_grams, style_grams)]
    return torch.stack(per_layer).mean(0).numpy()


# VGG16 ``features`` indices after relu1_2, relu2_2 and relu3_3: the layers Gatys et al. style losses use.
VGG_GRAM_LAYERS = (3, 8, 15)
IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


@torch.no_grad()
def vgg_grams(vgg: torch.nn.Module, images: torch.Tensor) -> list[torch.Tensor]:
    """Gram matrices (n, C, C), normalised by H·W, of a torchvision VGG16 at VGG_GRAM_LAYERS."""
    device = next(vgg.parameters()).device
    x = (images.float().to(device) - IMAGENET_MEAN.to(device)) / IMAGENET_STD.to(device)
    grams = []
    for index, layer in enumerate(vgg.features[: max(VGG_GRAM_LAYERS) + 1]):
        x = layer(x)
        if index in VGG_GRAM_LAYERS:
            f = x.flatten(2)  # (n, C, H·W)
            grams.append((f @ f.transpose(1, 2) / f.shape[2]).cpu())
    return grams


def colour_distance(output: torch.Tensor, style: torch.Tensor) -> np.ndarray:
    from scipy.stats import wasserstein_distance

    out, sty = output.double().flatten(2).numpy(), style.double().flatten(2).numpy()  # (n, 3, H·W)
    return np.array([np.mean([wasserstein_distance(o[c], s[c]) for c in range(3)]) for o, s in zip(out, sty)])
