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
        (f'Text\n\n![]({IMG}){{ width="560" }}\n', f"{REL}:10: image without alt text: {IMG}"),
        (
            f"Text\n\n![Ein Bild]({IMG})\n",
            f'{REL}:10: image without a width attribute: {IMG}; add {{ width="560" }}',
        ),
        (
            'Text\n\n![Ein Bild](http://bilder.example.org/a.png){ width="560" }\n',
            f"{REL}:10: image must have an absolute https:// URL: http://bilder.example.org/a.png",
        ),
        (
            "Text\n\nMehr auf [unserer alten Seite](http://alt.example.org/info).\n",
            f"{REL}:10: insecure link: http://alt.example.org/info; use https://",
        ),
    ],
    ids=["alt", "width", "https-image", "http-link"],
)
def test_body_checks(make_project, body, expected):
    assert messages(make_project, newsletter_text(body)) == [expected]


def test_an_image_on_the_help_site_must_exist_in_content(make_project):
    missing = "https://hilfe.mitgliederwerk.example/assets/fehlt.jpg"
    body = f'Text\n\n![Ein Bild]({missing}){{ width="560" }}\n\n![Logo]({IMG}){{ width="100" }}\n'
    assert messages(make_project, newsletter_text(body)) == [
        f"{REL}:10: image not found on the help site: no file content/assets/fehlt.jpg"
    ]


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("ä" * 79, "subject: expected 1 to 78 characters, got 79"),
        ("GROSSE NEUIGKEITEN FÜR SIE", "subject: written in capitals; that reads as shouting"),
        ("Jetzt zugreifen!!!", "subject: '!!!' reads as shouting and as spam"),
        (
            "'{{ member.first_name }}, " + "b" * 74 + "'",  # 81 with the sample name Erika
            "subject: expected 1 to 78 characters, got 81",
        ),
    ],
    ids=["too-long", "caps", "exclamation", "long-after-personalisation"],
)
def test_subject_checks(make_project, subject, expected):
    assert messages(make_project, newsletter_text(subject=subject)) == [f"{REL}:2: {expected}"]


@pytest.mark.parametrize("preheader", ["Viel zu kurz", "x" * 141])
def test_preheader_length(make_project, preheader):
    found = messages(make_project, newsletter_text(preheader=preheader))
    assert found == [f"{REL}:3: preheader: expected 20 to 140 characters, got {len(preheader)}"]


def test_html_over_102_kb_is_an_error(make_project):
    found = messages(make_project, newsletter_text("\n\n".join([PARAGRAPH] * 700)))
    assert len(found) == 1
    assert re.fullmatch(
        rf"{REL}:1: email HTML is 1\d\d\.\d KB encoded; Gmail clips it from 102 KB", found[0]
    )


def test_html_over_90_kb_is_a_warning(make_project):
    found = messages(make_project, newsletter_text("\n\n".join([PARAGRAPH] * 350)))
    assert len(found) == 1
    assert re.fullmatch(
        rf"{REL}:1: warning: email HTML is 9\d\.\d KB encoded; Gmail clips from 102 KB, keep a margin",
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
    assert found == [f"{REL}:1: unresolved placeholder in the HTML part: {{{{ member.vorname }}}}"]


def test_unsubscribe_link_and_impressum_in_both_parts(make_project):
    unsubscribe = merge.token("unsubscribe_url")
    found = _broken(
        make_project,
        html=lambda h: h.replace(f'href="{unsubscribe}"', 'href="#"'),
        text=lambda t: t.replace("Mitgliederwerk AG", "Mitgliederwerk"),
    )
    assert found == [
        f"{REL}:1: unsubscribe link missing in the HTML part",
        f"{REL}:1: Impressum missing or incomplete in the text part",
    ]


def test_check_reports_errors_and_strict_turns_warnings_into_errors(make_project, cli):
    warn = newsletter_text("\n\n".join([PARAGRAPH] * 350))
    project = project_with(make_project, {"2026-11-02-gross.md": warn})
    result = cli(project.root, "check")
    assert result.exit_code == 0, result.stderr
    assert "newsletters/2026-11-02-gross.md:1: warning: email HTML is" in result.stderr
    strict = cli(project.root, "check", "--strict")
    assert strict.exit_code == 1
    assert "newsletters/2026-11-02-gross.md:1: warning: email HTML is" in strict.stderr

    (project.newsletters_dir / "2026-11-03-laut.md").write_text(
        newsletter_text(subject="JETZT ANMELDEN!!!"), encoding="utf-8"
    )
    result = cli(project.root, "build")
    assert result.exit_code == 1
    assert "newsletters/2026-11-03-laut.md:2: subject: '!!!' reads as shouting and as spam" in (
        result.stderr
    )
    assert not (project.root / "site").exists() and not (project.root / "build").exists()
