import pytest

from genbench.errors import GenbenchError
from genbench.registry import Registry


def test_unknown_names_get_suggestions():
    registry: Registry[int] = Registry("widget")
    registry.register("pixelcnn", 1)
    registry.register("dcgan", 2)
    with pytest.raises(GenbenchError, match="Did you mean: pixelcnn"):
        registry.get("pixelcn")


def test_lazy_targets_are_imported_and_checked():
    registry: Registry[object] = Registry("thing", check=callable)
    registry.register("join", "os.path:join")
    registry.register("sep", "os.path:sep")
    import os.path

    assert registry.get("join") is os.path.join
    with pytest.raises(GenbenchError, match="not a valid thing"):
        registry.get("sep")


def test_entry_points_register_the_baselines():
    from genbench.models.sources import MODELS

    assert {"dcgan", "vae", "pixelcnn", "real-train", "pixel-noise"} <= set(MODELS.names())
