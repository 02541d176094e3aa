"""What the theme shows from rundbrief's settings, and how archived newsletters rank in search.

The templates in ``overrides/`` read one value, ``config.extra.rundbrief``; a plain MkDocs
build of ``mkdocs.yml`` has none, and the templates then leave those parts out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from generator.core.activecontent import SITE_POLICY
from generator.core.facts import Facts
from generator.core.files import walk
from generator.core.i18n import _
from generator.core.problems import Problem
from generator.core.schema import https_url
from generator.core.settings import SETTINGS_FILE, Project
from generator.core.sources import read_source
from generator.site.index import page_path_url
from generator.site.stage import Page, StaticFile

OVERRIDES = "overrides"
"""The theme's own templates and files (``theme.custom_dir``), published as they are."""
ARCHIVE = "newsletter/"
FEED = "newsletter/feed.xml"
OG_IMAGE = "assets/logo.png"  # link previews show the logo (PNG: not every network takes SVG)
ARCHIVE_SEARCH_BOOST = 0.3
"""Archived newsletters repeat what articles say; the article is the answer, so it ranks first."""


def archived(pages: Iterable[Page]) -> list[Page]:
    """Rank the newsletter archive below the articles in the site search."""
    return [
        replace(page, meta={"search": {"boost": ARCHIVE_SEARCH_BOOST}, **page.meta})
        if page.path.startswith(ARCHIVE)
        else page
        for page in pages
    ]


def help_texts(project: Project, facts: Facts) -> tuple[dict[str, str], list[Problem]]:
    """The support hours, support address and banner text, their facts filled in.

    Like an article, a text names a fact that changes with the day it means; the banner of a
    changed debit day says both values correctly for as long as it is shown.
    """
    settings = project.settings
    help_site = settings.help_site
    texts = {
        "support_hours": help_site.support_hours or "",
        "support_email": help_site.support_email or settings.operator.email,
        "text": help_site.announcement.text if help_site.announcement else "",
    }
    filled, problems = {}, []
    for key, text in texts.items():
        filled[key], unresolved = facts.fill(text)
        if unresolved:
            line = _settings_line(project, key)
            prefix = f"help_site.{'announcement.' if key == 'text' else ''}{key}: "
            problems += [Problem(SETTINGS_FILE, line, prefix + item.message) for item in unresolved]
    return filled, problems


def check(project: Project, available: set[str], facts: Facts) -> list[Problem]:
    """The contact article and the announcement's link must exist; the facts its texts name too."""
    help_site = project.settings.help_site
    problems = help_texts(project, facts)[1]
    if help_site.contact_page and help_site.contact_page not in available:
        message = _("help_site.contact_page: no article {path} in content/")
        line = _settings_line(project, "contact_page")
        problems.append(Problem(SETTINGS_FILE, line, message.format(path=help_site.contact_page)))
    link = help_site.announcement.link if help_site.announcement else None
    if link and (https_url(link) if link.startswith("https://") else link not in available):
        message = _(
            "help_site.announcement.link: expected an article in content/ or an https URL, got '{link}'"
        )
        line = _settings_line(project, "link")
        problems.append(Problem(SETTINGS_FILE, line, message.format(link=link)))
    return problems


BUILDER_OUTPUTS = (
    "sitemap.xml",
    "sitemap.xml.gz",
    "search/",
    "assets/javascripts/",
    "assets/stylesheets/",
)
"""Where the site builder and the theme write their own files (scripts among them)."""


def own_files_problems(project: Project, files: Iterable[StaticFile]) -> list[Problem]:
    """The theme's files (``overrides/``) through the door, and no content file in their place.

    A file of ``content/`` at the path of one of the theme's or the builder's own files would
    replace it in ``site/`` without a word: ``content/assets/javascripts/hilfe.js`` the site's
    own script.
    """
    folder = project.root / OVERRIDES
    theme_files, problems = walk(project.root, folder)
    owned = {path.relative_to(folder).as_posix() for path in theme_files}
    for item in files:
        if item.source is not None and (
            item.path in owned or item.path.startswith(BUILDER_OUTPUTS)
        ):
            problems.append(
                Problem(
                    f"content/{item.path}",
                    0,
                    _("lies where the site writes its own file /{path}; rename or move it").format(
                        path=item.path
                    ),
                )
            )
    return problems


def _settings_line(project: Project, key: str) -> int:
    """The line of ``key`` inside the help_site block of rundbrief.yml (0 if not found)."""
    source = read_source(project.root / SETTINGS_FILE, project.root)
    lines = [] if isinstance(source, Problem) else source.text.splitlines()
    inside = False
    for number, line in enumerate(lines, start=1):
        if line.startswith("help_site:"):
            inside = True
        elif inside and line and not line[0].isspace() and not line.startswith("#"):
            break
        elif inside and line.strip().startswith(f"{key}:"):
            return number
    return 0


def site_extra(
    project: Project,
    pages: Iterable[Page],
    files: Iterable[StaticFile],
    facts: Facts,
    *,
    edit_links: bool,
    today: dt.date,
    csp: bool = True,
) -> dict[str, Any]:
    """``config.extra.rundbrief`` for the templates: support block, banner, feed, edit links."""
    settings = project.settings
    texts = help_texts(project, facts)[0]
    has_og_image = any(item.path == OG_IMAGE for item in files)
    help_site = settings.help_site
    paths = {page.path for page in pages}
    announcement = help_site.announcement
    banner = None
    if announcement is not None and today <= announcement.until:
        link = announcement.link
        banner = {
            "text": texts["text"],
            "url": page_path_url(link) if link and not link.startswith("https://") else link,
            "until": announcement.until.isoformat(),
        }
    return {
        "support": {
            "phone": settings.operator.phone,
            "phone_link": "tel:"
            + "".join(c for c in settings.operator.phone if c.isdigit() or c == "+"),
            "hours": texts["support_hours"],
            "email": texts["support_email"],
            "contact_url": page_path_url(help_site.contact_page)
            if help_site.contact_page
            else None,
        },
        "announcement": banner,
        "feedback_address": help_site.feedback_address,
        "feed": FEED if f"{ARCHIVE}index.md" in paths else None,
        "edit_links": edit_links,
        # (not in the preview: its live reload injects an inline script)
        "csp": SITE_POLICY if csp else None,
        "og_image": OG_IMAGE if has_og_image else None,
    }
