"""Getting the text suite's corpus onto a machine: Debian's packages, or the publisher's download.

``apt-get install sword-text-sparv sword-text-kjv`` is the first choice (needs root). Otherwise
each module is downloaded as the zip file that eBible.org (their publisher) serves, and its six
data files must match the sha256 pinned below, which are those of the module versions genbench's
split was made from (Spanish 2.60, English 14.3, as Debian 12 ships them). A different release
is refused rather than silently changing the test set; nothing is installed unless every file of
the module checks out.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable

from genbench.data.bible import DEBIAN_PACKAGES, SOURCE_MODULE, TARGET_MODULE
from genbench.errors import UnavailableError

PUBLISHER_URL = "https://ebible.org/sword/zip"
DATA_FILES = ("ot.bzs", "ot.bzv", "ot.bzz", "nt.bzs", "nt.bzv", "nt.bzz")
PINNED_SHA256: dict[str, dict[str, str]] = {
    SOURCE_MODULE: {
        "ot.bzs": "0e39106ae15a29cef56feac683f8482be380536a1c456e006867f9fa94c0338e",
        "ot.bzv": "0f23b1ebff5ecdd352a64feda5bb047cba27ce3624fa7b00717f763835d96e20",
        "ot.bzz": "daae868e179e6cc884ad2c9429a9dfaf9745d61caa6dbb9da2a8b24ec3c01337",
        "nt.bzs": "b88dda1e9ab50d158262ab141af7823269acb19c581621683298be5b6e154d58",
        "nt.bzv": "a9583ba1b4c66dfdd8bfb6a0b1833bdaa02f9e2cc3465c5a802cf19cbc2f2533",
        "nt.bzz": "7baf6b1e798b193315fed89d0e84e8e1a033d035316f66c78d456f5fb8c87e20",
    },
    TARGET_MODULE: {
        "ot.bzs": "0d518856e8c6ceae0ca58bef944ba9a2809b5d4489cf81900853ad4af227510b",
        "ot.bzv": "b4fae54cb0b979b7f3f78fe6eaa94bad1f1d408eccb4a40410402b794b5c2f0f",
        "ot.bzz": "69f7e4e9b42ecef2e212ea957a388fccbeed1e3e333a38cf52e1b4064c6ce373",
        "nt.bzs": "e7f9bc653743217cdcdf95890a708f997a03af056161d84bb540efef79e4e638",
        "nt.bzv": "9d1daab8fb6ef43b53642cdd3276c1fa95ecfde08901bbb349be6378d1e1b972",
        "nt.bzz": "135b6e70af49372f3a82c5d9cc3c00278f38dbb2c12af74ea8d4b54c18d0cd56",
    },
}
APT_COMMAND = f"apt-get install -y {' '.join(DEBIAN_PACKAGES)}"

Runner = Callable[[list[str]], int]  # argv → exit status


def _run(argv: list[str]) -> int:
    return subprocess.run(argv, check=False, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}).returncode


def install_with_apt(run: Runner = _run) -> Path:
    """Install Debian's packages (refreshing the package lists once if needed); returns /usr/share/sword."""
    if shutil.which("apt-get") is None:
        raise UnavailableError("apt-get is not available on this machine; use `genbench corpus get --method download`.")
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        raise UnavailableError(f"Installing the corpus with apt needs root: run `sudo {APT_COMMAND}`.")
    if run(APT_COMMAND.split()) != 0 and (run(["apt-get", "update"]) != 0 or run(APT_COMMAND.split()) != 0):
        raise UnavailableError(f"`{APT_COMMAND}` failed; see its output above.")
    return Path("/usr/share/sword")


def download_modules(dest: Path, base_url: str = PUBLISHER_URL, timeout: float = 60.0) -> Path:
    """Download both modules into the SWORD folder ``dest`` (hash-checked); returns ``dest``."""
    for module in (SOURCE_MODULE, TARGET_MODULE):
        _install_module(module, Path(dest), f"{base_url.rstrip('/')}/{module}.zip", timeout)
    return Path(dest)


def _install_module(module: str, dest: Path, url: str, timeout: float) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=".download-") as tmp:
        archive = Path(tmp) / f"{module}.zip"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(archive, "wb") as out:
                shutil.copyfileobj(response, out)
        except OSError as exc:
            raise UnavailableError(f"Cannot download {url}: {exc}. Install the corpus with `sudo {APT_COMMAND}` "
                                   "instead, or copy the modules into a SWORD folder and pass --corpus-dir.") from exc
        staged = _extract_checked(module, archive, Path(tmp) / "staged", url)
        data_dir = dest / "modules" / "texts" / "ztext" / module.lower()
        data_dir.mkdir(parents=True, exist_ok=True)
        for name in DATA_FILES:
            os.replace(staged / name, data_dir / name)
        conf_dir = dest / "mods.d"
        conf_dir.mkdir(parents=True, exist_ok=True)
        # The conf file goes in last: a module without one is invisible, so a crash never leaves half a module.
        conf = (staged / "conf").read_text(encoding="utf-8")
        lines = [f"DataPath=./modules/texts/ztext/{module.lower()}/" if line.startswith("DataPath=") else line
                 for line in conf.splitlines()]
        tmp_conf = staged / "conf.rewritten"
        tmp_conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp_conf, conf_dir / f"{module.lower()}.conf")


def _extract_checked(module: str, archive: Path, out: Path, url: str) -> Path:
    """Pull the conf and the six data files out of the zip by name (no other member is written) and
    check each data file's sha256."""
    out.mkdir()
    try:
        with zipfile.ZipFile(archive) as zf:
            names = {Path(n).name.lower(): n for n in zf.namelist()}
            conf_name = names.get(f"{module.lower()}.conf")
            missing = [f for f in DATA_FILES if f not in names] + ([] if conf_name else [f"mods.d/{module.lower()}.conf"])
            if missing:
                raise UnavailableError(f"{url} does not hold module {module}'s {', '.join(missing)}; nothing was installed.")
            (out / "conf").write_bytes(zf.read(conf_name))
            for name in DATA_FILES:
                data = zf.read(names[name])
                digest = hashlib.sha256(data).hexdigest()
                if digest != PINNED_SHA256[module][name]:
                    raise UnavailableError(
                        f"{url}: {name} has sha256 {digest}, expected {PINNED_SHA256[module][name]} (the release "
                        f"genbench's split was made from); nothing was installed. Install the corpus with "
                        f"`sudo {APT_COMMAND}` on Debian 12, or ask for a genbench release that knows this one.")
                (out / name).write_bytes(data)
    except zipfile.BadZipFile as exc:
        raise UnavailableError(f"{url} is not a valid zip file ({exc}); nothing was installed.") from exc
    return out
