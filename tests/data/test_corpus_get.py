"""Getting the corpus: the publisher's download (served locally) and the apt path's logic."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from genbench.data import corpus_get
from genbench.data.bible import SOURCE_MODULE, TARGET_MODULE, find_library, load_corpus
from genbench.data.sword import open_module
from genbench.errors import UnavailableError


def publish_zip(root: Path, module: str, folder: Path, tamper: bool = False) -> None:
    """A module zip laid out as the publisher's: mods.d/<name>.conf and the data files under modules/."""
    mod = open_module(root, module)
    conf = next(p for p in (root / "mods.d").glob("*.conf") if p.stem.lower() == module.lower())
    with zipfile.ZipFile(folder / f"{module}.zip", "w") as zf:
        zf.write(conf, f"mods.d/{module.lower()}.conf")
        for path in mod.files:
            data = path.read_bytes()
            if tamper and path.name == "nt.bzz":
                data = data[:-1] + bytes([data[-1] ^ 1])
            zf.writestr(f"modules/texts/ztext/{module}/{path.name}", data)


def test_download_installs_modules_whose_hashes_check_out(tmp_path, served):
    folder, base = served
    root = find_library()
    for module in (SOURCE_MODULE, TARGET_MODULE):
        publish_zip(root, module, folder)
    dest = corpus_get.download_modules(tmp_path / "sword", base)
    assert find_library(dest) == dest
    assert load_corpus("test", dest).content_hash == load_corpus("test").content_hash


def test_a_download_with_the_wrong_hash_installs_nothing(tmp_path, served):
    folder, base = served
    root = find_library()
    publish_zip(root, SOURCE_MODULE, folder, tamper=True)
    with pytest.raises(UnavailableError, match="nt.bzz has sha256 .* expected"):
        corpus_get.download_modules(tmp_path / "sword", base)
    assert not list((tmp_path / "sword").rglob("*.conf"))
    assert not list((tmp_path / "sword").rglob("*.bz*"))


def test_an_unreachable_publisher_says_what_to_run_instead(tmp_path):
    with pytest.raises(UnavailableError, match="apt-get install -y sword-text-sparv sword-text-kjv"):
        corpus_get.download_modules(tmp_path / "sword", (tmp_path / "nowhere").as_uri())


def test_apt_refreshes_the_package_lists_once_when_the_install_fails(monkeypatch):
    monkeypatch.setattr(corpus_get.shutil, "which", lambda name: "/usr/bin/apt-get")
    monkeypatch.setattr(corpus_get.os, "geteuid", lambda: 0)
    calls: list[list[str]] = []
    answers = iter([100, 0, 0])  # install fails (no lists yet), update works, install works
    assert corpus_get.install_with_apt(lambda argv: calls.append(argv) or next(answers)) == Path("/usr/share/sword")
    assert calls == [corpus_get.APT_COMMAND.split(), ["apt-get", "update"], corpus_get.APT_COMMAND.split()]


def test_apt_without_root_names_the_command(monkeypatch):
    monkeypatch.setattr(corpus_get.shutil, "which", lambda name: "/usr/bin/apt-get")
    monkeypatch.setattr(corpus_get.os, "geteuid", lambda: 1000)
    with pytest.raises(UnavailableError, match="sudo apt-get install -y sword-text-sparv sword-text-kjv"):
        corpus_get.install_with_apt(lambda argv: pytest.fail("must not run apt-get without root"))
