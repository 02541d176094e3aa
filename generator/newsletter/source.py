"""Newsletter sources in ``newsletters/``: their front matter schema and loading."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from generator.core.i18n import N_, _
from generator.core.problems import Problem, ProblemsFound
from generator.core.schema import Field, Schema, email_address
from generator.core.settings import Project
from generator.core.sources import Document, SourceFile, load_document, read_source, read_sources

NEWSLETTER = Schema(
    N_("front matter"),
    (
        Field("subject", "text", "Subject line; may hold merge fields.", required=True),
        Field("preheader", "text", "Preview text shown after the subject.", required=True),
        Field("date", "date", "Publication date; orders the archive.", required=True),
        Field(
            "status",
            "text",
            "draft: preview only; approved: archived and sendable.",
            required=True,
            choices=("draft", "approved"),
        ),
        Field("audience", "text", "Segment of the members file to send to.", default="alle"),
        Field(
            "other_audiences",
            "texts",
            "Segments `send --audience` may choose instead (approved with the newsletter).",
        ),
        Field(
            "kind",
            "text",
            "newsletter (needs consent) or service (a notice every affected member receives).",
            default="newsletter",
            choices=("newsletter", "service"),
        ),
        Field("from_name", "text", "Display name in From (default: settings)."),
        Field("reply_to", "text", "Reply-To address (default: settings).", check=email_address),
        Field("utm_campaign", "text", "utm_campaign of own-domain links (default: the slug)."),
    ),
)


@dataclass(frozen=True)
class Newsletter:
    """A validated newsletter source."""

    document: Document
    slug: str
    subject: str
    preheader: str
    date: dt.date
    status: str
    audience: str
    other_audiences: tuple[str, ...]
    kind: str
    from_name: str | None
    reply_to: str | None
    utm_campaign: str

    @property
    def approved(self) -> bool:
        """Whether the founder approved it (archived on the site, may be sent)."""
        return self.status == "approved"


def _newsletter(document: Document) -> Newsletter:
    """The newsletter of a document; keys with problems fall back so the body is still checked."""
    meta = document.meta
    slug = document.source.path.stem
    return Newsletter(
        document=document,
        slug=slug,
        subject=meta["subject"] or "",
        preheader=meta["preheader"] or "",
        date=meta["date"] or dt.date.min,
        status=meta["status"] or "draft",
        audience=meta["audience"] or "alle",
        other_audiences=tuple(meta.get("other_audiences") or ()),
        kind=meta["kind"] or "newsletter",
        from_name=meta.get("from_name"),
        reply_to=meta.get("reply_to"),
        utm_campaign=meta.get("utm_campaign") or slug,
    )


def newsletter_sources(project: Project) -> tuple[list[SourceFile], list[Problem]]:
    """The files ``newsletters/*.md`` (sub-folders may hold notes or images, not newsletters)."""
    sources, problems = read_sources(project.newsletters_dir, project.root, "*.md")
    return [s for s in sources if s.path.parent == project.newsletters_dir], problems


def parse_newsletter(source: SourceFile) -> tuple[Newsletter | None, list[Problem]]:
    """Validate one newsletter source; with front-matter problems the body can still be checked."""
    document, problems = load_document(source, NEWSLETTER)
    return (_newsletter(document) if document is not None else None), problems


def newest_first(newsletters: list[Newsletter]) -> list[Newsletter]:
    """Sorted by date, the newest first."""
    return sorted(newsletters, key=lambda item: (item.date, item.slug), reverse=True)


def newsletter_source(project: Project, path: Path) -> SourceFile:
    """Read the newsletter file a command names; raise ProblemsFound if there is none."""
    path = path if path.is_absolute() else (project.root / path)
    path = path.resolve()
    if not path.is_file():
        raise ProblemsFound([Problem(str(path), 0, _("newsletter file not found"))])
    if path.parent != project.newsletters_dir.resolve():
        raise ProblemsFound(
            [Problem(str(path), 0, _("not a newsletter: the file must lie in newsletters/"))]
        )
    source = read_source(path, project.root)
    if isinstance(source, Problem):
        raise ProblemsFound([source])
    return source
