"""`genbench eval --reference REF --samples DIR`: a user's own images, scored and refused as a user expects."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from image_folders import folders, write_images  # noqa: F401 (folders is a fixture)
from genbench.api import eval_samples
from genbench.data.image_source import open_images, to_rgb
from genbench.errors import InputError


def scores_of(result) -> dict[str, object]:
    return {s.metric: s for s in result.scores}


def run(samples: Path, reference: Path, store: Path, **kw):
    return eval_samples(None, samples, "vendor", reference=reference, features="tiny-rgb", store=store, **kw)


def test_a_closer_distribution_scores_better_and_the_signature_records_the_policy(folders, tmp_path):
    store = tmp_path / "s.sqlite"
    good, far = scores_of(run(folders["good"], folders["ref"], store)), scores_of(run(folders["far"], folders["ref"], store))
    assert good["fid"].value < far["fid"].value and good["coverage"].value > far["coverage"].value
    sig = good["fid"].signature
    assert good["fid"].n == 36 and sig.preprocessing == "rgb-clean-pil-bicubic-float-32"
    assert sig.data_hash == open_images(folders["ref"]).content_hash
    tf = scores_of(run(folders["good"], folders["ref"], store, resize="torch-fidelity"))["fid"]
    assert tf.signature.preprocessing == "rgb-torch-fidelity-bilinear-tf1-32" and tf.value != good["fid"].value


def test_a_zip_file_and_a_manifest_give_the_folders_scores(folders, tmp_path):
    store = tmp_path / "s.sqlite"
    archive = tmp_path / "good.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folders["good"].rglob("*.png")):
            z.write(path, path.relative_to(folders["good"]).as_posix())
    manifest = tmp_path / "good.jsonl"
    manifest.write_text("".join(json.dumps({"path": str(p)}) + "\n" for p in sorted(folders["good"].rglob("*.png"))))
    values = [scores_of(run(src, folders["ref"], store))["fid"].value for src in (folders["good"], archive, manifest)]
    assert values[0] == pytest.approx(values[1], rel=1e-12) == pytest.approx(values[2], rel=1e-12)


def test_images_of_any_mode_become_rgb_by_the_documented_rule():
    grey16 = Image.fromarray(np.array([[0, 65535], [257, 32896]], dtype=np.uint16))
    assert to_rgb(grey16)[:, :, 0].tolist() == [[0, 255], [1, 128]] and to_rgb(grey16).shape == (2, 2, 3)
    rgba = Image.fromarray(np.full((2, 2, 4), [10, 20, 30, 0], dtype=np.uint8), mode="RGBA")
    assert to_rgb(rgba)[0, 0].tolist() == [10, 20, 30]  # alpha dropped, as clean-fid and torch-fidelity do
    palette = Image.fromarray(np.full((2, 2, 3), [200, 0, 0], dtype=np.uint8)).convert("P", palette=Image.Palette.ADAPTIVE)
    assert to_rgb(palette)[0, 0].tolist() == [200, 0, 0]


def test_files_that_are_not_images_are_left_out_and_damaged_ones_refused_by_name(folders, tmp_path):
    (folders["good"] / "README.txt").write_text("not an image")
    assert len(open_images(folders["good"])) == 36
    broken = folders["good"] / "part0" / "0000.png"
    broken.write_bytes(broken.read_bytes()[:60])  # truncated
    store = tmp_path / "s.sqlite"
    with pytest.raises(InputError, match="0000.png.*--skip-bad"):
        run(folders["good"], folders["ref"], store)
    assert not store.exists()
    skipped = scores_of(run(folders["good"], folders["ref"], store, skip_bad=True))["fid"]
    assert skipped.n == 35 and "skipped_samples:1" in skipped.signature.render()


@pytest.mark.parametrize("make, message", [
    (lambda d: None, "holds no files"),
    (lambda d: (d / "notes.txt").write_text("hello"), "none of its 1 file"),
    (lambda d: write_images(d, 4, seed=0), "too few"),
])
def test_unusable_sample_folders_are_refused_with_exit_2_and_nothing_stored(tmp_path, folders, cli, capsys,
                                                                           make, message):
    samples = tmp_path / "samples"
    samples.mkdir()
    make(samples)
    store = tmp_path / "s.sqlite"
    code = cli("eval", "--reference", folders["ref"], "--samples", samples, "--name", "v", "--features", "tiny-rgb",
               "--store", store)
    assert code == 2 and message in " ".join(capsys.readouterr().err.split())
    assert not store.exists()


def test_a_link_loop_and_a_decompression_bomb_are_refused_by_name(folders, tmp_path, monkeypatch):
    os.symlink(folders["good"], folders["good"] / "part1" / "loop")
    with pytest.raises(InputError, match="loop"):
        open_images(folders["good"])
    bomb = tmp_path / "bomb"
    write_images(bomb, 12, seed=0, sizes=((64, 64),), nested=False)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 64×64 = 4,096 pixels: over twice the limit
    with pytest.raises(InputError, match=f"{bomb}/0000.png.*decompression bomb"):
        open_images(bomb)


def test_the_same_folder_on_both_sides_is_scored_with_a_warning(folders, tmp_path, caplog):
    fid = scores_of(run(folders["ref"], folders["ref"], tmp_path / "s.sqlite"))["fid"]
    assert abs(fid.value) < 1e-6 and "the same images" in caplog.text


def test_reference_features_are_cached_by_content_and_a_changed_folder_is_recomputed(folders, tmp_path, monkeypatch):
    from genbench.features import reference

    monkeypatch.setenv("GENBENCH_CACHE", str(tmp_path / "cache"))  # earlier tests cached the same folder
    computed = []
    real = reference.save_file
    monkeypatch.setattr(reference, "save_file", lambda tensors, path: (computed.append(path), real(tensors, path)))
    store = tmp_path / "s.sqlite"
    first = scores_of(run(folders["good"], folders["ref"], store))["fid"].value
    again = scores_of(run(folders["good"], folders["ref"], store))["fid"].value
    assert len(computed) == 1 and again == first
    write_images(folders["ref"] / "part0", 1, seed=9)  # overwrites one reference image
    changed = scores_of(run(folders["good"], folders["ref"], store))["fid"].value
    assert len(computed) == 2 and changed != first


def test_pairs_are_matched_by_relative_name(folders, tmp_path, cli, capsys):
    store = tmp_path / "s.sqlite"
    same = scores_of(eval_samples(None, folders["ref"], "copy", reference=folders["ref"], pairs=True, store=store))
    assert same["psnr"].value == 100 and same["ssim"].value == pytest.approx(1.0)
    assert same["lpips"].unavailable_reason  # no AlexNet weights here: unavailable, never faked
    other = scores_of(eval_samples(None, folders["good"], "noise", reference=folders["ref"], pairs=True, store=store))
    assert other["psnr"].value < 20 and other["ssim"].value < 0.5
    (folders["good"] / "part0" / "0000.png").unlink()
    code = cli("eval", "--reference", folders["ref"], "--samples", folders["good"], "--pairs", "--name", "x",
               "--store", tmp_path / "t.sqlite")
    assert code == 2 and "part0/0000.png" in capsys.readouterr().err
