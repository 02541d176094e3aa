"""`rundbrief preview` serves the site with drafts on 127.0.0.1 and rebuilds on a saved change."""

from __future__ import annotations

from preview_helpers import fetch, running_preview
from smtp_helpers import wait_for


def test_preview_shows_drafts_and_reloads_on_save(example_project):
    with running_preview(example_project) as preview:
        base = preview.base
        assert wait_for(lambda: "Hilfe-Center" in fetch(base)), "preview did not start"
        # The draft is part of the preview, unlike the built site.
        assert "Ratenzahlung" in fetch(base + "zahlungen/ratenzahlung/")
        # Whoever previews writes the site: the edit button is there (not on the published site).
        assert "edit/main/content/zahlungen/paypal.md" in fetch(base + "zahlungen/paypal/")

        article = example_project / "content/zahlungen/paypal.md"
        text = article.read_text(encoding="utf-8")
        article.write_text(
            text + "\nNeu: Zahlungen per PayPal sind jetzt auch mobil möglich.\n", encoding="utf-8"
        )
        assert wait_for(lambda: "jetzt auch mobil" in fetch(base + "zahlungen/paypal/")), (
            "saved change did not show up"
        )
        # A broken source shows its problem and keeps serving the last good preview.
        article.write_text("---\ntitle: [kaputt\n---\n", encoding="utf-8")
        assert wait_for(lambda: "content/zahlungen/paypal.md:2: " in preview.output), (
            "the broken source's problem was not shown"
        )
        assert "Hilfe-Center" in fetch(base)
    assert not (example_project / "site").exists()
