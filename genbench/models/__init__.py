"""The public model API: what a model (baseline, user's or vendor's) must offer a task."""

from genbench.models.protocol import ConditionalSampler, LikelihoodModel, Reconstructor, Sampler, capabilities

__all__ = ["Sampler", "ConditionalSampler", "Reconstructor", "LikelihoodModel", "capabilities"]
