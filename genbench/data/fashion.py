"""Fashion-MNIST (Xiao et al. 2017, MIT licence): 60,000 train and 10,000 test images of 28×28
greyscale clothing, 10 classes, as the publisher's four IDX files (gzip).

The files are found like the text suite's corpus: ``--data-dir``, else ``$GENBENCH_FASHION_MNIST``,
else the folder ``genbench corpus get`` downloads into, else Debian's ``dataset-fashion-mnist``
(``/usr/share/datasets/fashion-mnist``). Each file's content is checked against the sha256 pinned
below before a pixel is used: the sha256 of the decompressed IDX bytes, because Debian's gzip
wrappers differ from the publisher's while what they hold is identical. Pixels are the files'
8-bit values scaled to [0, 1] (value / 255); item ids are the split and the row in its file,
``fashion-test-00042``.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from genbench.data.dataset import DataOptions
from genbench.data.digits import ImageSplit, content_hash
from genbench.data.idx import parse_idx, read_bytes
from genbench.errors import InputError, UnavailableError

IMAGE_SHAPE = (1, 28, 28)
LEVELS = 256
N_CLASSES = 10
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot")
ENV_VAR = "GENBENCH_FASHION_MNIST"
DEBIAN_PACKAGE = "dataset-fashion-mnist"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
DOWNLOAD_DIR = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "genbench" / "fashion-mnist"
GET_COMMAND = "genbench corpus get"

Split = Literal["train", "test"]
# split → (images file, labels file)
FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
# sha256 of each file's decompressed content (the IDX bytes).
CONTENT_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
SPLIT_SIZES = {"train": 60_000, "test": 10_000}


def candidate_dirs(data_dir: Path | None = None) -> list[Path]:
    """Where the files are looked for, in order (an explicit folder is the only candidate)."""
    if data_dir is not None:
        return [Path(data_dir)]
    env = os.environ.get(ENV_VAR)
    return ([Path(env)] if env else []) + [DOWNLOAD_DIR, DEBIAN_DIR]


def find_dataset(data_dir: Path | None = None) -> Path:
    """The first candidate folder holding all four files; a missing dataset names the command to run."""
    looked = candidate_dirs(data_dir)
    for folder in looked:
        if all((folder / name).is_file() for name in CONTENT_SHA256):
            return folder
    where = ", ".join(str(p) for p in looked)
    fix = ("pass a folder holding the four files" if data_dir is not None
           else f"run `{GET_COMMAND}` (or `sudo apt-get install {DEBIAN_PACKAGE}`), or pass --data-dir")
    raise UnavailableError(f"Fashion-MNIST is not installed: no folder among {where} holds "
                           f"{', '.join(CONTENT_SHA256)}. To install it, {fix}.")


def checked_content(path: Path) -> bytes:
    """A file's decompressed bytes, refused unless their sha256 is the pinned one."""
    data = read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    expected = CONTENT_SHA256.get(path.name)
    if digest != expected:
        raise InputError(f"{path}: content sha256 {digest} is not the pinned {expected} of the Fashion-MNIST "
                         f"release genbench scores against; reinstall it with `{GET_COMMAND}`.")
    return data


@lru_cache(maxsize=4)
def _load(split: Split, folder: Path) -> ImageSplit:
    images_file, labels_file = (folder / name for name in FILES[split])
    pixels = parse_idx(checked_content(images_file), str(images_file))
    labels = parse_idx(checked_content(labels_file), str(labels_file))
    return make_split(split, pixels, labels)


def make_split(split: str, pixels: np.ndarray, labels: np.ndarray) -> ImageSplit:
    """uint8 pixels (N, 28, 28) and labels (N,) → the split genbench scores with."""
    if pixels.ndim != 3 or labels.shape != (len(pixels),):
        raise InputError(f"Fashion-MNIST {split}: images {pixels.shape} and labels {labels.shape} do not pair up.")
    images = torch.from_numpy(pixels.astype(np.float32) / 255).unsqueeze(1)
    label_tensor = torch.from_numpy(labels.astype(np.int64))
    ids = tuple(f"fashion-{split}-{i:05d}" for i in range(len(pixels)))
    return ImageSplit(f"fashion/{split}", images, label_tensor, ids, content_hash(ids, images, label_tensor))


def load_fashion(split: Split, data_dir: Path | None = None) -> ImageSplit:
    if split not in FILES:
        raise InputError(f"Fashion-MNIST has splits {', '.join(FILES)}, not {split!r}.")
    return _load(split, find_dataset(data_dir).resolve())


def load_test(options: DataOptions) -> ImageSplit:
    """The 10,000 test images the fashion tasks score against."""
    return load_fashion("test", options.data_dir)


def load_train(options: DataOptions) -> ImageSplit:
    return load_fashion("train", options.data_dir)
