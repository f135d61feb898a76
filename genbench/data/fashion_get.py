"""Getting Fashion-MNIST onto a machine: Debian's package, or the publisher's download.

``apt-get install dataset-fashion-mnist`` is the first choice (needs root). Otherwise the four
gzip files are downloaded from the publisher's mirror (Zalando Research's, as their README links
it); each must decompress to the pinned content sha256 (genbench.data.fashion) before it is moved
into place, so a different release is refused rather than silently changing the test set. Files
are staged in a temporary folder beside the destination and only then renamed into it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

from genbench.data.corpus_get import Runner, _run
from genbench.data.fashion import CONTENT_SHA256, DEBIAN_DIR, DEBIAN_PACKAGE
from genbench.data.idx import read_bytes
from genbench.errors import InputError, UnavailableError

PUBLISHER_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com"
APT_COMMAND = f"apt-get install -y {DEBIAN_PACKAGE}"


def install_with_apt(run: Runner = _run) -> Path:
    """Install Debian's package (refreshing the package lists once if needed); returns its folder."""
    if shutil.which("apt-get") is None:
        raise UnavailableError("apt-get is not available on this machine; use `genbench corpus get --method download`.")
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        raise UnavailableError(f"Installing Fashion-MNIST with apt needs root: run `sudo {APT_COMMAND}`.")
    if run(APT_COMMAND.split()) != 0 and (run(["apt-get", "update"]) != 0 or run(APT_COMMAND.split()) != 0):
        raise UnavailableError(f"`{APT_COMMAND}` failed; see its output above.")
    return DEBIAN_DIR


def download(dest: Path, base_url: str = PUBLISHER_URL, timeout: float = 60.0) -> Path:
    """Download the four files into ``dest``, each checked before any is installed; returns ``dest``."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=".download-") as tmp:
        for name, expected in CONTENT_SHA256.items():
            url = f"{base_url.rstrip('/')}/{name}"
            staged = Path(tmp) / name
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response, open(staged, "wb") as out:
                    shutil.copyfileobj(response, out)
            except OSError as exc:
                raise UnavailableError(f"Cannot download {url}: {exc}. Install Fashion-MNIST with "
                                       f"`sudo {APT_COMMAND}` instead, or copy the four files into a folder and "
                                       "pass --data-dir.") from exc
            try:
                digest = hashlib.sha256(read_bytes(staged)).hexdigest()
            except InputError as exc:
                raise UnavailableError(f"{url}: {exc}; nothing was installed.") from exc
            if digest != expected:
                raise UnavailableError(f"{url}: content sha256 {digest}, expected {expected} (the release genbench "
                                       f"scores against); nothing was installed. Install it with `sudo {APT_COMMAND}`.")
        for name in CONTENT_SHA256:  # every file checked: only now does any of them appear
            os.replace(Path(tmp) / name, dest / name)
    return dest
