"""The emails in headless Chromium without their <style> block, as GMX and WEB.DE show them."""

from __future__ import annotations

import re
from pathlib import Path

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
