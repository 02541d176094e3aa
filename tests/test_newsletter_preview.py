"""`rundbrief preview` shows every newsletter, drafts marked, and a saved change soon after."""

from __future__ import annotations

from newsletter_helpers import newsletter_text, project_with
from preview_helpers import fetch, running_preview, wait_for


def test_preview_lists_drafts_and_shows_a_saved_change(make_project):
    project = project_with(
        make_project,
        {
            "2026-11-02-november.md": newsletter_text(subject="Neues im November"),
            "2026-12-01-entwurf.md": newsletter_text(subject="Adventsgruß", status="draft"),
        },
    )
    with running_preview(project.root) as preview:
        base = preview.base + "newsletter-vorschau/"
        assert wait_for(lambda: "Adventsgruß" in fetch(base + "index.html")), (
            "preview did not start"
        )
        index = fetch(base + "index.html")
        assert "ENTWURF" in index and "FREIGEGEBEN" in index
        page = fetch(base + "2026-12-01-entwurf.html")
        assert 'width="600"' in page and 'width="375"' in page and "Keine Probleme" in page

        path = project.newsletters_dir / "2026-12-01-entwurf.md"
        path.write_text(
            newsletter_text("Hallo,\n\nder Adventskalender startet morgen.\n", status="draft"),
            encoding="utf-8",
        )
        url = base + "2026-12-01-entwurf/email.html"
        assert wait_for(lambda: "Adventskalender startet morgen" in fetch(url), timeout=30)
