"""``rundbrief new newsletter``: a new newsletter source with valid front matter."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from generator.core.i18n import _
from generator.core.problems import UsageError
from generator.core.settings import Project

_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)


def slugify(title: str) -> str:
    """A file-name slug in German spelling: 'Grüße für Sie' → 'gruesse-fuer-sie'."""
    text = title.translate(_GERMAN).lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:60].rstrip("-")


def new_newsletter(project: Project, title: str, day: dt.date) -> Path:
    """Write ``newsletters/YYYY-MM-DD-slug.md`` as a draft; never overwrite an existing file."""
    slug = slugify(title)
    if not title.strip() or not slug:
        raise UsageError(_("the title needs at least one letter or digit"))
    path = project.newsletters_dir / f"{day.isoformat()}-{slug}.md"
    if path.exists():
        raise UsageError(
            _("{path} already exists; not overwritten").format(
                path=path.relative_to(project.root).as_posix()
            )
        )
    text = (
        "---\n"
        f"subject: {json.dumps(title.strip(), ensure_ascii=False)}\n"
        'preheader: "Ein Satz, der im Posteingang nach dem Betreff erscheint (20 bis 140 Zeichen)."\n'
        f"date: {day.isoformat()}\n"
        "status: draft\n"
        "audience: alle\n"
        "---\n"
        "Hallo {{ member.first_name }},\n\n"
        "hier steht Ihr Text. Links auf Hilfeartikel schreiben Sie mit ihrem Pfad, zum Beispiel\n"
        "[SEPA-Lastschrift](../content/zahlungen/sepa-lastschrift.md).\n\n"
        f"Ihr Team von {project.settings.platform_name}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as stream:  # 'x': a file created meanwhile is kept
        stream.write(text)
    return path
