"""Related articles under every help article, computed when the tree is staged.

Two articles are related by what their writer already said about them: shared tags weigh
most, then the same section, then shared words of their titles and ``keywords:``. Section
overviews, the start page and generated pages (newsletter archive, Werbemittel) are never
listed; each article gets its best few, in order, as ``related`` in its page meta for the
theme (``overrides/partials/hilfe-verwandt.html``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import replace

from generator.site.index import page_path_url
from generator.site.stage import Page

SHOWN = 3
TAG, SECTION, TERM = 3.0, 2.0, 1.0
WORD = re.compile(r"[^\W\d_]{4,}")


def _terms(page: Page) -> set[str]:
    """Lower-case words (4 letters or more) of the title and the keywords."""
    text = " ".join([page.title, *map(str, page.meta.get("keywords") or [])])
    return {word.lower() for word in WORD.findall(text)}


def _listable(page: Page) -> bool:
    name = posixpath.basename(page.path)
    return page.source is not None and name != "index.md" and not page.meta.get("generated")


def with_related(pages: Iterable[Page]) -> list[Page]:
    """``pages`` with ``related`` (title and site path of up to three articles) on each article."""
    pages = list(pages)
    candidates = [page for page in pages if _listable(page)]
    facts = {
        page.path: (
            set(page.meta.get("tags") or []),
            posixpath.dirname(page.path),
            _terms(page),
        )
        for page in candidates
    }
    result = []
    for page in pages:
        if page.path not in facts:
            result.append(page)
            continue
        tags, section, terms = facts[page.path]
        scored = []
        for other in candidates:
            if other.path == page.path:
                continue
            other_tags, other_section, other_terms = facts[other.path]
            score = (
                TAG * len(tags & other_tags)
                + SECTION * (section == other_section)
                + TERM * len(terms & other_terms)
            )
            if score > 0:
                scored.append((-score, other.order, other.title, other))
        scored.sort(key=lambda item: item[:3])
        related = [
            {"title": other.title, "url": page_path_url(other.path)} for *_, other in scored[:SHOWN]
        ]
        result.append(replace(page, meta={**page.meta, "related": related}) if related else page)
    return result
