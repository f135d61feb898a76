"""Declarative task specs. A task's id and version go into every signature it produces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from genbench.data.dataset import DataOptions, Dataset, load_dataset
from genbench.data.digits import IMAGE_SHAPE, LEVELS
from genbench.errors import GenbenchError
from genbench.registry import Registry

# The kinds genbench ships (genbench.kinds); a plugin may add others.
Protocol = Literal["sample", "conditional", "reconstruct", "stylize", "translate", "text_likelihood"]


class NamedData:
    """Tasks whose data is a registered dataset (``data``: a key of DATASETS)."""

    data: str

    def load_data(self, options: DataOptions) -> Dataset:
        return load_dataset(self.data, options)


@dataclass(frozen=True)
class ImageTask(NamedData):
    name: str
    version: int
    protocol: Protocol
    description: str
    features: str = "digits-cnn"  # embedding network for FID/KID/PRDC; the CLI can override
    classifier: str = "digits-cnn"  # the task's own class predictor (mode coverage)
    batch_size: int = 150
    resamples: int = 200  # bootstrap resamples for the 95 % intervals
    image_shape: tuple[int, int, int] = IMAGE_SHAPE
    levels: int = LEVELS
    per_class: int = 45  # conditional tasks: samples requested per class
    request_prefix: str = "digit"  # conditional tasks: request ids are <prefix><class>-<k>
    n_classes: int = 10
    data: str = "digits/test"  # the split scored against (genbench.data.dataset.DATASETS)

    @property
    def preprocessing(self) -> str:
        return f"quantize-{self.levels}-levels"

    def requests(self) -> tuple[tuple[str, ...], torch.Tensor]:
        """Conditional tasks: the requested items, class by class, as ids (``digit3-07`` is the
        8th request for a 3; vendors name their files after them) and labels (n,)."""
        width = len(str(self.per_class - 1))
        ids = tuple(f"{self.request_prefix}{c}-{k:0{width}d}" for c in range(self.n_classes)
                    for k in range(self.per_class))
        labels = torch.arange(self.n_classes).repeat_interleave(self.per_class)
        return ids, labels


@dataclass(frozen=True)
class StyleTask(NamedData):
    """Style transfer on fixed (content, style) pairs of bundled images (genbench.data.style_pairs)."""

    name: str
    version: int
    description: str
    protocol: Protocol = "stylize"
    style_features: str = "style-cnn"  # network whose Gram matrices measure style
    batch_size: int = 16
    resamples: int = 1000  # bootstrap resamples over pairs
    image_shape: tuple[int, int, int] = (3, 64, 64)
    levels: int = 256  # outputs are snapped to 8 bits, as PNG files are
    data: str = "style/pairs"

    @property
    def preprocessing(self) -> str:
        return f"quantize-{self.levels}-levels"


@dataclass(frozen=True)
class TextTask(NamedData):
    """A task on the embedded Spanish–English corpus (genbench.data.bible), scored on its test books."""

    name: str
    version: int
    protocol: Protocol
    description: str
    batch_size: int = 64
    resamples: int = 1000  # bootstrap resamples over sentences
    # Diversity: this many samples of each of the first ``diversity_sources`` test sources.
    diversity_sources: int = 128
    samples_per_source: int = 5
    temperature: float = 1.0
    cost_batch: int = 64  # sentences per call when throughput is timed
    preprocessing: str = "none"  # hypotheses are scored exactly as given
    data: str = "bible/test"


TASKS: Registry[ImageTask | StyleTask | TextTask] = Registry("task", "genbench.tasks")
# v2 (both sampling tasks): each batch's generator derives from (seed, task, first item), so
# torchrun ranks and resumed runs draw the same samples; v1 drew every batch from one sequence.
TASKS.register("images/digits", ImageTask(
    "images/digits", 2, "sample",
    "Unconditional generation of 8×8 digits, scored against the 450-image test split "
    "(FID, KID, PRDC, classifier score, mode coverage; bits/dim for likelihood models; cost)."))
TASKS.register("images/digits-conditional", ImageTask(
    "images/digits-conditional", 2, "conditional",
    "Class-conditional generation: 45 samples per requested digit class, scored like images/digits "
    "plus conditional accuracy, intra-class FID (mean, worst class) and per-class coverage."))
# v2: SSIM is scikit-image's (the mean over windows inside the image); v1 averaged windows that
# straddled a reflect-padded border.
TASKS.register("images/digits-recon", ImageTask(
    "images/digits-recon", 2, "reconstruct",
    "Reconstruction of the 450 test digits (PSNR, SSIM, LPIPS when its backbone is present; cost)."))

# v2: content SSIM is scikit-image's Gaussian SSIM (Wang et al.), as for images/digits-recon v2.
TASKS.register("style/photo-texture", StyleTask(
    "style/photo-texture", 2,
    "Style transfer: 8 bundled photographs × 6 textures and colour images, 64×64, 48 fixed pairs "
    "(content SSIM/PSNR on luminance, LPIPS when available; Gram and colour distances to the style; cost)."))

TASKS.register("text/translate-es-en", TextTask(
    "text/translate-es-en", 1, "translate",
    "Spanish→English translation of 616 verses from held-out books (Reina-Valera 1909 → King James): "
    "BLEU, chrF, TER (sacrebleu), semantic similarity, length ratio; distinct-n and self-BLEU of sampled "
    "translations; cost."))
TASKS.register("text/lm-en", TextTask(
    "text/lm-en", 1, "text_likelihood",
    "Likelihood of the 616 held-out English verses: bits per character, and perplexity per token of the "
    "model's own tokenizer (comparable only between models that share a tokenizer)."))

# Fashion-MNIST (genbench.data.fashion): 28×28 on the 8-bit grid, scored in the shipped fashion-cnn's space.
FASHION = dict(features="fashion-cnn", classifier="fashion-cnn", batch_size=500, image_shape=(1, 28, 28),
               levels=256, data="fashion/test")
TASKS.register("fashion/generation", ImageTask(
    "fashion/generation", 1, "sample",
    "Unconditional generation of 28×28 Fashion-MNIST images: 10,000 samples scored against the 10,000 test "
    "images (FID, KID, PRDC, classifier score, mode coverage in fashion-cnn space; bits/dim; cost).", **FASHION))
TASKS.register("fashion/conditional", ImageTask(
    "fashion/conditional", 1, "conditional",
    "Class-conditional Fashion-MNIST: 1,000 samples per requested class, scored like fashion/generation "
    "plus conditional accuracy, intra-class FID (mean, worst class) and per-class coverage.",
    per_class=1000, request_prefix="class", **FASHION))
TASKS.register("fashion/recon", ImageTask(
    "fashion/recon", 1, "reconstruct",
    "Reconstruction of the 10,000 Fashion-MNIST test images (PSNR, SSIM, LPIPS when its backbone is "
    "present; cost).", **FASHION))

# The same protocol in ImageNet features: MobileNetV2 on the images upsampled to 224×224 (grey → RGB),
# so the fashion scores do not live only in a network genbench trained.
TASKS.register("fashion/generation-mobilenet", ImageTask(
    "fashion/generation-mobilenet", 1, "sample",
    "fashion/generation scored in mobilenet-v2 space (ImageNet features of the images upsampled to 224×224 "
    "and replicated to RGB): FD, KID, PRDC; mode coverage still by fashion-cnn.",
    **{**FASHION, "features": "mobilenet-v2"}))

SUITES: dict[str, tuple[str, ...]] = {
    "images": ("images/digits", "images/digits-recon"),
    "conditional": ("images/digits-conditional",),
    "style": ("style/photo-texture",),
    "text": ("text/translate-es-en", "text/lm-en"),
    "fashion": ("fashion/generation", "fashion/conditional", "fashion/recon"),
    "fashion-imagenet": ("fashion/generation-mobilenet",),
}
# Models a suite runs by default: the shipped baselines and the two bracket rows.
SUITE_BASELINES: dict[str, tuple[str, ...]] = {
    "images": ("real-train", "pixelcnn", "vae", "dcgan", "pixel-noise"),
    "conditional": ("real-train", "cgan", "cvae"),
    "style": ("output-content", "adain", "histogram-matching", "reinhard", "output-style"),
    "text": ("reference", "transformer-mt", "retrieval", "char-unigram", "copy-source"),
    "fashion": ("fashion-real-train", "fashion-pixelcnn", "fashion-vae", "fashion-dcgan", "fashion-cgan",
                "fashion-cvae", "fashion-pixel-noise"),
}
SUITES["all"] = tuple(dict.fromkeys(t for tasks in SUITES.values() for t in tasks))
SUITE_BASELINES["fashion-imagenet"] = ("fashion-real-train", "fashion-pixelcnn", "fashion-vae", "fashion-dcgan",
                                       "fashion-pixel-noise")
SUITE_BASELINES["all"] = tuple(dict.fromkeys(m for models in SUITE_BASELINES.values() for m in models))


def suite_tasks(suite: str) -> list[ImageTask | StyleTask | TextTask]:
    if suite not in SUITES:
        raise GenbenchError(f"Unknown suite {suite!r}. Known: {', '.join(sorted(SUITES))}.")
    return [TASKS.get(name) for name in SUITES[suite]]

