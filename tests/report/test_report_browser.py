"""The report in a real browser: every page loads with no console error, no failed request and no
dialog; one row and one scatter point per model; the Pareto front drawn; every sample grid decoded;
sorting works; a model named as markup shows as text. Screenshots are kept as test artifacts."""

from __future__ import annotations

import pytest

from report_browser import PageLog, artifacts_dir, browser_or_skip, copy_site, open_page, screenshot
from report_fixtures import report_site, report_store  # noqa: F401 (fixtures)
from site_store import DIGITS, XSS


@pytest.fixture(scope="module")
def browser():
    playwright, chromium = browser_or_skip()
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="module")
def artifacts(report_site):
    folder = artifacts_dir()
    copy_site(report_site, folder)
    print(f"report artifacts: {folder}")
    return folder


def _pages(site):
    return sorted(p for p in site.glob("*.html"))


def _digits_page(site):
    return next(p for p in site.glob("images-digits-*.html") if "recon" not in p.name)


def test_every_page_loads_cleanly(browser, report_site, artifacts):
    for path in _pages(report_site):
        log = PageLog()
        page = open_page(browser, path, log)
        images = page.eval_on_selector_all("img", "els => els.map(e => [e.getAttribute('src'), e.complete, e.naturalWidth])")
        screenshot(page, artifacts, path.stem)
        page.close()
        assert log.console_errors == [], path.name
        assert log.failed_requests == [], path.name
        assert log.dialogs == [], path.name
        assert all(complete and width > 0 for _, complete, width in images), (path.name, images)


def test_one_row_and_one_point_per_model_and_the_front(browser, report_site):
    page = open_page(browser, _digits_page(report_site), PageLog())
    rows = page.eval_on_selector_all("table.board[data-board] tbody tr", "rs => rs.map(r => r.dataset.model)")
    assert sorted(rows) == sorted(DIGITS)
    board = page.get_attribute("table.board", "data-board")
    points = page.eval_on_selector_all(f"g[id^='board-{board}-point-']", "gs => gs.length")
    assert points == len(DIGITS)
    assert page.query_selector(f"#board-{board}-pareto") is not None
    front = page.get_attribute(f"#board-{board}-scatter", "data-front").split(",")
    # Fastest (real-train, 2.4M/s, FID 1.9) beats everyone: the front is that one model.
    assert front == ["real-train"]
    page.close()


def test_sample_grids_decoded(browser, report_site):
    page = open_page(browser, _digits_page(report_site), PageLog())
    grids = page.eval_on_selector_all("figure.sample-grid", "fs => fs.map(f => [f.dataset.model, f.querySelector('img').naturalWidth])")
    assert sorted(m for m, _ in grids) == sorted(DIGITS)  # the vendor's files too, its name as text
    assert all(width > 0 for _, width in grids)
    page.close()


def test_sorting(browser, report_site, artifacts):
    page = open_page(browser, _digits_page(report_site), PageLog())

    def column(name: str) -> list[str]:
        return page.eval_on_selector_all("table.board tbody tr", f"rs => rs.map(r => r.cells[{name}].dataset.sort)")

    headers = page.eval_on_selector_all("table.board thead th", "hs => hs.map(h => h.textContent.trim())")
    fid = headers.index(next(h for h in headers if h.startswith("fid")))
    tp = headers.index(next(h for h in headers if h.startswith("throughput")))
    assert [float(v) for v in column(fid)] == sorted(f for f, _ in DIGITS.values())  # ranked by FID
    page.click(f"table.board thead th:nth-child({tp + 1}) button")
    assert [float(v) for v in column(tp)] == sorted(t for _, t in DIGITS.values())
    page.click(f"table.board thead th:nth-child({tp + 1}) button")
    assert [float(v) for v in column(tp)] == sorted((t for _, t in DIGITS.values()), reverse=True)
    assert page.get_attribute(f"table.board thead th:nth-child({tp + 1})", "aria-sort") == "descending"
    page.click("table.board thead th:nth-child(2) button")
    assert column(1) == sorted(DIGITS)
    screenshot(page, artifacts, "digits-sorted-by-model")
    page.close()


def test_markup_name_shows_as_text(browser, report_site):
    log = PageLog()
    page = open_page(browser, _digits_page(report_site), log)
    names = page.eval_on_selector_all("table.board td.model", "tds => tds.map(td => td.textContent)")
    assert XSS in names
    assert page.eval_on_selector_all("script", "s => s.length") == 1  # the page's own, nothing injected
    assert log.dialogs == []
    page.close()


def test_signature_and_unavailable_reason_on_demand(browser, report_site):
    page = open_page(browser, next(report_site.glob("images-digits-recon-*.html")), PageLog())
    details = page.query_selector("details.signatures")
    assert not details.is_visible() or details.get_attribute("open") is None
    assert not page.is_visible("details.signatures dl")
    page.click("details.signatures summary")
    assert page.is_visible("details.signatures dl")
    assert "metric:psnr" in page.inner_text("details.signatures dl")
    assert "alexnet-owt-7be5be79.pth <not here> & nowhere else" in page.inner_text("ul.unavailable-list")
    page.close()


def test_compare_page(browser, tmp_path, artifacts):
    from genbench.report.compare import compare
    from genbench.config import DEFAULT_TOLERANCES, GateConfig
    from genbench.report.site.compare_page import to_html
    from genbench.report.sources import Entry

    sig = "task:t@1|data:d|metric:fid|impl:x-1|n:100|seed:0"
    base = [Entry("t", XSS, "fid", 10.0, 9.0, 11.0, 100, False, sig),
            Entry("t", "good", "fid", 10.0, 9.0, 11.0, 100, False, sig)]
    cand = [Entry("t", XSS, "fid", 10.1, 9.1, 11.1, 100, False, sig),
            Entry("t", "good", "fid", 20.0, 19.0, 21.0, 100, False, sig)]
    path = tmp_path / "compare.html"
    path.write_text(to_html(compare(base, cand, GateConfig(dict(DEFAULT_TOLERANCES))), "base.csv", "cand.json"), encoding="utf-8")
    log = PageLog()
    page = open_page(browser, path, log)
    verdicts = page.eval_on_selector_all("tbody tr", "rs => rs.map(r => [r.cells[0].textContent, r.cells[2].textContent])")
    assert verdicts == [["worse", "good"], ["same", XSS]]
    screenshot(page, artifacts, "compare")
    page.close()
    assert log.console_errors == [] and log.failed_requests == [] and log.dialogs == []
