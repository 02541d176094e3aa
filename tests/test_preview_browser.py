"""A saved article or newsletter appears in the open browser by itself (bench/preview.py times it).

Each save after the first goes the fast way (only the changed pages rendered again): the page
must still be the whole page — navigation, edit button, the email in both frames.
"""

from __future__ import annotations

import pytest
from preview_helpers import fetch, running_preview
from smtp_helpers import wait_for

pytestmark = pytest.mark.browser

NEWSLETTER = "2026-11-02-monatsupdate-november"
IN_PAGE = "marker => document.body && document.body.innerText.includes(marker)"
IN_EMAIL = """marker => [...document.querySelectorAll('iframe')].filter(frame =>
    frame.contentDocument && frame.contentDocument.body &&
    frame.contentDocument.body.innerText.includes(marker)).length"""


def test_a_saved_article_and_newsletter_show_in_the_open_browser(example_project, browser):
    article = example_project / "content/zahlungen/paypal.md"
    letter = example_project / "newsletters" / f"{NEWSLETTER}.md"
    with running_preview(example_project) as preview:
        assert wait_for(lambda: "Hilfe-Center" in fetch(preview.base), timeout=120)
        page = browser.new_page()
        try:
            page.goto(preview.base + "zahlungen/paypal/")
            original = article.read_text(encoding="utf-8")
            for number in range(3):
                marker = f"Neu gespeichert Nummer {number}"
                article.write_text(f"{original}\n{marker}.\n", encoding="utf-8")
                page.wait_for_function(IN_PAGE, arg=marker, timeout=60_000)
            # The whole page, not a fragment: navigation, title and the edit button are there.
            assert page.title() == "Mit PayPal bezahlen - Mitgliederwerk Hilfe-Center"
            assert page.locator("nav.md-nav--primary").count() >= 1
            assert "edit/main/content/zahlungen/paypal.md" in page.content()
            assert "Neu gespeichert Nummer 0" not in page.inner_text("body")

            page.goto(preview.base + f"newsletter-vorschau/{NEWSLETTER}.html")
            page.evaluate("window.kept = 1")
            original = letter.read_text(encoding="utf-8")
            for number in range(2):
                marker = f"Neuer Absatz Nummer {number}"
                letter.write_text(f"{original}\n{marker}.\n", encoding="utf-8")
                # Both frames (600 and 375 px) show the new text.
                page.wait_for_function(f"m => ({IN_EMAIL})(m) >= 2", arg=marker, timeout=60_000)
            # The page's new body with new frames, not a reload of the page.
            assert page.evaluate("window.kept") == 1
            assert "Neuer Absatz Nummer 0" not in page.inner_text("body")
            # Its archive page follows once the whole tree is staged (after the preview shows).
            archive = preview.base + f"newsletter/{NEWSLETTER}/"
            assert wait_for(lambda: "Neuer Absatz Nummer 1" in fetch(archive), timeout=30)
        finally:
            page.close()


def test_a_save_changes_its_page_in_place_and_leaves_other_pages_alone(example_project, browser):
    """The saved article's open page gets its new content without a reload, where it was read;
    another open page stays as it is; a change to the navigation reloads every page."""
    article = example_project / "content/zahlungen/paypal.md"
    with running_preview(example_project) as preview:
        assert wait_for(lambda: "Hilfe-Center" in fetch(preview.base), timeout=120)
        saved, other = browser.new_page(), browser.new_page()
        try:
            saved.set_viewport_size({"width": 1200, "height": 500})
            saved.goto(preview.base + "zahlungen/paypal/")
            other.goto(preview.base + "zahlungen/sepa-lastschrift/")
            for page in (saved, other):
                page.evaluate("window.kept = 1")
            saved.evaluate("window.scrollTo(0, 300)")
            original = article.read_text(encoding="utf-8")
            for number in range(2):
                marker = f"An Ort und Stelle {number}"
                article.write_text(f"{original}\n{marker}.\n", encoding="utf-8")
                saved.wait_for_function(IN_PAGE, arg=marker, timeout=60_000)
            assert saved.evaluate("window.kept") == 1
            assert saved.evaluate("window.scrollY") == 300
            # Material's components work on the new content: the edit button, the navigation.
            assert saved.locator("a.md-content__button[href*='paypal.md']").count() == 1
            assert saved.locator("nav.md-nav--primary").count() >= 1
            assert other.evaluate("window.kept") == 1
            assert "An Ort und Stelle" not in other.inner_text("body")

            # A new article is in the navigation of every page: each reloads, and shows it.
            new = example_project / "content/zahlungen/neu-im-menue.md"
            new.write_text(
                "---\ntitle: Ganz neu im Menü\n"
                "description: Ein neuer Artikel, der im Menü jeder Seite erscheint.\n---\n"
                "Text.\n",
                encoding="utf-8",
            )
            other.wait_for_function(
                "() => window.kept === undefined && document.body && document.body.innerText.includes('Ganz neu')",
                timeout=120_000,
            )
        finally:
            saved.close()
            other.close()
