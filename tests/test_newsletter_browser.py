"""The emails in headless Chromium: without their <style> block, as GMX and WEB.DE show them,
and archived on the help site."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import repo_project
from newsletter_helpers import site_index

from generator.newsletter.email import personalise, sample_values
from generator.newsletter.render import check_newsletters

REPO = Path(__file__).resolve().parent.parent
STYLE = re.compile(r"<style>.*?</style>", re.S)

# The widest right edge of anything visible, and every visible text's font size.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  let right = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.height > 0) right = Math.max(right, box.right);
  }
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.display === 'none') continue;
    const size = parseFloat(style.fontSize);
    if (size < 14) small.push(`${size}px: ${node.textContent.trim().slice(0, 40)}`);
  }
  return {width, right, scroll: document.documentElement.scrollWidth, small};
}"""


def emails_without_style() -> list[tuple[str, str]]:
    project = repo_project()
    newsletters, _ = check_newsletters(project, site_index(project))
    out = []
    for item in newsletters:
        assert item.newsletter is not None and item.email is not None, item.problems
        _, html, _ = personalise(item.email, sample_values(project))
        out.append((item.newsletter.slug, STYLE.sub("", html)))
    return out


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 600])
def test_no_overflow_and_no_small_text_without_style_block(browser, artifacts, width):
    emails = emails_without_style()
    assert len(emails) >= 3
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        for slug, html in emails:
            assert "<style>" not in html
            page = context.new_page()
            page.route("**/*", lambda route: route.abort())  # no network: images stay alt text
            page.set_content(html, wait_until="load")
            result = page.evaluate(MEASURE)
            page.screenshot(
                path=str(artifacts / f"newsletter-{slug}-{width}px.png"), full_page=True
            )
            assert result["scroll"] <= result["width"], (slug, result)
            assert result["right"] <= result["width"] + 0.5, (slug, result)
            assert result["small"] == [], (slug, result["small"])
            page.close()
    finally:
        context.close()


HELP_SITE = "https://hilfe.mitgliederwerk.example/"
"""The help site's production host: the archived email's links point there."""


@pytest.mark.browser
def test_a_link_in_the_archived_email_opens_in_the_whole_window(built_example, browser, serve_dir):
    site = built_example / "site"
    base = serve_dir(site)

    def production_host(route):
        """The help site's own host, answered from the same built site."""
        path = site / urlsplit(route.request.url).path.lstrip("/")
        path = path / "index.html" if path.is_dir() else path
        if path.is_file():
            route.fulfill(path=str(path))
        else:
            route.fulfill(status=404, body="")

    page = browser.new_page()
    try:
        page.route(HELP_SITE + "**", production_host)
        page.goto(base + "newsletter/2026-11-02-monatsupdate-november/")
        frame = page.frame_locator("iframe.newsletter-email")
        frame.get_by_role("link", name="Dividenden", exact=True).click()
        page.wait_for_url(HELP_SITE + "beteiligungen/dividenden/**", timeout=10_000)
        assert page.locator("iframe.newsletter-email").count() == 0
        assert "Dividenden" in page.title()
    finally:
        page.close()


# Forced dark mode as the Gmail and Outlook apps and Outlook for Windows apply it: they ignore
# the email's own dark rules, darken every background and lighten every text, but leave
# images as they are. A logo of dark text on a transparent background then lands on dark grey.
FORCED_DARK = """
* { background-color: #1f1f1f !important; color: #e8eaed !important;
    border-color: #5f6368 !important; background-image: none !important; }
"""


def _luminance(pixel: tuple[int, ...]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = pixel[:3]
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.browser
def test_logo_stays_readable_in_forced_dark_mode(browser, artifacts, tmp_path):
    """The wordmark's letters against what surrounds them, after the colours are inverted."""
    from PIL import Image

    project = repo_project()
    newsletters, _ = check_newsletters(project, site_index(project))
    item = newsletters[0]
    assert item.email is not None
    _, html, _ = personalise(item.email, sample_values(project))
    logo = (REPO / "content" / "assets" / "logo.png").read_bytes()
    page = browser.new_page(viewport={"width": 600, "height": 400})
    try:

        def serve(route):
            if route.request.url.endswith("/assets/logo.png"):
                route.fulfill(body=logo, content_type="image/png")
            else:
                route.abort()

        page.route("**/*", serve)
        page.set_content(html, wait_until="load")
        page.add_style_tag(content=FORCED_DARK)
        shot = tmp_path / "logo.png"
        page.locator(".header img").screenshot(path=str(shot))
        page.screenshot(path=str(artifacts / "newsletter-forced-dark.png"))
    finally:
        page.close()
    image = Image.open(shot).convert("RGB")
    width, height = image.size
    # The wordmark is the right three quarters; its letters are its darkest pixels, and what
    # lies around them is the most frequent colour there.
    words = image.crop((width // 4, 0, width, height))
    colours = words.getcolors(maxcolors=width * height) or []
    background = max(colours)[1]
    letters = min((colour for _, colour in colours), key=_luminance)
    assert _contrast(letters, background) >= 4.5, (letters, background)
