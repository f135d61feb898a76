"""Every weights file genbench ships is pinned by the full sha256 its model card records."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import genbench.features.digits_net
from genbench.weights import sha256_file
from genbench_baselines.common import WEIGHTS_DIR as BASELINE_WEIGHTS

FEATURE_WEIGHTS = Path(genbench.features.digits_net.__file__).parent / "weights"
SHIPPED = sorted([*FEATURE_WEIGHTS.glob("*.safetensors"), *BASELINE_WEIGHTS.glob("*.safetensors")])
CARD_SHA256 = re.compile(r"^\| weights sha256 \| `([0-9a-f]{64})` \|$", re.MULTILINE)


def test_the_shipped_weights_are_all_found():
    assert {p.stem for p in SHIPPED} >= {"digits-cnn", "style-cnn", "dcgan", "vae", "pixelcnn", "pixel-noise",
                                         "cgan", "cvae", "adain", "transformer-mt"}


@pytest.mark.parametrize("weights", SHIPPED, ids=lambda p: p.name)
def test_a_shipped_weights_file_has_the_full_sha256_its_card_records(weights: Path):
    card = weights.with_suffix(".md").read_text()
    recorded = CARD_SHA256.findall(card)
    assert len(recorded) == 1, f"{weights.with_suffix('.md')} records no single full weights sha256"
    assert sha256_file(weights) == recorded[0]
