"""The handbook's pictures are taken by this test, so they never show an email that changed.

After an intended change to the example newsletter's email (its golden file), take them again
and review them like code:

    RUNDBRIEF_REGENERATE_PICTURES=1 .venv/bin/python -m pytest tests/test_docs_pictures.py
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PICTURES = ROOT / "docs" / "seiten" / "freigeben" / "bilder"
EMAIL = ROOT / "tests" / "golden" / "newsletter" / "css-inline" / "email.html"
LOGO = ROOT / "content" / "assets" / "logo.png"
WIDTHS = (600, 375)
REGENERATE = os.environ.get("RUNDBRIEF_REGENERATE_PICTURES") == "1"


def fingerprint() -> str:
    """What the pictures show: the email and the logo it loads, at the widths taken."""
    digest = hashlib.sha256(EMAIL.read_bytes() + LOGO.read_bytes() + repr(WIDTHS).encode())
    return digest.hexdigest()


def png_width(path: Path) -> int:
    """The width a PNG file declares in its header."""
    width: int = struct.unpack(">I", path.read_bytes()[16:20])[0]
    return width


def take(browser: Any, width: int, target: Path) -> None:
    """Photograph the email at ``width``, its logo served from content/, nothing from the net."""

    def serve(route: Any) -> None:
        if route.request.url.endswith("/assets/logo.png"):
            route.fulfill(body=LOGO.read_bytes(), content_type="image/png")
        elif route.request.url.startswith("file:"):
            route.continue_()
        else:
            route.abort()

    page = browser.new_page(viewport={"width": width, "height": 800})
    page.route("**/*", serve)
    page.goto(EMAIL.as_uri(), wait_until="load")
    page.screenshot(path=str(target), full_page=True)
    page.close()


@pytest.mark.browser
def test_the_handbook_shows_the_current_email(browser: Any, tmp_path: Path) -> None:
    for width in WIDTHS:
        taken = tmp_path / f"newsletter-{width}.png"
        take(browser, width, taken)
        assert png_width(taken) == width
        if REGENERATE:
            PICTURES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(taken, PICTURES / taken.name)
    if REGENERATE:
        (PICTURES / "quelle.sha256").write_text(fingerprint() + "\n", encoding="utf-8")
    recorded = (PICTURES / "quelle.sha256").read_text(encoding="utf-8").strip()
    assert recorded == fingerprint(), (
        "the example email changed since the handbook's pictures were taken: "
        "run RUNDBRIEF_REGENERATE_PICTURES=1 pytest tests/test_docs_pictures.py"
    )
    for width in WIDTHS:
        assert png_width(PICTURES / f"newsletter-{width}.png") == width
