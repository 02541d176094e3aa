"""Small newsletter projects for the newsletter tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from generator.core.settings import Project, load_project
from generator.newsletter.source import Newsletter, load_newsletter

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


def newsletter_source(
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
