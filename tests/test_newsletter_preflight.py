"""Preflight: each check has a newsletter that fails it, with the exact message."""

from __future__ import annotations

import dataclasses
import re

import pytest
from newsletter_helpers import newsletter_text, one_newsletter, project_with, render, site_index

from generator.newsletter import merge
from generator.newsletter.checks import preflight

REL = "newsletters/2026-11-02-test.md"
IMG = "https://hilfe.mitgliederwerk.example/assets/bild.png"
PARAGRAPH = "Ein ganz gewöhnlicher Absatz mit genug Text, damit die E-Mail wächst. " * 2


def messages(make_project, text):
    project, newsletter = one_newsletter(make_project, text)
    return [
        str(p)
        for p in preflight(project, site_index(project), newsletter, render(project, newsletter))
    ]


def test_a_good_newsletter_passes(make_project):
    assert messages(make_project, newsletter_text()) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            f'Text\n\n![]({IMG}){{ width="536" }}\n',
            f"{REL}:10: Bild ohne Alternativtext (Bildbeschreibung in ![…]): {IMG}",
        ),
        (
            f"Text\n\n![Ein Bild]({IMG})\n",
            f'{REL}:10: Bild ohne Breitenangabe: {IMG}; ergänzen Sie {{ width="536" }}',
        ),
        (
            'Text\n\n![Ein Bild](http://bilder.example.org/a.png){ width="536" }\n',
            f"{REL}:10: das Bild braucht eine absolute https://-Adresse: http://bilder.example.org/a.png",
        ),
        (
            "Text\n\nMehr auf [unserer alten Seite](http://alt.example.org/info).\n",
            f"{REL}:10: unsicherer Link: http://alt.example.org/info; verwenden Sie https://",
        ),
    ],
    ids=["alt", "width", "https-image", "http-link"],
)
def test_body_checks(make_project, body, expected):
    assert messages(make_project, newsletter_text(body)) == [expected]


def test_an_image_on_the_help_site_must_exist_in_content(make_project):
    missing = "https://hilfe.mitgliederwerk.example/assets/fehlt.jpg"
    body = f'Text\n\n![Ein Bild]({missing}){{ width="536" }}\n\n![Logo]({IMG}){{ width="100" }}\n'
    assert messages(make_project, newsletter_text(body)) == [
        f"{REL}:10: Bild nicht auf der Hilfeseite gefunden: die Datei content/assets/fehlt.jpg "
        "gibt es nicht"
    ]


def test_an_image_written_by_its_source_path_is_reported_at_its_line(make_project):
    src = "../content/assets/bild.png"
    body = (
        f'Text\n\n![Ein Logo]({IMG}){{ width="100" }}\n\n![Zu breit]({src}){{ width="600" }}\n\n'
        f"![Ohne Breite]({src})\n"
    )
    assert messages(make_project, newsletter_text(body)) == [
        f"{REL}:12: das Bild ist 600 px breit, breiter als die Spalte der E-Mail mit 536 px: "
        f'{IMG}; schreiben Sie {{ width="536" }}',
        f'{REL}:14: Bild ohne Breitenangabe: {IMG}; ergänzen Sie {{ width="536" }}',
    ]


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("ä" * 79, "subject: 1 bis 78 Zeichen erwartet, es sind 79"),
        (
            "GROSSE NEUIGKEITEN FÜR SIE",
            "subject: in Großbuchstaben geschrieben; das wirkt wie Schreien",
        ),
        ("Jetzt zugreifen!!!", "subject: '!!!' wirkt wie Schreien und wie Spam"),
        (
            "'{{ member.first_name }}, " + "b" * 74 + "'",  # 81 with the sample name Erika
            "subject: 1 bis 78 Zeichen erwartet, es sind 81",
        ),
    ],
    ids=["too-long", "caps", "exclamation", "long-after-personalisation"],
)
def test_subject_checks(make_project, subject, expected):
    assert messages(make_project, newsletter_text(subject=subject)) == [f"{REL}:2: {expected}"]


@pytest.mark.parametrize("preheader", ["Viel zu kurz", "x" * 141])
def test_preheader_length(make_project, preheader):
    found = messages(make_project, newsletter_text(preheader=preheader))
    assert found == [f"{REL}:3: preheader: 20 bis 140 Zeichen erwartet, es sind {len(preheader)}"]


def test_html_over_102_kb_is_an_error(make_project):
    found = messages(make_project, newsletter_text("\n\n".join([PARAGRAPH] * 700)))
    assert len(found) == 1
    assert re.fullmatch(
        rf"{REL}:1: das HTML der E-Mail ist kodiert 1\d\d,\d KB groß; Gmail schneidet E-Mails "
        r"ab 102 KB ab: machen Sie den Newsletter kürzer",
        found[0],
    )


def test_html_over_90_kb_is_a_warning(make_project):
    found = messages(make_project, newsletter_text("\n\n".join([PARAGRAPH] * 350)))
    assert len(found) == 1
    assert re.fullmatch(
        rf"{REL}:1: Warnung: das HTML der E-Mail ist kodiert 9\d,\d KB groß; Gmail schneidet "
        r"E-Mails ab 102 KB ab: halten Sie Abstand zu dieser Grenze",
        found[0],
    )


def _broken(make_project, *, html=None, text=None):
    """Preflight of an email whose parts were tampered with after rendering."""
    project, newsletter = one_newsletter(make_project, newsletter_text())
    email = render(project, newsletter)
    changes = {}
    if html is not None:
        changes["html_parts"] = merge.compile_parts(html("".join(_tokens(email.html_parts))))
    if text is not None:
        changes["text_parts"] = merge.compile_parts(text("".join(_tokens(email.text_parts))))
    return [
        str(p)
        for p in preflight(
            project, site_index(project), newsletter, dataclasses.replace(email, **changes)
        )
    ]


def _tokens(parts):
    return [merge.token(part) if index % 2 else part for index, part in enumerate(parts)]


def test_unresolved_placeholder(make_project):
    found = _broken(make_project, html=lambda h: h.replace("Hallo ", "Hallo {{ member.vorname }} "))
    assert found == [f"{REL}:1: nicht ersetzter Platzhalter im HTML-Teil: {{{{ member.vorname }}}}"]


def test_unsubscribe_link_and_impressum_in_both_parts(make_project):
    unsubscribe = merge.token("unsubscribe_url")
    found = _broken(
        make_project,
        html=lambda h: h.replace(f'href="{unsubscribe}"', 'href="#"'),
        text=lambda t: t.replace("Mitgliederwerk AG", "Mitgliederwerk"),
    )
    assert found == [
        f"{REL}:1: Abmeldelink fehlt im HTML-Teil",
        f"{REL}:1: Impressum fehlt oder ist unvollständig im Textteil",
    ]


def test_check_reports_errors_and_strict_turns_warnings_into_errors(make_project, cli):
    warn = newsletter_text("\n\n".join([PARAGRAPH] * 350))
    project = project_with(make_project, {"2026-11-02-gross.md": warn})
    result = cli(project.root, "check")
    assert result.exit_code == 0, result.stderr
    assert "newsletters/2026-11-02-gross.md:1: Warnung: das HTML der E-Mail ist" in result.stderr
    strict = cli(project.root, "check", "--strict")
    assert strict.exit_code == 1
    assert "newsletters/2026-11-02-gross.md:1: Warnung: das HTML der E-Mail ist" in strict.stderr

    (project.newsletters_dir / "2026-11-03-laut.md").write_text(
        newsletter_text(subject="JETZT ANMELDEN!!!"), encoding="utf-8"
    )
    result = cli(project.root, "build")
    assert result.exit_code == 1
    assert "newsletters/2026-11-03-laut.md:2: subject: '!!!' wirkt wie Schreien und wie Spam" in (
        result.stderr
    )
    assert not (project.root / "site").exists() and not (project.root / "build").exists()
