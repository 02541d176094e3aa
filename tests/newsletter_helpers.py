"""Small newsletter projects for the newsletter tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generator.core.facts import load_facts
from generator.core.problems import raise_if_errors
from generator.core.settings import Project, load_project
from generator.newsletter import render as newsletter_render
from generator.newsletter.archive import email_outputs, stage_newsletters
from generator.newsletter.email import RenderedEmail, render_email
from generator.newsletter.facts import with_facts
from generator.newsletter.render import Checked, check_newsletter, check_newsletters
from generator.newsletter.source import Newsletter, newsletter_source, parse_newsletter
from generator.site.index import SiteIndex, read_site
from generator.site.stage import Page, StaticFile

ARTICLE = """---
title: SEPA-Lastschrift
description: So funktioniert der Einzug Ihres Beitrags per SEPA-Lastschrift.
---
Text.
"""

INDEX = """---
title: Zahlungen
description: Alles rund um Beiträge, Auszahlungen und Rechnungen.
---
Text.
"""


def newsletter_text(
    body: str = "Hallo {{ member.first_name }},\n\nschön, dass Sie da sind.\n",
    *,
    subject: str = "Neuigkeiten aus dem Mitgliederwerk",
    preheader: str = "Was sich in diesem Monat bei uns getan hat, kurz für Sie",
    status: str = "approved",
    extra: str = "",
) -> str:
    """A newsletter file; the body starts on line 8 (7 with no extra front matter lines)."""
    return (
        "---\n"
        f"subject: {subject}\n"
        f"preheader: {preheader}\n"
        "date: 2026-11-02\n"
        f"status: {status}\n"
        f"audience: alle\n{extra}"
        "---\n"
        f"{body}"
    )


def project_with(
    make_project: Callable[[dict[str, str | bytes]], Path], newsletters: dict[str, str]
) -> Project:
    """A minimal project with two help articles, an image and the given newsletters (name → text)."""
    files: dict[str, str | bytes] = {
        "content/index.md": INDEX.replace("Zahlungen", "Hilfe"),
        "content/zahlungen/index.md": INDEX,
        "content/zahlungen/sepa-lastschrift.md": ARTICLE,
        "content/assets/bild.png": b"\x89PNG placeholder: only its existence is checked",
    }
    files.update({f"newsletters/{name}": text for name, text in newsletters.items()})
    return load_project(make_project(files))


def one_newsletter(
    make_project: Callable[[dict[str, str | bytes]], Path], text: str
) -> tuple[Project, Newsletter]:
    """A project holding one newsletter ``newsletters/2026-11-02-test.md``, and that newsletter."""
    project = project_with(make_project, {"2026-11-02-test.md": text})
    return project, load_newsletter(project, project.newsletters_dir / "2026-11-02-test.md")


def load_newsletter(project: Project, path: Path) -> Newsletter:
    """The newsletter at ``path``, its front matter valid (raises ProblemsFound otherwise)."""
    newsletter, problems = parse_newsletter(newsletter_source(project, path))
    raise_if_errors(problems)
    assert newsletter is not None
    return newsletter


def site_index(project: Project) -> SiteIndex:
    """The project's site index, read once."""
    return read_site(project)[0]


def render(project: Project, newsletter: Newsletter) -> RenderedEmail:
    """The rendered email, facts filled in first as the checked render does; raises on errors."""
    newsletter, problems = with_facts(newsletter, load_facts(project))
    email, found = render_email(project, site_index(project), newsletter)
    raise_if_errors(problems + found)
    return email


def checked(project: Project, name: str = "2026-11-02-test.md") -> Checked:
    """The one checked render of ``newsletters/<name>``."""
    source = newsletter_source(project, project.newsletters_dir / name)
    return check_newsletter(project, site_index(project), source)


def staged(project: Project) -> tuple[list[Page], list[StaticFile], list[StaticFile]]:
    """Archive pages, archive files and build outputs of every newsletter."""
    index = site_index(project)
    items, _unreadable = check_newsletters(project, index)
    pages, files = stage_newsletters(project, index, items)
    return pages, files, email_outputs(project, items)


def count_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The slugs of the newsletters rendered from now on (what the cache did not have), in order."""
    rendered: list[str] = []
    real = newsletter_render.render_email

    def counting(project, index, newsletter):
        rendered.append(newsletter.slug)
        return real(project, index, newsletter)

    monkeypatch.setattr(newsletter_render, "render_email", counting)
    return rendered
