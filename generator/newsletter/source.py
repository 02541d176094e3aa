"""Newsletter sources in ``newsletters/``: their front matter schema and loading."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.core.dates import in_zone
from generator.core.declare import key, schema_of
from generator.core.i18n import N_, _
from generator.core.problems import Problem, ProblemsFound
from generator.core.schema import email_address
from generator.core.settings import Project
from generator.core.sources import Document, SourceFile, load_document, read_source, read_sources

STATUSES = ("draft", "approved")
KINDS = ("newsletter", "service")


@dataclass(frozen=True, kw_only=True)
class FrontMatter:
    """The front matter of a newsletter, declared once (reference: docs/seiten/referenz/newsletter.md)."""

    subject: str = key(
        "Betreffzeile; darf Serienfelder enthalten ({{ member.first_name }}).",
        names_facts=True,
        label="Betreff",
    )
    preheader: str = key(
        "Vorschautext, den das Postfach nach dem Betreff zeigt.",
        label="Vorschautext",
        names_facts=True,
    )
    date: dt.date = key("Erscheinungstag (JJJJ-MM-TT); ordnet das Archiv.", label="Erscheinungstag")
    status: str = key(
        "draft: nur in der Vorschau; approved: freigegeben, im Archiv und versendbar.",
        choices=STATUSES,
        label="Status",
    )
    audience: str = key(
        "Zielgruppe aus der Mitgliederdatei (alle oder ein Segment aus members.segments).",
        default="alle",
        label="Zielgruppe",
    )
    other_audiences: tuple[str, ...] = key(
        "Segmente, die `send --audience` statt der Zielgruppe wählen darf (mit dem Newsletter "
        "freigegeben).",
        default=(),
        label="Weitere Zielgruppen",
    )
    send_at: dt.datetime | None = key(
        "Versandzeit: rundbrief send --due verschickt den freigegebenen Newsletter ab dann "
        "(JJJJ-MM-TT HH:MM, in der Zeitzone aus timezone, sonst mit +01:00 oder einer Zone "
        "wie Europe/Berlin dahinter). Ohne send_at wird er von Hand verschickt.",
        default=None,
        label="Versandzeit",
    )
    kind: str = key(
        "newsletter (braucht die Einwilligung) oder service (eine Mitteilung, die jedes "
        "betroffene Mitglied bekommt).",
        default="newsletter",
        choices=KINDS,
        label="Art",
    )
    from_name: str | None = key(
        "Absendername im Feld „Von“ (sonst newsletter.from_name aus rundbrief.yml).",
        default=None,
        label="Absendername",
    )
    reply_to: str | None = key(
        "Antwortadresse (sonst newsletter.reply_to aus rundbrief.yml).",
        default=None,
        check=email_address,
        label="Antwortadresse",
    )
    utm_campaign: str | None = key(
        "utm_campaign der Links auf eigene Domains (sonst der Dateiname ohne Datum).",
        default=None,
        label="Kampagnenname für Statistiken",
    )


FRONT_MATTER = schema_of(FrontMatter, N_("front matter"))


@dataclass(frozen=True, kw_only=True)
class Newsletter(FrontMatter):
    """A validated newsletter source: its front matter, its document and its slug."""

    document: Document
    slug: str
    utm_campaign: str

    @property
    def approved(self) -> bool:
        """Whether the founder approved it (archived on the site, may be sent)."""
        return self.status == "approved"

    def send_time(self, timezone: str) -> dt.datetime | None:
        """When it is to go out, in ``timezone`` (a ``send_at`` without zone was written there)."""
        return in_zone(self.send_at, timezone) if self.send_at is not None else None


FALLBACKS: dict[str, Any] = {
    "subject": "",
    "preheader": "",
    "date": dt.date.min,
    "status": "draft",
    "audience": "alle",
    "kind": "newsletter",
}
"""What a required key with a problem stands in for, so that the body is still checked."""


def _newsletter(document: Document) -> Newsletter:
    """The newsletter of a document; keys with problems fall back so the body is still checked."""
    slug = document.source.path.stem
    values = {
        name: (value or FALLBACKS[name]) if name in FALLBACKS else value
        for name, value in document.meta.items()
    }
    values["utm_campaign"] = values.get("utm_campaign") or slug
    values["other_audiences"] = tuple(values.get("other_audiences") or ())
    return Newsletter(document=document, slug=slug, **values)


def newsletter_sources(project: Project) -> tuple[list[SourceFile], list[Problem]]:
    """The files ``newsletters/*.md`` (sub-folders may hold notes or images, not newsletters)."""
    sources, problems = read_sources(project.newsletters_dir, project.root, "*.md")
    return [s for s in sources if s.path.parent == project.newsletters_dir], problems


def parse_newsletter(source: SourceFile) -> tuple[Newsletter | None, list[Problem]]:
    """Validate one newsletter source; with front-matter problems the body can still be checked."""
    document, problems = load_document(source, FRONT_MATTER)
    problems += name_problems(source.path.name, source.rel)
    return (_newsletter(document) if document is not None else None), problems


FILE_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*\.md")
"""``YYYY-MM-DD-slug.md``: the slug names the archive page, the build folder and the journal."""
MAX_NAME = 100


def name_problems(name: str, rel: str) -> list[Problem]:
    """The file name must be ``YYYY-MM-DD-slug.md`` with a real date and a lower-case slug."""
    match = FILE_NAME.fullmatch(name)
    try:
        valid = (
            match is not None
            and len(name) <= MAX_NAME
            and bool(dt.date.fromisoformat(match.group(1)))
        )
    except ValueError:
        valid = False
    if valid:
        return []
    return [
        Problem(
            rel,
            0,
            _(
                "file name must be YYYY-MM-DD-slug.md: a date, then lower-case letters, digits "
                "and hyphens (at most {count} characters), e.g. 2026-12-01-adventsaktion.md"
            ).format(count=MAX_NAME),
        )
    ]


def newsletter_source(project: Project, path: Path) -> SourceFile:
    """Read the newsletter file a command names; raise ProblemsFound if there is none."""
    path = path if path.is_absolute() else (project.root / path)
    path = path.resolve()
    if not path.is_file():
        raise ProblemsFound(
            [
                Problem(
                    str(path),
                    0,
                    _(
                        "newsletter file not found; check the path (e.g. "
                        "newsletters/2026-11-02-name.md)"
                    ),
                )
            ]
        )
    if path.parent != project.newsletters_dir.resolve():
        raise ProblemsFound(
            [
                Problem(
                    str(path),
                    0,
                    _(
                        "not a newsletter: the file must lie in newsletters/; name a file of "
                        "that folder"
                    ),
                )
            ]
        )
    source = read_source(path, project.root)
    if isinstance(source, Problem):
        raise ProblemsFound([source])
    return source
