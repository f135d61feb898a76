"""What each metric is, declared once: direction, bounds, unit, the library that truly computes it,
its default regression tolerance and whether it measures quality or cost. Leaderboards, compare,
the gate's config and the CLI read these declarations; sorting never guesses."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Literal

from genbench.metrics.tolerance import FALLBACK, Tolerance
from genbench.registry import Registry


@dataclass(frozen=True)
class MetricInfo:
    name: str
    higher_is_better: bool
    # The distribution that computes the value ("genbench" where our own code does, pinned to the
    # reference library by a test): it and its version go into every signature.
    library: str
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
    # The gate's default (a user's config overrides it): how far a value may move before a
    # significant change counts as a regression.
    tolerance: Tolerance = FALLBACK
    # Cost depends on the machine a run gets; quality does not.
    category: Literal["quality", "cost"] = "quality"

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
    MetricInfo("fid", False, "torch-fidelity", "",
               "Fréchet distance between feature Gaussians of samples and the test split (torch-fidelity's "
               "distance; the samples' mean and covariance from float64 running sums)",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.1)),
    MetricInfo("kid", False, "genbench", "",
               "Kernel Inception Distance: unbiased MMD² with a cubic polynomial kernel over all items (genbench's "
               "estimator on torch-fidelity's kernel; equal to torch-fidelity's KID with one subset of all items)",
               tolerance=Tolerance(relative=0.1)),
    MetricInfo("kid_std", False, "torch-fidelity", "",
               "Standard deviation of KID over 100 subsets of 100 items (torch-fidelity's usual setting)",
               tolerance=Tolerance(ignore=True)),
    MetricInfo("precision", True, "genbench", "",
               "Fraction of samples inside the real data's k-NN balls (k=5; genbench's streaming Naeem et al., equal to prdc's)",
               bounds=(0.0, 1.0), tolerance=Tolerance(absolute=0.02)),
    MetricInfo("recall", True, "genbench", "",
               "Fraction of real items inside the samples' k-NN balls (k=5)",
               bounds=(0.0, 1.0), tolerance=Tolerance(absolute=0.02)),
    MetricInfo("density", True, "genbench", "",
               "Mean count of real k-NN balls containing each sample, divided by k",
               bounds=(0.0, None), tolerance=Tolerance(absolute=0.05)),
    MetricInfo("coverage", True, "genbench", "",
               "Fraction of real items whose k-NN ball contains a sample",
               bounds=(0.0, 1.0), tolerance=Tolerance(absolute=0.02)),
    MetricInfo("classifier_score", True, "torch-fidelity", "",
               "IS-style exp(E KL(p(y|x) || p(y))) under the feature network's classifier",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.05)),
    # The whole count flips by 1 when a class sits at the threshold, whatever the seed: shown, but
    # the gate judges the soft count, which a borderline class moves by its fraction only.
    MetricInfo("modes_covered", True, "genbench", "classes",
               "Classes receiving at least 10% of their real share of samples",
               tolerance=Tolerance(ignore=True)),
    MetricInfo("modes_covered_soft", True, "genbench", "classes",
               "Sum over classes of min(1, sample share / (10% of the real share)): modes covered, with a class "
               "below the threshold counting the fraction of it that it reaches",
               bounds=(0.0, None), tolerance=Tolerance(absolute=0.5)),
    MetricInfo("class_js", False, "scipy", "bits",
               "Jensen–Shannon divergence between sample and real class histograms",
               bounds=(0.0, 1.0), tolerance=Tolerance(absolute=0.01)),
    MetricInfo("conditional_accuracy", True, "genbench", "",
               "Share of samples the task's classifier assigns to the requested class",
               bounds=(0.0, 1.0), tolerance=Tolerance(relative=0.05)),
    MetricInfo("intra_fid_mean", False, "torch-fidelity", "",
               "FID of each class's samples against that class's test images, mean over classes",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.05)),
    MetricInfo("intra_fid_max", False, "torch-fidelity", "",
               "Intra-class FID of the worst class",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.05)),
    MetricInfo("class_coverage_mean", True, "genbench", "",
               "Coverage (k=5) of each class's test images by that class's samples, mean over classes",
               bounds=(0.0, 1.0), tolerance=Tolerance(relative=0.05)),
    MetricInfo("class_coverage_min", True, "genbench", "",
               "Per-class coverage of the worst class",
               bounds=(0.0, 1.0), tolerance=Tolerance(relative=0.05)),
    MetricInfo("bits_per_dim", False, "genbench", "bits/dim",
               "Exact negative log-likelihood of test images, in bits per pixel",
               bounds=(0.0, None), tolerance=Tolerance(absolute=0.01)),
    MetricInfo("psnr", True, "torchmetrics", "dB",
               "Peak signal-to-noise ratio of reconstructions, mean over items",
               tolerance=Tolerance(absolute=0.2)),
    MetricInfo("ssim", True, "scikit-image", "",
               "Structural similarity of reconstructions, mean over items",
               bounds=(0.0, 1.0), tolerance=Tolerance(absolute=0.01)),
    MetricInfo("lpips", False, "lpips", "",
               "Learned perceptual distance of reconstructions (AlexNet backbone)",
               bounds=(0.0, None), tolerance=Tolerance(absolute=0.01)),
    MetricInfo("content_ssim", True, "scikit-image", "",
               "SSIM between output and content luminance, mean over pairs",
               bounds=(0.0, 1.0), tolerance=Tolerance(relative=0.05)),
    MetricInfo("content_psnr", True, "torchmetrics", "dB",
               "PSNR between output and content luminance, mean over pairs",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.05)),
    MetricInfo("content_lpips", False, "lpips", "",
               "LPIPS between output and content (AlexNet backbone), mean over pairs",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.05)),
    MetricInfo("style_gram", False, "genbench", "",
               "Gram-matrix distance to the style image in the style-cnn network's space, mean over pairs",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.05)),
    MetricInfo("style_gram_vgg", False, "genbench", "",
               "Gram-matrix distance to the style image in VGG16 (relu1_2, relu2_2, relu3_3), when its weights are present",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.05)),
    MetricInfo("style_colour", False, "scipy", "",
               "Wasserstein distance between output and style pixel values, mean over RGB and pairs",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.05)),
    MetricInfo("bleu", True, "sacrebleu", "",
               "Corpus BLEU against the reference (sacrebleu defaults: 13a tokens, exp smoothing)",
               bounds=(0.0, 100.0), tolerance=Tolerance(absolute=0.5)),
    MetricInfo("chrf", True, "sacrebleu", "",
               "Corpus chrF (character 6-grams, β=2; sacrebleu defaults)",
               bounds=(0.0, 100.0), tolerance=Tolerance(absolute=0.5)),
    MetricInfo("ter", False, "sacrebleu", "",
               "Corpus translation edit rate (sacrebleu defaults), in edits per 100 reference words",
               bounds=(0.0, None), tolerance=Tolerance(absolute=1)),
    MetricInfo("semantic_similarity", True, "sentence-transformers", "",
               "Cosine similarity of hypothesis and reference embeddings (all-MiniLM-L6-v2), mean over items",
               bounds=(-1.0, 1.0), tolerance=Tolerance(absolute=0.01)),
    MetricInfo("length_ratio", True, "sacrebleu", "",
               "Hypothesis length over reference length in 13a tokens; 1 is ideal",
               bounds=(0.0, None), target=1.0, tolerance=Tolerance(absolute=0.02)),
    MetricInfo("distinct_1", True, "genbench", "",
               "Distinct unigrams over all unigrams among a source's sampled translations, mean over sources",
               bounds=(0.0, 1.0), tolerance=Tolerance(absolute=0.02)),
    MetricInfo("distinct_2", True, "genbench", "",
               "Distinct bigrams over all bigrams among a source's sampled translations, mean over sources",
               bounds=(0.0, 1.0), tolerance=Tolerance(absolute=0.02)),
    MetricInfo("self_bleu", False, "sacrebleu", "",
               "Sentence BLEU of each sampled translation against the source's other samples, mean; lower is more diverse",
               bounds=(0.0, 100.0), tolerance=Tolerance(absolute=2)),
    MetricInfo("bits_per_char", False, "genbench", "bits/char",
               "Negative log-likelihood of held-out text in bits per character (verse end counted as one)",
               bounds=(0.0, None), tolerance=Tolerance(absolute=0.02)),
    MetricInfo("perplexity_own_tokens", False, "genbench", "",
               "Perplexity per token of the model's own tokenizer; comparable only between models sharing a tokenizer",
               bounds=(1.0, None), per_model=True, tolerance=Tolerance(relative=0.02)),
    MetricInfo("throughput", True, "genbench", "items/s",
               "Images or sentences per second at the task's large batch, median over repeats",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.5), category="cost"),
    MetricInfo("tokens_per_s", True, "genbench", "tokens/s",
               "Generated tokens (13a, as BLEU counts them) per second at the large batch, median over repeats",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.5), category="cost"),
    MetricInfo("latency_p50", False, "genbench", "ms",
               "Median latency of one item (image or sentence) at batch 1, after warm-up",
               bounds=(0.0, None), tolerance=Tolerance(relative=1), category="cost"),
    MetricInfo("latency_p95", False, "genbench", "ms",
               "95th-percentile latency of one item at batch 1, after warm-up",
               bounds=(0.0, None), tolerance=Tolerance(relative=1), category="cost"),
    MetricInfo("peak_cuda_allocated", False, "torch", "MiB",
               "CUDA memory the model needs: its own parameters and buffers plus the peak rise of torch's allocation over the first large batch (the process's other allocations left out)",
               tolerance=Tolerance(absolute=16, relative=0.2), category="cost"),
    MetricInfo("peak_rss_increase", False, "psutil", "MiB",
               "Peak rise of the process's resident memory over the first large batch (CPU runs)",
               tolerance=Tolerance(absolute=64, relative=1), category="cost"),
    MetricInfo("parameters", False, "torch", "count",
               "Number of model parameters",
               bounds=(0.0, None), tolerance=Tolerance(), category="cost"),
    # A remote model's requests (genbench.endpoints): measured on what it was sent, in a task run or a load scenario.
    MetricInfo("failure_rate", False, "genbench", "",
               "Share of items whose request still failed after its retries (or the deadline)",
               bounds=(0.0, 1.0), tolerance=Tolerance(absolute=0.01), category="cost"),
    MetricInfo("retries_per_item", False, "genbench", "",
               "Attempts beyond the first, per item sent",
               bounds=(0.0, None), tolerance=Tolerance(absolute=0.1, relative=0.5), category="cost"),
    *(MetricInfo(f"request_latency_p{q}", False, "genbench", "ms",
                 f"{q}th percentile of a request's latency, from its scheduled send to its answer (retries included)",
                 bounds=(0.0, None), tolerance=Tolerance(relative=1), category="cost") for q in (50, 90, 95, 99)),
    *(MetricInfo(f"ttft_p{q}", False, "genbench", "ms",
                 f"{q}th percentile of the time to the first streamed token",
                 bounds=(0.0, None), tolerance=Tolerance(relative=1), category="cost") for q in (50, 95)),
    MetricInfo("throughput_remote", True, "genbench", "items/s",
               "Items answered per second of wall time while requests were in flight",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.5), category="cost"),
    MetricInfo("tokens_in_per_item", False, "genbench", "tokens",
               "Prompt tokens per item, as the endpoint's usage reports them",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.05), category="cost"),
    MetricInfo("tokens_out_per_item", False, "genbench", "tokens",
               "Completion tokens per item, as the endpoint's usage reports them",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.1), category="cost"),
    MetricInfo("cost_per_1k_items", False, "genbench", "currency",
               "Price of 1,000 items from the endpoint's price table and its reported usage (or images)",
               bounds=(0.0, None), tolerance=Tolerance(relative=0.1), category="cost"),
    MetricInfo("within_slo", True, "genbench", "",
               "Share of a load scenario's requests answered within the latency SLO",
               bounds=(0.0, 1.0), tolerance=Tolerance(absolute=0.01), category="cost"),
    MetricInfo("scenario_valid", True, "genbench", "",
               "1 when a server scenario met its SLO at the target rate (MLPerf's validity), else 0",
               bounds=(0.0, 1.0), tolerance=Tolerance(), category="cost"),
)
DISPLAY_ORDER: tuple[str, ...] = tuple(info.name for info in CATALOG)
for _info in CATALOG:
    METRICS.register(_info.name, _info)
