"""``rundbrief new artikel``: a new help article with valid front matter, as a draft."""

from __future__ import annotations

import json
from pathlib import Path

from generator.core.i18n import _
from generator.core.problems import UsageError
from generator.core.settings import Project
from generator.core.slugs import slugify

DESCRIPTION = "Ein Satz, der in den Suchergebnissen unter dem Titel steht (20 bis 200 Zeichen)."
BODY = "Hier steht die Antwort. Beginnen Sie mit dem, was das Mitglied tun kann."


def sections(project: Project) -> list[str]:
    """The sections of the help site: folders of ``content/`` with an ``index.md``."""
    return sorted(path.parent.name for path in project.content_dir.glob("*/index.md"))


def new_article(project: Project, title: str, section: str) -> Path:
    """Write ``content/<section>/<slug>.md`` as a draft; never overwrite an existing file."""
    known = sections(project)
    if section not in known:
        raise UsageError(
            _(
                "there is no section '{section}'; known: {known}; choose one of them with --bereich"
            ).format(section=section, known=", ".join(known))
        )
    slug = slugify(title)
    if not title.strip() or not slug:
        raise UsageError(
            _(
                "the title needs at least one letter or digit; write the title in "
                'quotes, e.g. "Neue App-Funktionen"'
            )
        )
    path = project.content_dir / section / f"{slug}.md"
    if path.exists():
        raise UsageError(
            _(
                "{path} already exists; not overwritten: choose another title, or open "
                "the existing file"
            ).format(path=path.relative_to(project.root).as_posix())
        )
    text = (
        "---\n"
        f"title: {json.dumps(title.strip(), ensure_ascii=False)}\n"
        f"description: {json.dumps(DESCRIPTION, ensure_ascii=False)}\n"
        "draft: true\n"
        "---\n"
        f"{BODY}\n"
    )
    with path.open("x", encoding="utf-8") as stream:  # 'x': a file created meanwhile is kept
        stream.write(text)
    return path
