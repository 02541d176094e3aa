"""Help articles in ``content/``: their schema, loading and link checks."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.core.gitinfo import german_date
from generator.core.i18n import _
from generator.core.links import find_links, resolve
from generator.core.problems import Problem
from generator.core.schema import Field, Schema
from generator.core.settings import Project
from generator.core.sources import Document, load_document, read_sources
from generator.site.stage import Page, StaticFile


def _description_length(value: str) -> str | None:
    if not 20 <= len(value) <= 200:
        return f"expected 20 to 200 characters, got {len(value)}"
    return None


HIDE = ("navigation", "toc", "path", "footer", "tags", "feedback")

PAGE_SEARCH = Schema(
    "search",
    (
        Field(
            "exclude", "boolean", "true: the page is not found by the site search.", default=False
        ),
        Field(
            "boost",
            "number",
            "Rank factor in search results (default 1; archived newsletters get less).",
            default=1,
        ),
    ),
)


def hide_values(values: list[str]) -> str | None:
    """Check: only parts of the layout that Material can hide."""
    unknown = [value for value in values if value not in HIDE]
    if unknown:
        return _("expected some of {allowed}, got '{value}'").format(
            allowed=", ".join(HIDE), value=unknown[0]
        )
    return None


HELP_PAGE = Schema(
    "front matter",
    (
        Field(
            "title",
            "text",
            "Page title, shown as the heading and in the navigation.",
            required=True,
        ),
        Field(
            "description",
            "text",
            "One sentence for search results and link previews.",
            required=True,
            check=_description_length,
        ),
        Field("tags", "texts", "Keywords; each gets a page listing its articles.", default=[]),
        Field(
            "order",
            "integer",
            "Position in its section (an index page: the section's position).",
            default=100,
        ),
        Field(
            "draft", "boolean", "true: shown in preview, absent from the built site.", default=False
        ),
        Field(
            "keywords",
            "texts",
            "Words members search for that the text may not use (synonyms, everyday terms).",
            default=[],
        ),
        Field(
            "hide",
            "texts",
            "Parts of the page layout to hide (Material: navigation, toc, path, footer, tags).",
            default=[],
            check=hide_values,
        ),
        Field(
            "search",
            "mapping",
            "Search options (Material): exclude the page, or boost its rank.",
            schema=PAGE_SEARCH,
        ),
    ),
)

# Front matter that goes to the site builder as it is, when the article sets it.
PASSED_THROUGH = ("keywords", "hide", "search")


@dataclass(frozen=True)
class HelpPage:
    """A help article: its validated document and its path inside the site."""

    document: Document
    path: str

    @property
    def draft(self) -> bool:
        """Whether the article is still a draft."""
        return bool(self.document.meta["draft"])


@dataclass(frozen=True)
class HelpContent:
    """Everything ``content/`` holds: articles and the files they use."""

    pages: tuple[HelpPage, ...]
    files: tuple[StaticFile, ...]


def load_help_content(project: Project) -> tuple[HelpContent, list[Problem]]:
    """Read and validate every article; other files (images, downloads) are carried along."""
    folder = project.content_dir
    sources, problems = read_sources(folder, project.root, "*.md")
    pages: list[HelpPage] = []
    for source in sources:
        document, found = load_document(source, HELP_PAGE)
        problems.extend(found)
        if document is not None:
            pages.append(HelpPage(document, source.path.relative_to(folder).as_posix()))
    files = [
        StaticFile(path.relative_to(folder).as_posix(), path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix != ".md" and not _hidden(path.relative_to(folder))
    ]
    return HelpContent(tuple(pages), tuple(files)), problems


def _hidden(path: Path) -> bool:
    return any(part.startswith(".") for part in path.parts)


def staged_pages(
    content: HelpContent, *, drafts: bool, revision_dates: Mapping[str, dt.date]
) -> list[Page]:
    """The articles as pages of the staged docs tree; drafts only in preview."""
    pages = []
    for page in content.pages:
        if page.draft and not drafts:
            continue
        meta = page.document.meta
        changed = revision_dates.get(page.document.rel)
        # revision_date: shown under the article; lastmod: the sitemap's ISO date.
        extra = (
            {"revision_date": german_date(changed), "lastmod": changed.isoformat()}
            if changed
            else {}
        )
        pages.append(
            Page(
                path=page.path,
                title=meta["title"],
                body=page.document.body,
                meta={
                    "title": meta["title"],
                    "description": meta["description"],
                    "tags": meta["tags"],
                    **{key: meta[key] for key in PASSED_THROUGH if meta.get(key)},
                    **extra,
                },
                order=meta["order"],
                source=page.document.rel,
                body_line=page.document.body_line,
            )
        )
    return pages


def check_links(pages: Iterable[Page], available: set[str], drafts: set[str]) -> list[Problem]:
    """Every relative link and image of the staged pages must point to a staged file."""
    problems = []
    for page in pages:
        if page.source is None:
            continue
        for link in find_links(page.body, page.body_line):
            if not link.is_relative:
                continue
            target = resolve(page.path, link.target)
            what = "image" if link.is_image else "link"
            if target in drafts:
                problems.append(
                    Problem(page.source, link.line, f"{what} to a draft: {link.target}")
                )
            elif target not in available and posixpath.join(target, "index.md") not in available:
                problems.append(
                    Problem(page.source, link.line, f"broken {what}: {link.target} does not exist")
                )
    return problems


def draft_paths(content: HelpContent) -> set[str]:
    """Site paths of the articles that are drafts."""
    return {page.path for page in content.pages if page.draft}
