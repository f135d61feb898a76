"""The install pins (constraints.txt) and the published tables' signatures name the same library
versions, so a fresh install reproduces comparable scores and a bump cannot land half-done."""

from __future__ import annotations

from pathlib import Path

from genbench.report.sources import load_entries

ROOT = Path(__file__).resolve().parent.parent


def pinned() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.strip()] = version.strip()
    return pins


def published() -> dict[str, set[str]]:
    """Library → the versions the published tables' signatures name (``impl:<library>-<version>``)."""
    versions: dict[str, set[str]] = {}
    for table in sorted((ROOT / "leaderboards").glob("*.csv")):
        for entry in load_entries(str(table)):
            library, _, version = entry.signature_fields()["impl"].rpartition("-")
            if library != "genbench":
                versions.setdefault(library, set()).add(version)
    return versions


def test_published_tables_name_libraries():
    assert {"torch-fidelity", "sacrebleu", "sentence-transformers"} <= set(published())


def test_every_published_library_version_is_pinned_exactly():
    pins = pinned()
    for library, versions in published().items():
        assert len(versions) == 1, f"the published tables mix {library} versions {sorted(versions)}"
        assert pins.get(library) == next(iter(versions)), (
            f"leaderboards/ were made with {library} {next(iter(versions))}; constraints.txt pins "
            f"{pins.get(library, 'nothing')}")


def test_every_pin_is_used_by_a_published_table():
    assert set(pinned()) == set(published())
