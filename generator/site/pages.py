"""Help articles as pages of the staged tree, and the check of every relative link."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Iterable, Mapping

from generator.core.dates import german_date
from generator.core.i18n import _
from generator.core.links import find_links, resolve
from generator.core.problems import Problem
from generator.site.articles import PASSED_THROUGH
from generator.site.index import SiteIndex
from generator.site.stage import Page, StaticFile


def staged_pages(
    index: SiteIndex, *, drafts: bool, revision_dates: Mapping[str, dt.date]
) -> list[Page]:
    """The articles as pages of the staged docs tree; drafts only in preview."""
    pages = []
    for article in index.articles:
        if article.draft and not drafts:
            continue
        document = article.document
        meta = document.meta if document is not None else {}
        order = meta.get("order")
        changed = revision_dates.get(article.rel)
        # revision_date: shown under the article; lastmod: the sitemap's ISO date.
        extra = (
            {"revision_date": german_date(changed), "lastmod": changed.isoformat()}
            if changed
            else {}
        )
        pages.append(
            Page(
                path=article.path,
                title=article.title,
                body=document.body if document is not None else "",
                meta={
                    "title": article.title,
                    "description": meta.get("description") or "",
                    "tags": meta.get("tags") or [],
                    **{key: meta[key] for key in PASSED_THROUGH if meta.get(key)},
                    **extra,
                },
                order=order if isinstance(order, int) else 100,
                source=article.rel,
                body_line=document.body_line if document is not None else 1,
            )
        )
    return pages


def staged_files(index: SiteIndex) -> list[StaticFile]:
    """The assets of ``content/`` as files of the staged tree."""
    return [StaticFile(asset.path, asset.file) for asset in index.assets]


def check_links(pages: Iterable[Page], available: set[str], drafts: Iterable[str]) -> list[Problem]:
    """Every relative link and image of the staged pages must point to a staged file."""
    hidden = set(drafts)
    problems = []
    for page in pages:
        if page.source is None:
            continue
        for link in find_links(page.body, page.body_line):
            if not link.is_relative:
                continue
            target = resolve(page.path, link.target)
            if target in hidden:
                message = (
                    _("image to a draft: {target}")
                    if link.is_image
                    else _("link to a draft: {target}")
                )
            elif target not in available and posixpath.join(target, "index.md") not in available:
                message = (
                    _("broken image: {target} does not exist")
                    if link.is_image
                    else _("broken link: {target} does not exist")
                )
            else:
                continue
            problems.append(Problem(page.source, link.line, message.format(target=link.target)))
    return problems


def section_problems(pages: Iterable[Page]) -> list[Problem]:
    """A folder of pages needs an ``index.md``: it names the section in the navigation."""
    pages = list(pages)
    paths = {page.path for page in pages}
    problems = []
    reported: set[str] = set()
    for page in pages:
        if page.source is None or not page.source.startswith("content/"):
            continue
        folder = posixpath.dirname(page.path)
        while folder and folder not in reported:
            if posixpath.join(folder, "index.md") not in paths:
                reported.add(folder)
                problems.append(
                    Problem(
                        f"content/{folder}",
                        0,
                        _(
                            "section folder without index.md: add content/{folder}/index.md "
                            "with the section's title"
                        ).format(folder=folder),
                    )
                )
            folder = posixpath.dirname(folder)
    return problems


_DOC = re.compile(
    r"^Doc file '(?P<doc>[^']+)' contains (?:a|an \w+) (?:relative )?link '(?P<link>[^']*)'"
)
_ANCHOR = re.compile(r"the doc '(?P<target>[^']+)' does not contain an anchor '#(?P<anchor>[^']+)'")
_NOT_FOUND = re.compile(r"but the target (?:'[^']*' )?is not found among documentation files")


def builder_problems(
    messages: Iterable[str | Problem], pages: Iterable[Page], config: str
) -> list[Problem]:
    """The site builder's warnings as problems at the source file and line they come from.

    A broken link was reported by ``check_links`` already (with its line); the builder's
    own copy of it is dropped. Warnings that name no page stay with ``config``; a theme
    template's error comes with its own file and line.
    """
    by_path = {page.path: page for page in pages}
    problems = []
    for message in messages:
        if isinstance(message, Problem):
            problems.append(message)
            continue
        match = _DOC.match(message)
        page = by_path.get(match.group("doc")) if match else None
        if match is None or page is None or page.source is None:
            problems.append(
                Problem(config, 0, _("site builder: {message}").format(message=message))
            )
            continue
        if _NOT_FOUND.search(message):
            continue
        link = match.group("link")
        line = _line_of(page, link)
        anchor = _ANCHOR.search(message)
        if anchor:
            text = _(
                "link to a missing anchor: {link} ('{target}' has no heading '#{anchor}')"
            ).format(link=link, target=anchor.group("target"), anchor=anchor.group("anchor"))
        elif "there is no such anchor on this page" in message:
            text = _("link to a missing anchor on this page: {link}").format(link=link)
        else:
            text = _("site builder: {message}").format(message=message.split(" contains ", 1)[1])
        problems.append(Problem(page.source, line, text))
    return problems


def _line_of(page: Page, link: str) -> int:
    """The file line of the first link to ``link`` in the page (its first body line otherwise)."""
    for found in find_links(page.body, page.body_line):
        if found.target == link:
            return found.line
    return page.body_line
