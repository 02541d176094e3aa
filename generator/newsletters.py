"""Newsletter sources in ``newsletters/``: their front matter schema and loading."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from generator.config import Project, _email_address
from generator.problems import Problem, ProblemsFound
from generator.schema import Field, Schema
from generator.sources import Document, load_document, read_source, read_sources

NEWSLETTER = Schema(
    "front matter",
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
        Field("from_name", "text", "Display name in From (default: settings)."),
        Field("reply_to", "text", "Reply-To address (default: settings).", check=_email_address),
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
    from_name: str | None
    reply_to: str | None
    utm_campaign: str

    @property
    def approved(self) -> bool:
        """Whether the founder approved it (archived on the site, may be sent)."""
        return self.status == "approved"


def _newsletter(document: Document) -> Newsletter:
    meta = document.meta
    slug = document.source.path.stem
    return Newsletter(
        document=document,
        slug=slug,
        subject=meta["subject"],
        preheader=meta["preheader"],
        date=meta["date"],
        status=meta["status"],
        audience=meta["audience"],
        from_name=meta.get("from_name"),
        reply_to=meta.get("reply_to"),
        utm_campaign=meta.get("utm_campaign") or slug,
    )


def load_newsletters(project: Project) -> tuple[list[Newsletter], list[Problem]]:
    """Read and validate every ``newsletters/*.md``, newest first."""
    sources, problems = read_sources(project.newsletters_dir, project.root, "*.md")
    newsletters = []
    for source in sources:
        if source.path.parent != project.newsletters_dir:
            continue  # sub-folders may hold notes or images, not newsletters
        document, found = load_document(source, NEWSLETTER)
        problems.extend(found)
        if document is not None:
            newsletters.append(_newsletter(document))
    newsletters.sort(key=lambda item: (item.date, item.slug), reverse=True)
    return newsletters, problems


def load_newsletter(project: Project, path: Path) -> Newsletter:
    """Read and validate one newsletter file; raise ProblemsFound if it is wrong."""
    path = path if path.is_absolute() else (project.root / path)
    path = path.resolve()
    if not path.is_file():
        raise ProblemsFound([Problem(str(path), 0, "newsletter file not found")])
    if not path.is_relative_to(project.root):
        raise ProblemsFound([Problem(str(path), 0, "newsletter file is outside the project")])
    source = read_source(path, project.root)
    if isinstance(source, Problem):
        raise ProblemsFound([source])
    document, problems = load_document(source, NEWSLETTER)
    if document is None:
        raise ProblemsFound(problems)
    return _newsletter(document)
