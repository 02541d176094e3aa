"""`rundbrief preview` shows every newsletter, drafts marked, and a saved change soon after."""

from __future__ import annotations

import urllib.request

from newsletter_helpers import newsletter_text, project_with
from preview_helpers import fetch, running_preview
from smtp_helpers import wait_for

from generator.core import i18n
from generator.newsletter.preview import FOLDER, write_preview
from generator.newsletter.render import check_newsletters
from generator.site.index import read_site


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
        # The logo comes from the working tree the preview serves, not the production host.
        email = fetch(base + "2026-12-01-entwurf/email.html")
        assert (
            'src="/assets/logo.png"' in email and "hilfe.mitgliederwerk.example/assets" not in email
        )
        with urllib.request.urlopen(preview.base + "assets/logo.png", timeout=5) as response:
            assert response.read() == (project.root / "content/assets/logo.png").read_bytes()

        path = project.newsletters_dir / "2026-12-01-entwurf.md"
        # A new image in content/assets/, named by its source path, shows before it is published.
        (project.root / "content/assets/advent.png").write_bytes(b"\x89PNG neu")
        body = (
            "Hallo,\n\nder Adventskalender startet morgen.\n\n"
            '![Kalender](../content/assets/advent.png){ width="300" }\n'
        )
        path.write_text(newsletter_text(body, status="draft"), encoding="utf-8")
        url = base + "2026-12-01-entwurf/email.html"
        assert wait_for(lambda: "Adventskalender startet morgen" in fetch(url), timeout=30)
        assert 'src="/assets/advent.png"' in fetch(url)
        with urllib.request.urlopen(preview.base + "assets/advent.png", timeout=5) as response:
            assert response.read() == b"\x89PNG neu"


def test_the_preview_pages_speak_the_projects_language(make_project, tmp_path):
    project = project_with(
        make_project,
        {"2026-12-01-entwurf.md": newsletter_text(subject="Adventsgruß", status="draft")},
    )
    index, _problems = read_site(project)
    checked, unreadable = check_newsletters(project, index, write_cache=False)
    pages = {}
    before = i18n.language()
    try:
        for language in ("de", "en"):
            i18n.use(language)
            write_preview(project, tmp_path / language, list(checked), list(unreadable))
            pages[language] = (tmp_path / language / FOLDER / "2026-12-01-entwurf.html").read_text(
                encoding="utf-8"
            )
    finally:
        i18n.use(before)
    assert '<html lang="de">' in pages["de"] and "Textteil" in pages["de"]
    assert "ENTWURF" in pages["de"] and "Smartphone, 375 px" in pages["de"]
    assert '<html lang="en">' in pages["en"] and "Text part" in pages["en"]
    assert "DRAFT" in pages["en"] and "Phone, 375 px" in pages["en"]
    assert "Textteil" not in pages["en"] and "ENTWURF" not in pages["en"]
