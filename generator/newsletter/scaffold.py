"""``rundbrief new newsletter``: a new newsletter source with valid front matter."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from generator.core.i18n import _
from generator.core.problems import Problem, UsageError
from generator.core.settings import Project
from generator.core.slugs import slugify
from generator.newsletter.source import Newsletter

PREHEADER = "Ein Satz, der im Posteingang nach dem Betreff erscheint (20 bis 140 Zeichen)."
BODY = "hier steht Ihr Text."
EXAMPLE_LINK = "[SEPA-Lastschrift](../content/zahlungen/sepa-lastschrift.md)"
PLACEHOLDERS = (PREHEADER, BODY, "Links auf Hilfeartikel schreiben Sie mit ihrem Pfad")
"""Texts of the scaffold that must be replaced before members read them."""


def placeholder_problems(newsletter: Newsletter) -> list[Problem]:
    """An approved newsletter that still holds a text of ``rundbrief new``: an error at its line.

    A draft may hold them while it is written; once approved it would reach every member.
    """
    if not newsletter.approved:
        return []
    document = newsletter.document
    lines = [(document.line_of("preheader"), newsletter.preheader)]
    lines += [
        (document.body_line + offset, line) for offset, line in enumerate(document.body.split("\n"))
    ]
    return [
        Problem(
            document.rel,
            line,
            _(
                "'{text}' is a placeholder of 'rundbrief new': replace it with your own text "
                "before the newsletter is approved"
            ).format(text=placeholder),
        )
        for line, text in lines
        for placeholder in PLACEHOLDERS
        if placeholder in text
    ]


def new_newsletter(project: Project, title: str, day: dt.date) -> Path:
    """Write ``newsletters/YYYY-MM-DD-slug.md`` as a draft; never overwrite an existing file."""
    slug = slugify(title)
    if not title.strip() or not slug:
        raise UsageError(
            _(
                "the title needs at least one letter or digit; write the title in "
                'quotes, e.g. "Neue App-Funktionen"'
            )
        )
    path = project.newsletters_dir / f"{day.isoformat()}-{slug}.md"
    if path.exists():
        raise UsageError(
            _(
                "{path} already exists; not overwritten: choose another title, or open "
                "the existing file"
            ).format(path=path.relative_to(project.root).as_posix())
        )
    text = (
        "---\n"
        f"subject: {json.dumps(title.strip(), ensure_ascii=False)}\n"
        f"preheader: {json.dumps(PREHEADER, ensure_ascii=False)}\n"
        f"date: {day.isoformat()}\n"
        "status: draft\n"
        "audience: alle\n"
        "---\n"
        "Hallo {{ member.first_name }},\n\n"
        f"{BODY} {PLACEHOLDERS[2]}, zum Beispiel\n"
        f"{EXAMPLE_LINK}.\n\n"
        f"Ihr Team von {project.settings.platform_name}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as stream:  # 'x': a file created meanwhile is kept
        stream.write(text)
    return path
