"""DINOv2: Meta's checkpoint layout loaded into timm's architecture, hash-checked, CLS features."""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from pathlib import Path

import pytest
import torch

from genbench.errors import InputError, UnavailableError
from genbench.features import FEATURES, load_features
from genbench.features import dinov2
from genbench.features.weights_cache import WeightsSpec

pytest.importorskip("timm", reason="timm is in the test extra: pip install -e '.[test]'")

# A one-block ViT-S/14 twin: the same code path as B/14 and L/14 at a fraction of the cost.
TINY = dataclasses.replace(dinov2.VIT_B14, name="dinov2-tiny", timm_arch="vit_small_patch14_dinov2", dim=384,
                           arch_kwargs={"depth": 1})


def official_checkpoint(folder: Path, variant: dinov2.Variant) -> tuple[dict[str, torch.Tensor], WeightsSpec]:
    """A random state dict laid out as Meta's *_pretrain.pth files: 518-pixel grid, mask_token."""
    import timm

    torch.manual_seed(0)
    net = timm.create_model(variant.timm_arch, pretrained=False, img_size=518, num_classes=0, **variant.arch_kwargs)
    state = {k: v for k, v in net.state_dict().items()}
    state["mask_token"] = torch.zeros(1, variant.dim)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / variant.spec.filename
    torch.save(state, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return state, dataclasses.replace(variant.spec, sha256=digest)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dinov2")
    state, spec = official_checkpoint(folder, TINY)
    return dinov2.load_variant(TINY, folder, spec=spec), state, spec


def test_official_layout_loads_and_gives_cls_features_without_logits(tiny):
    net, state, spec = tiny
    out = net(torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(0)), batch_size=1)
    assert out["features"].shape == (2, 384) and out["logits"].shape == (2, 0)
    assert torch.isfinite(out["features"]).all()
    assert net.sha256 == spec.sha256 and net.input_size == 224 and net.dim == 384
    loaded = net.module.state_dict()
    # Weights come through unchanged; the position embeddings are resampled from the 37×37 grid
    # of 518-pixel pretraining to the 16×16 grid of a 224-pixel input, the CLS slot kept as is.
    torch.testing.assert_close(loaded["blocks.0.attn.qkv.weight"], state["blocks.0.attn.qkv.weight"])
    assert state["pos_embed"].shape == (1, 37 * 37 + 1, 384) and loaded["pos_embed"].shape == (1, 16 * 16 + 1, 384)
    torch.testing.assert_close(loaded["pos_embed"][:, 0], state["pos_embed"][:, 0])


def test_features_are_the_final_norm_cls_token(tiny):
    net, _, _ = tiny
    images = torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    from genbench.features.imagenet import normalised_rgb

    with torch.no_grad():
        tokens = net.module.forward_features(normalised_rgb(images, 224, "test"))  # (1, 1 + 256, 384)
    torch.testing.assert_close(net(images)["features"].float(), tokens[:, 0])


def test_images_of_another_size_are_refused(tiny):
    net, _, _ = tiny
    with pytest.raises(InputError, match=r"dinov2-tiny takes images of shape \(N, 3, 224, 224\)"):
        net(torch.rand(1, 3, 518, 518))


def test_a_checkpoint_of_another_architecture_is_refused(tmp_path):
    _, spec = official_checkpoint(tmp_path, TINY)
    bigger = dataclasses.replace(TINY, arch_kwargs={"depth": 2})
    with pytest.raises(UnavailableError, match="is not a DINOv2 vit_small_patch14_dinov2 backbone"):
        dinov2.load_variant(bigger, tmp_path, spec=spec)


@pytest.mark.parametrize("name, variant", [("dinov2-vit-b14", dinov2.VIT_B14), ("dinov2-vit-l14", dinov2.VIT_L14)])
def test_missing_weights_name_the_file_and_the_get_command(tmp_path, name, variant):
    with pytest.raises(UnavailableError) as info:
        load_features(name, tmp_path)
    message = str(info.value)
    assert variant.spec.filename in message and variant.spec.sha256 in message
    assert f"genbench weights get {name}" in message and variant.spec.url in message


def test_without_timm_the_network_is_unavailable_with_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "timm", None)  # makes `import timm` raise ImportError
    with pytest.raises(UnavailableError, match=r"optional package timm.*pip install 'genbench\[dinov2\]'"):
        load_features("dinov2-vit-b14", tmp_path)


def test_variants_are_registered_with_their_sizes():
    assert {"dinov2-vit-b14", "dinov2-vit-l14"} <= set(FEATURES.names())
    assert (dinov2.VIT_B14.dim, dinov2.VIT_L14.dim) == (768, 1024)
    assert dinov2.VIT_B14.spec.url.endswith("/dinov2_vitb14/dinov2_vitb14_pretrain.pth")
    assert dinov2.VIT_L14.spec.url.endswith("/dinov2_vitl14/dinov2_vitl14_pretrain.pth")


def official_keys(depth: int) -> set[str]:
    """The key layout of Meta's *_pretrain.pth backbones (dinov2/models/vision_transformer.py, block_chunks=0)."""
    per_block = ["norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight",
                 "attn.proj.bias", "ls1.gamma", "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias",
                 "mlp.fc2.weight", "mlp.fc2.bias", "ls2.gamma"]
    return ({"cls_token", "pos_embed", "mask_token", "patch_embed.proj.weight", "patch_embed.proj.bias",
             "norm.weight", "norm.bias"} | {f"blocks.{i}.{key}" for i in range(depth) for key in per_block})


@pytest.mark.parametrize("variant, depth, tokens", [(dinov2.VIT_B14, 12, 257), (dinov2.VIT_L14, 24, 257)],
                         ids=["b14", "l14"])
def test_timms_architecture_has_the_official_checkpoints_layout(variant, depth, tokens):
    with torch.device("meta"):  # shapes only: no memory, no initialisation cost
        net = dinov2.build(variant)
    assert set(net.state_dict()) | {"mask_token"} == official_keys(depth)
    assert net.num_features == variant.dim and net.pos_embed.shape == (1, tokens, variant.dim)
