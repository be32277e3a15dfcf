"""Edge: screenshots of web UIs (Prometheus's targets page, Grafana Explore) with a headless Chromium.

Playwright drives the browser because these pages are single-page apps that fetch their data after loading: it
waits for text that only appears once the data is there, and sends Grafana's auth header on every request the page
makes. It drives a Chromium that is already installed (Debian's `chromium`, or CA3_BROWSER), never a downloaded one.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ca3cli.core.errors import Ca3Error
from ca3cli.edges import files

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ENV = "CA3_BROWSER"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PAGE_TIMEOUT_S = 60.0  # to load a page, and again for its data to show
NO_BROWSER = ("No headless browser was found for the Prometheus targets and Grafana Explore screenshots: install "
              "Chromium (Debian/Ubuntu: `sudo apt-get install chromium`) or set CA3_BROWSER to a Chromium or Chrome "
              "executable, then run `ca3 evidence` again.")


@dataclass(frozen=True)
class Page:
    """One screenshot: the page, the file it goes to, and a regex of text the page shows once its data arrived."""

    url: str
    file: str
    ready: str
    width: int = 1600
    height: int = 1000


def find(environ: Mapping[str, str] = os.environ) -> str:
    """The browser executable: CA3_BROWSER when set (it must exist), else the first Chromium or Chrome on PATH."""
    chosen = environ.get(ENV, "")
    if chosen:
        found = shutil.which(chosen)
        if found is None:
            raise Ca3Error(f"CA3_BROWSER is {chosen!r}, which is not an executable. {NO_BROWSER}")
        return found
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise Ca3Error(NO_BROWSER)


def screenshots(pages: Sequence[Page], out_dir: Path, executable: str, headers: Mapping[str, str] | None = None,
                timeout_s: float = PAGE_TIMEOUT_S) -> list[Path]:
    """Open each page, wait until it shows its `ready` text, save a PNG of the viewport; returns the files."""
    from playwright.sync_api import Error, sync_playwright

    files.folder(out_dir)
    written = []
    with sync_playwright() as driver:
        try:
            browser = driver.chromium.launch(executable_path=executable, headless=True)
        except Error as exc:
            raise Ca3Error(f"{executable} did not start as a headless browser ({_first_line(exc)}). {NO_BROWSER}") \
                from None
        try:
            for page in pages:
                written.append(_shoot(browser, page, out_dir, headers or {}, timeout_s))
        finally:
            browser.close()
    return written


def _shoot(browser: Browser, page: Page, out_dir: Path, headers: Mapping[str, str], timeout_s: float) -> Path:
    from playwright.sync_api import Error

    context = browser.new_context(viewport={"width": page.width, "height": page.height},
                                  extra_http_headers=dict(headers))
    try:
        tab = context.new_page()
        tab.goto(page.url, wait_until="networkidle", timeout=timeout_s * 1000)
        tab.get_by_text(re.compile(page.ready)).first.wait_for(timeout=timeout_s * 1000)
        image = tab.screenshot(type="png")
    except Error as exc:
        raise Ca3Error(f"{page.url} did not show text matching {page.ready!r} within {timeout_s:.0f} s "
                       f"({_first_line(exc)}), so {page.file} was not saved. Open the page yourself to see why, "
                       "then run `ca3 evidence` again.") from None
    finally:
        context.close()
    if not image.startswith(PNG_MAGIC):
        raise Ca3Error(f"The browser returned something that is not a PNG for {page.url}.")
    return files.write(out_dir, page.file, image)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
