"""genbench: evaluation and benchmarking for generative models."""

__version__ = "0.1.0"
