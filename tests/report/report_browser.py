"""Opening generated pages in a real browser (Playwright driving Debian's chromium), recording
every console error, failed request and dialog, and saving screenshots as test artifacts."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS_ENV = "GENBENCH_TEST_ARTIFACTS"


def browser_or_skip():
    """A headless chromium, or a skip that says what is missing."""
    if not CHROMIUM.is_file():
        pytest.skip(f"no browser: {CHROMIUM} is not installed (apt-get install -y --no-install-recommends chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("no browser driver: the playwright package is not installed (pip install -e '.[test]')")
    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # chromium's sandbox refuses to run as root
    playwright = sync_playwright().start()
    return playwright, playwright.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)


def artifacts_dir() -> Path:
    """$GENBENCH_TEST_ARTIFACTS/report, else genbench-test-artifacts/report in the system's temporary
    folder: outside pytest's own temporary folders, which later sessions delete."""
    root = Path(os.environ.get(ARTIFACTS_ENV) or Path(tempfile.gettempdir()) / "genbench-test-artifacts")
    folder = root / "report"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def open_page(browser, path: Path, log: PageLog):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.on("console", lambda msg: log.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: log.console_errors.append(str(exc)))
    page.on("requestfailed", lambda req: log.failed_requests.append(f"{req.url}: {req.failure}"))

    def dialog(d) -> None:
        log.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page


def screenshot(page, folder: Path, name: str) -> Path:
    target = folder / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    print(f"screenshot: {target}")
    return target


def copy_site(site: Path, folder: Path) -> None:
    shutil.copytree(site, folder / "site", dirs_exist_ok=True)
