"""Bits per dimension from a model's exact log-likelihood on the task's discrete pixel grid."""

from __future__ import annotations

import math

import numpy as np
import torch


def bits_per_dim(log_prob: torch.Tensor, dims: int) -> np.ndarray:
    """Per-item bits/dim from natural-log probabilities: -log p(x) / (D · ln 2)."""
    return (-log_prob.double() / (dims * math.log(2))).numpy()
