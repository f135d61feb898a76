"""The small store of site_store.py and a report site built from it, for the modules that import these."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_store import build_store


@pytest.fixture(scope="module")
def report_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("report-store") / "results.sqlite")


@pytest.fixture(scope="module")
def report_site(report_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from genbench.report.site.build import build_report

    out = tmp_path_factory.mktemp("report") / "site"
    build_report(report_store, out)
    return out
