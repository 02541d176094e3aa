"""The built help site in a real browser: search finds the SEPA article, no third-party requests."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def test_search_for_lastschrift_reaches_the_sepa_article(
    built_example, browser, serve_dir, artifacts
):
    base = serve_dir(built_example / "site")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.goto(base, wait_until="networkidle")

    page.locator("label.md-search__icon, .md-search__input").first.click()
    # Typed key by key as a person does: the theme searches on keyboard input.
    page.keyboard.type("Lastschrift", delay=30)
    result = page.locator(".md-search-result__item a[href*='sepa-lastschrift']").first
    result.wait_for(timeout=10_000)
    page.screenshot(path=str(artifacts / "site-search-lastschrift.png"))
    result.click()
    page.wait_for_url("**/zahlungen/sepa-lastschrift/**")
    assert "SEPA-Lastschrift" in page.locator("h1").first.inner_text()
    page.wait_for_load_state("networkidle")
    context.close()

    hosts = {urlsplit(url).netloc for url in requested if urlsplit(url).scheme in ("http", "https")}
    assert hosts == {urlsplit(base).netloc}, f"requests to other hosts: {hosts}"
