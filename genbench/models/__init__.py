"""The public model API: what a model (baseline, user's or vendor's) must offer a task."""

from genbench.models.protocol import (ConditionalSampler, LikelihoodModel, Reconstructor, Sampler, Stylizer,
                                      capabilities)

__all__ = ["Sampler", "ConditionalSampler", "Reconstructor", "Stylizer", "LikelihoodModel", "capabilities"]
