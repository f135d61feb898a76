"""The public model API: what a model (baseline, user's or vendor's) must offer a task."""

from genbench.models.protocol import LikelihoodModel, Reconstructor, Sampler, capabilities

__all__ = ["Sampler", "Reconstructor", "LikelihoodModel", "capabilities"]
