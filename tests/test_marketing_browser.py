"""The Werbemittel page in headless Chromium: previews load, the copy button fills the clipboard."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_werbemittel_page_shows_previews_and_copies_texts(
    built_example, browser, serve_dir, artifacts
):
    base = serve_dir(built_example / "site")
    origin = base.rstrip("/")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page = context.new_page()
    page.goto(base + "werbemittel/", wait_until="networkidle")
    assert page.locator("h1").first.inner_text() == "Werbemittel"

    previews = page.locator(".werbemittel-galerie img")
    assert previews.count() == 7  # six images and the QR code
    for index in range(previews.count()):
        preview = previews.nth(index)
        preview.scroll_into_view_if_needed()
        preview.evaluate("img => img.decode ? img.decode() : null")
        width = preview.evaluate("img => img.complete ? img.naturalWidth : 0")
        assert width > 0, preview.get_attribute("src")
    downloads = page.locator(".werbemittel-galerie a[download]")
    assert downloads.count() == 7
    page.screenshot(path=str(artifacts / "werbemittel-page.png"), full_page=False)

    source = page.locator("pre#mitglieder-werben-mitglieder-post-kurz")
    expected = source.inner_text()
    assert expected.startswith("#Werbung") and "/r/DEINCODE/mwms" in expected
    button = page.locator("button[data-kopieren='mitglieder-werben-mitglieder-post-kurz']")
    button.click()
    page.wait_for_function(
        "() => document.querySelector(\"[data-kopieren='mitglieder-werben-mitglieder-post-kurz']\").textContent.startsWith('Kopiert')"
    )
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.strip() == expected.strip()
    context.close()


def test_werbemittel_page_links_every_download_and_the_rules(built_example):
    site = built_example / "site" / "werbemittel"
    html = (site / "index.html").read_text(encoding="utf-8")
    for name in ("flyer-a5.pdf", "qr-code.svg", "banner-728x90.png", "social-1200x630.png"):
        assert f"mitglieder-werben-mitglieder/{name}" in html
        assert (site / "mitglieder-werben-mitglieder" / name).is_file()
    assert "https://mwk.example/r/DEINCODE/mwms" in html
    assert "Die Regeln in Kürze" in html
    assert "Nur mit Einwilligung" in html and "ausdrücklich" in html  # the consent note
    assert (site / "kopieren.js").is_file() and 'src="kopieren.js"' in html
    assert (site / "markenrichtlinien" / "index.html").is_file()
    built = built_example / "build" / "marketing-assets" / "mitglieder-werben-mitglieder"
    assert (built / "flyer-a5.pdf").read_bytes()[:5] == b"%PDF-"
