"""What each metric is: its direction, unit and the library that computes it. Sorting never guesses."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from genbench.registry import Registry


@dataclass(frozen=True)
class MetricInfo:
    name: str
    higher_is_better: bool
    library: str  # the distribution that computes it ("genbench" where we do it ourselves)
    unit: str
    description: str
    # The metric's possible range; interval ends outside it (half-sampling is symmetric-ish) are clipped.
    bounds: tuple[float | None, float | None] = (None, None)
    # Where neither direction is better (a length ratio), the value to be close to; compare judges
    # the distance to it.
    target: float | None = None
    # True where values depend on the model's own units (perplexity per own token): shown beside
    # the others, compared between runs of one model, never a reason to split or rank a board.
    per_model: bool = False

    def clip(self, x: float) -> float:
        """``x`` moved into the metric's range (NaN stays NaN)."""
        low, high = self.bounds
        if low is not None and x < low:
            return low
        if high is not None and x > high:
            return high
        return x

    @property
    def implementation(self) -> str:
        return f"{self.library}-{library_version(self.library)}"


def library_version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


METRICS: Registry[MetricInfo] = Registry("metric", "genbench.metrics")

# Registration order is display order: leaderboards show metrics in this sequence.
CATALOG: tuple[MetricInfo, ...] = (
    MetricInfo("fid", False, "torch-fidelity", "", "Fréchet distance between feature Gaussians of samples and the test split", (0.0, None)),
    MetricInfo("kid", False, "torch-fidelity", "", "Kernel Inception Distance: unbiased MMD² with a cubic polynomial kernel over all items"),
    MetricInfo("kid_std", False, "torch-fidelity", "", "Standard deviation of KID over 100 subsets of 100 items (torch-fidelity's usual setting)"),
    MetricInfo("precision", True, "prdc", "", "Fraction of samples inside the real data's k-NN balls (k=5)", (0.0, 1.0)),
    MetricInfo("recall", True, "prdc", "", "Fraction of real items inside the samples' k-NN balls (k=5)", (0.0, 1.0)),
    MetricInfo("density", True, "prdc", "", "Mean count of real k-NN balls containing each sample, divided by k", (0.0, None)),
    MetricInfo("coverage", True, "prdc", "", "Fraction of real items whose k-NN ball contains a sample", (0.0, 1.0)),
    MetricInfo("classifier_score", True, "torch-fidelity", "", "IS-style exp(E KL(p(y|x) || p(y))) under the feature network's classifier", (0.0, None)),
    MetricInfo("modes_covered", True, "genbench", "classes", "Classes receiving at least 10% of their real share of samples"),
    MetricInfo("class_js", False, "scipy", "bits", "Jensen–Shannon divergence between sample and real class histograms", (0.0, 1.0)),
    MetricInfo("conditional_accuracy", True, "genbench", "", "Share of samples the task's classifier assigns to the requested class", (0.0, 1.0)),
    MetricInfo("intra_fid_mean", False, "torch-fidelity", "", "FID of each class's samples against that class's test images, mean over classes", (0.0, None)),
    MetricInfo("intra_fid_max", False, "torch-fidelity", "", "Intra-class FID of the worst class", (0.0, None)),
    MetricInfo("class_coverage_mean", True, "prdc", "", "Coverage (k=5) of each class's test images by that class's samples, mean over classes", (0.0, 1.0)),
    MetricInfo("class_coverage_min", True, "prdc", "", "Per-class coverage of the worst class", (0.0, 1.0)),
    MetricInfo("bits_per_dim", False, "genbench", "bits/dim", "Exact negative log-likelihood of test images, in bits per pixel", (0.0, None)),
    MetricInfo("psnr", True, "torchmetrics", "dB", "Peak signal-to-noise ratio of reconstructions, mean over items"),
    MetricInfo("ssim", True, "torchmetrics", "", "Structural similarity of reconstructions, mean over items", (0.0, 1.0)),
    MetricInfo("lpips", False, "lpips", "", "Learned perceptual distance of reconstructions (AlexNet backbone)", (0.0, None)),
    MetricInfo("content_ssim", True, "torchmetrics", "", "SSIM between output and content luminance, mean over pairs", (0.0, 1.0)),
    MetricInfo("content_psnr", True, "torchmetrics", "dB", "PSNR between output and content luminance, mean over pairs", (0.0, None)),
    MetricInfo("content_lpips", False, "lpips", "", "LPIPS between output and content (AlexNet backbone), mean over pairs", (0.0, None)),
    MetricInfo("style_gram", False, "genbench", "", "Gram-matrix distance to the style image in the style-cnn network's space, mean over pairs", (0.0, None)),
    MetricInfo("style_gram_vgg", False, "genbench", "", "Gram-matrix distance to the style image in VGG16 (relu1_2, relu2_2, relu3_3), when its weights are present", (0.0, None)),
    MetricInfo("style_colour", False, "scipy", "", "Wasserstein distance between output and style pixel values, mean over RGB and pairs", (0.0, None)),
    MetricInfo("bleu", True, "sacrebleu", "", "Corpus BLEU against the reference (sacrebleu defaults: 13a tokens, exp smoothing)", (0.0, 100.0)),
    MetricInfo("chrf", True, "sacrebleu", "", "Corpus chrF (character 6-grams, β=2; sacrebleu defaults)", (0.0, 100.0)),
    MetricInfo("ter", False, "sacrebleu", "", "Corpus translation edit rate (sacrebleu defaults), in edits per 100 reference words", (0.0, None)),
    MetricInfo("semantic_similarity", True, "sentence-transformers", "", "Cosine similarity of hypothesis and reference embeddings (all-MiniLM-L6-v2), mean over items", (-1.0, 1.0)),
    MetricInfo("length_ratio", True, "sacrebleu", "", "Hypothesis length over reference length in 13a tokens; 1 is ideal", (0.0, None), target=1.0),
    MetricInfo("distinct_1", True, "genbench", "", "Distinct unigrams over all unigrams among a source's sampled translations, mean over sources", (0.0, 1.0)),
    MetricInfo("distinct_2", True, "genbench", "", "Distinct bigrams over all bigrams among a source's sampled translations, mean over sources", (0.0, 1.0)),
    MetricInfo("self_bleu", False, "sacrebleu", "", "Sentence BLEU of each sampled translation against the source's other samples, mean; lower is more diverse", (0.0, 100.0)),
    MetricInfo("bits_per_char", False, "genbench", "bits/char", "Negative log-likelihood of held-out text in bits per character (verse end counted as one)", (0.0, None)),
    MetricInfo("perplexity_own_tokens", False, "genbench", "", "Perplexity per token of the model's own tokenizer; comparable only between models sharing a tokenizer", (1.0, None), per_model=True),
    MetricInfo("throughput", True, "genbench", "items/s", "Images or sentences per second at the task's large batch, median over repeats", (0.0, None)),
    MetricInfo("tokens_per_s", True, "genbench", "tokens/s", "Generated tokens (13a, as BLEU counts them) per second at the large batch, median over repeats", (0.0, None)),
    MetricInfo("latency_p50", False, "genbench", "ms", "Median latency of one item (image or sentence) at batch 1, after warm-up", (0.0, None)),
    MetricInfo("latency_p95", False, "genbench", "ms", "95th-percentile latency of one item at batch 1, after warm-up", (0.0, None)),
    MetricInfo("peak_cuda_allocated", False, "torch", "MiB", "CUDA memory the model needs: its own parameters and buffers plus the peak rise of torch's "
               "allocation over the first large batch (the process's other allocations left out)"),
    MetricInfo("peak_rss_increase", False, "psutil", "MiB", "Peak rise of the process's resident memory over the first large batch (CPU runs)"),
    MetricInfo("parameters", False, "torch", "count", "Number of model parameters", (0.0, None)),
)
DISPLAY_ORDER: tuple[str, ...] = tuple(info.name for info in CATALOG)
for _info in CATALOG:
    METRICS.register(_info.name, _info)
