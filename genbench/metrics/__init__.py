"""Quality, diversity, likelihood and cost metrics; each declares its direction and implementation."""

from genbench.metrics.catalog import METRICS, MetricInfo

__all__ = ["METRICS", "MetricInfo"]
