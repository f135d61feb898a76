"""On two folders, genbench's FID and KID equal torch-fidelity's with the same Inception weights file
(under torch-fidelity's resize), and FID equals pytorch-fid's Fréchet distance on the same features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from image_folders import write_images
from genbench.api import eval_samples
from genbench.features import FEATURES
from genbench.features.weights_cache import WeightsSpec
from genbench.weights import sha256_file

N = 24


@pytest.fixture(scope="module")
def random_inception(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised torch-fidelity Inception-v3 saved as a plain state dict."""
    import torch_fidelity.feature_extractor_inceptionv3 as tfi

    mp = pytest.MonkeyPatch()
    mp.setattr(tfi, "load_state_dict_from_url", lambda *a, **k: {})
    mp.setattr(tfi.FeatureExtractorInceptionV3, "load_state_dict", lambda self, state: None)
    torch.manual_seed(0)
    net = tfi.FeatureExtractorInceptionV3("inception-v3-compat", ["2048", "logits_unbiased"])
    mp.undo()
    path = tmp_path_factory.mktemp("weights") / "random-inception.pth"
    torch.save(net.state_dict(), path)
    return path


def test_fid_and_kid_equal_torch_fidelity_on_two_folders(tmp_path, random_inception):
    import torch_fidelity

    from genbench.features.inception import load

    spec = WeightsSpec(random_inception.name, sha256_file(random_inception), "file://test", "test")
    if "inception-random" not in FEATURES:
        FEATURES.register("inception-random", lambda weights_dir: load(random_inception.parent, spec))
    ref = write_images(tmp_path / "ref", N, seed=1, sizes=((80, 80),), nested=False)
    out = write_images(tmp_path / "out", N, seed=2, mean=150, sizes=((80, 80),), nested=False)
    ours = eval_samples(None, out, "vendor", reference=ref, features="inception-random", resize="torch-fidelity",
                        store=tmp_path / "s.sqlite")
    value = {s.metric: s.value for s in ours.scores}
    theirs = torch_fidelity.calculate_metrics(input1=str(out), input2=str(ref), fid=True, kid=True,
                                              kid_subsets=1, kid_subset_size=N, verbose=False, cuda=False,
                                              feature_extractor_weights_path=str(random_inception))
    assert value["fid"] == pytest.approx(theirs["frechet_inception_distance"], rel=1e-4)
    assert value["kid"] == pytest.approx(theirs["kernel_inception_distance_mean"], rel=1e-4)
    fid_signature = next(s.signature for s in ours.scores if s.metric == "fid")
    assert fid_signature.features_sha256 == spec.sha256
    assert "torch-fidelity" in fid_signature.preprocessing


def test_fid_equals_pytorch_fids_frechet_distance_on_the_same_features():
    from pytorch_fid.fid_score import calculate_frechet_distance

    from genbench.metrics.generation import GaussianSums, frechet_distance, gaussian_stats

    rng = np.random.default_rng(0)
    real, fake = rng.normal(0, 1, (300, 12)), rng.normal(0.3, 1.2, (280, 12))
    sums = GaussianSums(12)
    for block in np.array_split(fake, 7):
        sums.update(block)
    ours = frechet_distance(gaussian_stats(real), sums.stats())
    stats = sums.stats()
    theirs = calculate_frechet_distance(real.mean(0), np.cov(real, rowvar=False), stats["mu"], stats["sigma"])
    assert ours == pytest.approx(theirs, rel=1e-6)
