"""One report site per test session, built from the small store in site_store.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_store import build_store


@pytest.fixture(scope="session")
def report_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("report-store") / "results.sqlite")


@pytest.fixture(scope="session")
def report_site(report_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from genbench.report.site.build import build_report

    out = tmp_path_factory.mktemp("report") / "site"
    build_report(report_store, out)
    return out
