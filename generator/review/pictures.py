"""Pictures for the review: emails in headless Chromium, the flyer's first page as PNG.

Emails are photographed at the widths a member reads them (600 px desktop, 375 px phone)
with JavaScript off, as in a mail client, and with every network request blocked: an
image of the help site (the logo) is answered from that side's built site, anything else
stays away. Playwright runs in a thread of its own, so a caller that already drives a
browser in this thread (a test) does not get in its way.
"""

from __future__ import annotations

import io
from concurrent.futures import Future, ThreadPoolExecutor
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


class Camera:
    """Headless Chromium with one page, started early so that it warms up during the builds.

    Playwright's sync API belongs to the thread that started it: every call runs in the one
    worker thread of this camera (a caller that drives a browser itself is not disturbed).
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rundbrief-camera")
        self._opened: Future[None] | None = None
        self._playwright: Any = None
        self._browser: Any = None
        self._page: Any = None
        self._current: list[EmailShot] = []

    def start(self) -> Camera:
        """Begin starting the browser in the background; return at once."""
        if self._opened is None:
            self._opened = self._pool.submit(self._open)
        return self

    def photograph(self, shots: list[EmailShot]) -> list[bytes]:
        """A full-length PNG of each email at its width, in the order given."""
        if not shots:
            return []
        self.start()
        assert self._opened is not None
        self._opened.result()  # raises what starting raised (Chromium missing, say)
        return self._pool.submit(self._shoot, shots).result()

    def close(self) -> None:
        """Stop the browser and the worker thread."""
        if self._opened is not None:
            self._pool.submit(self._close).result()
        self._pool.shutdown()

    def __enter__(self) -> Camera:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise UsageError(
                _("review needs Playwright for the email pictures: run scripts/setup --review")
            ) from None
        if not Path(CHROMIUM).exists():
            raise UsageError(
                _("review needs Chromium at {path}: run scripts/setup --review").format(
                    path=CHROMIUM
                )
            )
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        # One page for every picture: a new context per picture costs half a second.
        context = self._browser.new_context(
            viewport={"width": WIDTHS[0], "height": 800},
            device_scale_factor=1,
            java_script_enabled=False,  # as in a mail client
        )
        context.route("**/*", lambda route: _answer(route, self._current[-1]))
        self._page = context.new_page()

    def _shoot(self, shots: list[EmailShot]) -> list[bytes]:
        pictures = []
        for shot in shots:
            self._current.append(shot)
            self._page.set_viewport_size({"width": shot.width, "height": 800})
            self._page.set_content(shot.html, wait_until="load", timeout=TIMEOUT_MS)
            picture = self._page.screenshot(full_page=True, type="png", animations="disabled")
            pictures.append(bytes(picture))
        return pictures

    def _close(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()


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
