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
    MetricInfo("fid", False, "torch-fidelity", "", "Fréchet distance between feature Gaussians of samples and the test split"),
    MetricInfo("kid", False, "torch-fidelity", "", "Kernel Inception Distance: unbiased MMD² with a cubic polynomial kernel over all items"),
    MetricInfo("kid_std", False, "torch-fidelity", "", "Standard deviation of KID over 100 subsets of 100 items (torch-fidelity's usual setting)"),
    MetricInfo("precision", True, "prdc", "", "Fraction of samples inside the real data's k-NN balls (k=5)"),
    MetricInfo("recall", True, "prdc", "", "Fraction of real items inside the samples' k-NN balls (k=5)"),
    MetricInfo("density", True, "prdc", "", "Mean count of real k-NN balls containing each sample, divided by k"),
    MetricInfo("coverage", True, "prdc", "", "Fraction of real items whose k-NN ball contains a sample"),
    MetricInfo("classifier_score", True, "torch-fidelity", "", "IS-style exp(E KL(p(y|x) || p(y))) under the feature network's classifier"),
    MetricInfo("modes_covered", True, "genbench", "classes", "Classes receiving at least 10% of their real share of samples"),
    MetricInfo("class_js", False, "scipy", "bits", "Jensen–Shannon divergence between sample and real class histograms"),
    MetricInfo("conditional_accuracy", True, "genbench", "", "Share of samples the task's classifier assigns to the requested class"),
    MetricInfo("intra_fid_mean", False, "torch-fidelity", "", "FID of each class's samples against that class's test images, mean over classes"),
    MetricInfo("intra_fid_max", False, "torch-fidelity", "", "Intra-class FID of the worst class"),
    MetricInfo("class_coverage_mean", True, "prdc", "", "Coverage (k=5) of each class's test images by that class's samples, mean over classes"),
    MetricInfo("class_coverage_min", True, "prdc", "", "Per-class coverage of the worst class"),
    MetricInfo("bits_per_dim", False, "genbench", "bits/dim", "Exact negative log-likelihood of test images, in bits per pixel"),
    MetricInfo("psnr", True, "torchmetrics", "dB", "Peak signal-to-noise ratio of reconstructions, mean over items"),
    MetricInfo("ssim", True, "torchmetrics", "", "Structural similarity of reconstructions, mean over items"),
    MetricInfo("lpips", False, "lpips", "", "Learned perceptual distance of reconstructions (AlexNet backbone)"),
    MetricInfo("throughput", True, "genbench", "images/s", "Images per second at the task's large batch, median over repeats"),
    MetricInfo("latency_p50", False, "genbench", "ms", "Median latency of one image at batch 1, after warm-up"),
    MetricInfo("latency_p95", False, "genbench", "ms", "95th-percentile latency of one image at batch 1, after warm-up"),
    MetricInfo("peak_cuda_allocated", False, "torch", "MiB", "Peak CUDA memory allocated by torch (weights included) over the first large batch"),
    MetricInfo("peak_rss_increase", False, "psutil", "MiB", "Peak rise of the process's resident memory over the first large batch (CPU runs)"),
    MetricInfo("parameters", False, "torch", "count", "Number of model parameters"),
)
DISPLAY_ORDER: tuple[str, ...] = tuple(info.name for info in CATALOG)
for _info in CATALOG:
    METRICS.register(_info.name, _info)
