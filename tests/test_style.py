"""The style task: brackets score as they must, simple baselines land between them, vendors' files work."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from conftest import QUICK_COST, write_folder
from genbench.data.style_pairs import load_pairs
from genbench.models.sources import load_model
from genbench.runner import RunOptions, evaluate
from genbench.tasks import TASKS


@pytest.fixture(scope="module")
def style_scores() -> dict[str, dict[str, float]]:
    task = TASKS.get("style/photo-texture")
    out = {}
    for name in ("output-content", "output-style", "histogram-matching", "reinhard"):
        scores = evaluate(task, load_model(name, torch.device("cpu")), RunOptions(cost=QUICK_COST))
        out[name] = {s.metric: s.value for s in scores}
    return out


def test_output_equal_to_content_keeps_the_content_perfectly(style_scores):
    content = style_scores["output-content"]
    assert content["content_ssim"] == pytest.approx(1.0) and content["content_psnr"] == pytest.approx(100.0)


def test_output_equal_to_style_has_the_best_style_scores(style_scores):
    best = style_scores["output-style"]
    assert best["style_gram"] == pytest.approx(0.0, abs=1e-9) and best["style_colour"] == pytest.approx(0.0, abs=1e-9)
    for name, scores in style_scores.items():
        assert scores["style_gram"] >= best["style_gram"] and scores["style_colour"] >= best["style_colour"], name


def test_histogram_matching_lands_between_the_brackets(style_scores):
    content, style, matched = (style_scores[n] for n in ("output-content", "output-style", "histogram-matching"))
    assert style["content_ssim"] < matched["content_ssim"] < content["content_ssim"]
    assert style["style_gram"] < matched["style_gram"] < content["style_gram"]
    assert style["style_colour"] <= matched["style_colour"] < content["style_colour"]


def test_reinhard_moves_lab_statistics_to_the_style():
    from skimage.color import rgb2lab

    from genbench_baselines.style_simple import reinhard_transfer

    pairs = load_pairs()
    content = pairs.content[0].permute(1, 2, 0).double().numpy()
    style = pairs.style[5].permute(1, 2, 0).double().numpy()  # a colour image
    out = rgb2lab(reinhard_transfer(content, style))
    target = rgb2lab(style)
    # lab2rgb clips out-of-gamut colours, so the match is close rather than exact
    np.testing.assert_allclose(out.mean(axis=(0, 1)), target.mean(axis=(0, 1)), atol=3.0)
    np.testing.assert_allclose(out.std(axis=(0, 1)), target.std(axis=(0, 1)), rtol=0.25, atol=1.0)


def test_vendor_files_are_named_by_pair_id(tmp_path, cli, capsys):
    pairs = load_pairs()
    folder = write_folder(tmp_path / "v", pairs.content, ids=list(pairs.ids))
    store = tmp_path / "r.sqlite"
    assert cli("eval", "--task", "style/photo-texture", "--samples", folder, "--name", "vendor",
               "--store", store, "--json", tmp_path / "o.json") == 0
    rows = {r["metric"]: r for r in json.loads((tmp_path / "o.json").read_text())}
    assert rows["content_ssim"]["value"] > 0.99 and len(rows["style_gram"]["items"]) == len(pairs)
    (folder / f"{pairs.ids[3]}.png").unlink()
    assert cli("eval", "--task", "style/photo-texture", "--samples", folder, "--name", "vendor2",
               "--store", store) == 2
    assert f"{pairs.ids[3]}.png" in " ".join(capsys.readouterr().err.split())


def test_adain_takes_style_while_keeping_content():
    """The trained AdaIN baseline sits strictly inside the brackets' trade-off on both axes."""
    task = TASKS.get("style/photo-texture")
    results = {}
    for name in ("output-content", "output-style", "adain"):
        scores = evaluate(task, load_model(name, torch.device("cpu")), RunOptions(cost=QUICK_COST))
        results[name] = {s.metric: s.value for s in scores}
    content, style, adain = results["output-content"], results["output-style"], results["adain"]
    assert style["content_ssim"] < adain["content_ssim"] < content["content_ssim"]
    assert style["style_colour"] < adain["style_colour"] < content["style_colour"]


def test_vgg_gram_distance_is_unavailable_without_vgg_weights_and_works_with_them(tmp_path):
    import torchvision

    from genbench.metrics.style import gram_distance, vgg_grams

    task = TASKS.get("style/photo-texture")
    scores = {s.metric: s for s in evaluate(task, load_model("output-style", torch.device("cpu")),
                                            RunOptions(cost=QUICK_COST, weights_dir=tmp_path))}
    assert scores["style_gram_vgg"].value is None
    assert "vgg16-397923af.pth" in scores["style_gram_vgg"].unavailable_reason
    vgg = torchvision.models.vgg16().eval()  # random weights: plumbing only, never a reported score
    pairs = load_pairs()
    same = gram_distance(vgg_grams(vgg, pairs.style[:4]), vgg_grams(vgg, pairs.style[:4]))
    other = gram_distance(vgg_grams(vgg, pairs.content[:4]), vgg_grams(vgg, pairs.style[:4]))
    assert np.allclose(same, 0) and (other > 0).all()
