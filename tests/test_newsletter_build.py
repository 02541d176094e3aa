"""Newsletters in build, check, new and preview: outputs, archive, feed, drafts, cache."""

from __future__ import annotations

import email
import email.policy
import xml.etree.ElementTree as etree

from conftest import stderr_lines
from newsletter_helpers import count_renders, newsletter_text, project_with, site_index, staged

from generator.core.settings import load_project
from generator.newsletter.preview import write_preview
from generator.newsletter.render import check_newsletters

OLD = "2026-10-05-oktober.md"
NEW = "2026-11-02-november.md"
DRAFT = "2026-12-01-geheimer-entwurf.md"


def three(make_project):
    """Two approved newsletters and a draft."""
    return project_with(
        make_project,
        {
            OLD: newsletter_text(subject="Rückblick Oktober").replace("2026-11-02", "2026-10-05"),
            NEW: newsletter_text(subject="Neues im November"),
            DRAFT: newsletter_text(subject="Geheimer Entwurf", status="draft").replace(
                "2026-11-02", "2026-12-01"
            ),
        },
    )


def test_build_writes_emails_and_archive_without_drafts(make_project, cli):
    project = three(make_project)
    result = cli(project.root, "build")
    assert result.exit_code == 0, result.stderr
    for slug in ("2026-10-05-oktober", "2026-11-02-november", "2026-12-01-geheimer-entwurf"):
        folder = project.build_dir / "newsletters" / slug
        assert sorted(p.name for p in folder.iterdir()) == [
            "email.html",
            "email.txt",
            "message.eml",
        ]
    message = email.message_from_bytes(
        (project.build_dir / "newsletters/2026-11-02-november/message.eml").read_bytes(),
        policy=email.policy.default,
    )
    assert message["To"] == "Erika Mustermann <erika.mustermann@example.org>"
    assert "Hallo Erika," in message.get_body(("plain",)).get_content()

    site = project.site_dir
    page = (site / "newsletter/2026-11-02-november/index.html").read_text(encoding="utf-8")
    assert 'src="email.html"' in page and "Neues im November" in page
    # The text version makes the archive searchable.
    assert "Textfassung dieser E-Mail" in page and "Hallo liebes Mitglied," in page
    search = (site / "search/search_index.json").read_text(encoding="utf-8")
    assert "dass Sie da sind" in search
    archived = (site / "newsletter/2026-11-02-november/email.html").read_text(encoding="utf-8")
    assert "Hallo liebes Mitglied," in archived
    index = (site / "newsletter/index.html").read_text(encoding="utf-8")
    assert "Newsletter-Archiv" in index
    assert index.index("Neues im November") < index.index("Rückblick Oktober")  # newest first
    for path in site.rglob("*"):
        if path.is_file():
            assert b"geheimer-entwurf" not in path.read_bytes().lower(), path
            assert b"Geheimer Entwurf" not in path.read_bytes(), path


def test_feed_is_rss_2_with_absolute_links(make_project):
    project = three(make_project)
    _pages, files, _outputs = staged(project)
    data = next(f.data for f in files if f.path == "newsletter/feed.xml")
    assert data is not None
    rss = etree.fromstring(data)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel is not None
    assert channel.findtext("link") == "https://hilfe.mitgliederwerk.example/newsletter/"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Neues im November", "Rückblick Oktober"]
    assert items[0].findtext("link") == (
        "https://hilfe.mitgliederwerk.example/newsletter/2026-11-02-november/"
    )
    assert items[0].findtext("pubDate") == "Mon, 02 Nov 2026 08:00:00 +0000"


def test_unchanged_newsletters_come_from_the_cache(make_project, monkeypatch):
    project = three(make_project)
    calls = count_renders(monkeypatch)
    staged(project)
    assert len(calls) == 3
    staged(project)
    assert len(calls) == 3
    path = project.newsletters_dir / NEW
    path.write_text(path.read_text(encoding="utf-8") + "\nNoch ein Satz.\n", encoding="utf-8")
    staged(project)
    assert calls[3:] == ["2026-11-02-november"]


def test_new_newsletter_scaffolds_a_valid_draft_and_never_overwrites(make_project, cli):
    project = project_with(make_project, {})
    result = cli(
        project.root,
        "new",
        "newsletter",
        "Grüße zum Jahresende: Öffnungszeiten",
        "--date",
        "2026-12-20",
    )
    assert result.exit_code == 0, result.stderr
    path = project.newsletters_dir / "2026-12-20-gruesse-zum-jahresende-oeffnungszeiten.md"
    assert result.stdout == f"newsletters/{path.name} angelegt (status: draft).\n"
    text = path.read_text(encoding="utf-8")
    assert 'subject: "Grüße zum Jahresende: Öffnungszeiten"' in text and "status: draft" in text
    assert cli(project.root, "check").exit_code == 0
    path.write_text(text + "\nEigener Text.\n", encoding="utf-8")
    again = cli(
        project.root,
        "new",
        "newsletter",
        "Grüße zum Jahresende: Öffnungszeiten",
        "--date",
        "2026-12-20",
    )
    assert again.exit_code == 2
    assert "gibt es schon; die Datei wird nicht überschrieben" in again.stderr
    assert path.read_text(encoding="utf-8").endswith("Eigener Text.\n")


def test_an_untouched_scaffold_cannot_be_approved(make_project, cli):
    """Its placeholder texts would reach every member: an error at each line once approved."""
    project = project_with(make_project, {})
    assert (
        cli(project.root, "new", "newsletter", "Neuigkeiten", "--date", "2026-12-20").exit_code == 0
    )
    path = project.newsletters_dir / "2026-12-20-neuigkeiten.md"
    draft = path.read_text(encoding="utf-8")
    assert cli(project.root, "check", "--strict").exit_code == 0  # a draft may hold them
    path.write_text(draft.replace("status: draft", "status: approved"), encoding="utf-8")
    result = cli(project.root, "check", "--strict")
    assert result.exit_code == 1
    placeholders = [line for line in stderr_lines(result) if "Platzhalter" in line]
    rel = f"newsletters/{path.name}"
    assert [line.split(": ")[0] for line in placeholders] == [f"{rel}:3", f"{rel}:10", f"{rel}:10"]
    assert "ersetzen Sie ihn durch Ihren eigenen Text" in placeholders[0]
    written = draft.replace("status: draft", "status: approved")
    written = written.replace(
        "Ein Satz, der im Posteingang nach dem Betreff erscheint (20 bis 140 Zeichen).",
        "Was sich zum Jahresende bei uns ändert, kurz für Sie",
    )
    written = written.split("hier steht Ihr Text.")[0] + "alles Gute zum Jahresende.\n"
    path.write_text(written, encoding="utf-8")
    assert cli(project.root, "check").exit_code == 0


def test_preview_pages_show_drafts_both_widths_text_and_preflight(make_project, tmp_path):
    project = three(make_project)
    (project.newsletters_dir / "2026-12-24-laut.md").write_text(
        newsletter_text(subject="FROHE FESTTAGE", status="draft"), encoding="utf-8"
    )
    write_preview(project, tmp_path, *check_newsletters(project, site_index(project)))
    folder = tmp_path / "newsletter-vorschau"
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert index.count("ENTWURF") == 2 and index.count("FREIGEGEBEN") == 2
    page = (folder / "2026-12-24-laut.html").read_text(encoding="utf-8")
    sandbox = (
        'sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox '
        'allow-top-navigation-by-user-activation"'
    )
    assert f'src="2026-12-24-laut/email.html" {sandbox} width="600"' in page
    assert f'src="2026-12-24-laut/email.html" {sandbox} width="375"' in page
    assert "subject: in Großbuchstaben geschrieben; das wirkt wie Schreien" in page
    assert "Hallo Erika," in page  # the text part
    assert "Hallo Erika," in (folder / "2026-12-24-laut/email.html").read_text(encoding="utf-8")


def test_sample_message_is_deterministic(make_project):
    project = load_project(three(make_project).root)
    first = staged(project)[2]
    second = staged(project)[2]
    assert [f.data for f in first] == [f.data for f in second]
    eml = next(f.data for f in first if f.path.endswith("november/message.eml"))
    assert eml is not None and b"Date: Mon, 02 Nov 2026 08:00:00 +0000" in eml
