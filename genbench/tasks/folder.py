"""Tasks on a user's own images: a reference folder (zip, manifest) that outputs are scored against.

Declared on the command line (``genbench eval --reference REF --samples DIR``) or once in
``genbench.toml`` / ``[tool.genbench.tasks.NAME]`` (genbench.tasks.config), so a team's CI can gate
on its own data. The reference's content hash (every relative path and file hash), the feature
network and its weights, the resize policy and N go into every signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genbench.data.dataset import DataOptions
from genbench.data.image_source import ImageCollection, open_images


@dataclass(frozen=True)
class FolderTask:
    name: str
    reference: Path
    paired: bool = False  # outputs answer the reference item of the same relative name
    features: str = "mobilenet-v2"  # embedding network for FID/KID/PRDC (unpaired)
    resize: str = "clean"  # genbench.features.resize.POLICIES
    skip_bad: bool = False  # leave damaged files out (counted) instead of refusing them
    image_size: int = 64  # side of the (N, 3, S, S) images a model is asked for with `run`
    samples: int | None = None  # how many samples a model is asked for (default: one per reference image)
    version: int = 2  # v2: a model's batches draw from generators addressed by (seed, task, first item)
    batch_size: int = 64
    resamples: int = 200
    description: str = ""

    @property
    def protocol(self) -> str:
        return "folder_pairs" if self.paired else "folder_sample"

    @property
    def preprocessing(self) -> str:
        return "rgb-8bit"  # before the network's resize policy, which the kinds record

    def load_data(self, options: DataOptions) -> ImageCollection:
        return open_images(self.reference, self.skip_bad, role="reference images")


def adhoc_task(reference: Path, paired: bool, features: str | None, resize: str, skip_bad: bool) -> FolderTask:
    """The task ``eval --reference`` declares: named after the reference folder; its data hash,
    not its name, decides what is comparable."""
    name = f"folder/{Path(reference).resolve().name or 'reference'}" + ("-pairs" if paired else "")
    return FolderTask(name, Path(reference), paired, features or "mobilenet-v2", resize, skip_bad)
