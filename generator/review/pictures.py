"""Pictures for the review: emails in headless Chromium, the flyer's first page as PNG.

Emails are photographed at the widths a member reads them (600 px desktop, 375 px phone)
with JavaScript off, as in a mail client, and with every network request blocked: an
image of the help site (the logo) is answered from that side's built site, anything else
stays away. Playwright runs in a thread of its own, so a caller that already drives a
browser in this thread (a test) does not get in its way.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from generator.core.i18n import _
from generator.core.problems import UsageError

CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium; never a browser downloaded by Playwright."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WIDTHS = (600, 375)
"""Desktop and phone width of the email pictures, in CSS pixels (one image pixel each)."""
FLYER_WIDTH = 560
"""Width of the flyer's picture in pixels."""
TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class EmailShot:
    """An email to photograph at ``width``; images of ``site_url`` come from ``site_dir``."""

    html: str
    width: int
    site_url: str
    site_dir: Path | None


def photograph(shots: list[EmailShot]) -> list[bytes]:
    """A full-length PNG of each email at its width, in the order given."""
    if not shots:
        return []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rundbrief-camera") as pool:
        return pool.submit(_photograph, shots).result()


def _photograph(shots: list[EmailShot]) -> list[bytes]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise UsageError(
            _("review needs Playwright for the email pictures: run scripts/setup --review")
        ) from None
    if not Path(CHROMIUM).exists():
        raise UsageError(
            _("review needs Chromium at {path}: run scripts/setup --review").format(path=CHROMIUM)
        )
    pictures = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for shot in shots:
                pictures.append(_shoot(browser, shot))
        finally:
            browser.close()
    return pictures


def _shoot(browser: Any, shot: EmailShot) -> bytes:
    context = browser.new_context(
        viewport={"width": shot.width, "height": 800},
        device_scale_factor=1,
        java_script_enabled=False,
    )
    try:
        context.route("**/*", lambda route: _answer(route, shot))
        page = context.new_page()
        page.set_content(shot.html, wait_until="load", timeout=TIMEOUT_MS)
        return bytes(page.screenshot(full_page=True, type="png", animations="disabled"))
    finally:
        context.close()


def _answer(route: Any, shot: EmailShot) -> None:
    """A file of the built help site, or nothing: no request leaves the machine."""
    local = _local_file(route.request.url, shot.site_url, shot.site_dir)
    if local is None:
        route.abort()
    else:
        route.fulfill(path=str(local))


def _local_file(url: str, site_url: str, site_dir: Path | None) -> Path | None:
    if site_dir is None or not site_url or not url.startswith(site_url):
        return None
    path = unquote(urlsplit(url).path[len(urlsplit(site_url).path) :])
    local = (site_dir / path).resolve()
    root = site_dir.resolve()
    return local if local.is_relative_to(root) and local.is_file() else None


def pdf_first_page(data: bytes, width: int = FLYER_WIDTH) -> bytes | None:
    """The first page of a PDF as a PNG ``width`` pixels wide; None if it cannot be read."""
    try:
        import pypdfium2
    except ImportError:
        raise UsageError(
            _("review needs pypdfium2 for the flyer pictures: run scripts/setup --review")
        ) from None
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None
    try:
        if len(document) == 0:
            return None
        page = document[0]
        image = page.render(scale=width / page.get_width()).to_pil()
    finally:
        document.close()
    stream = io.BytesIO()
    image.save(stream, "PNG", optimize=True)
    return stream.getvalue()
