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
from typing import Any

import numpy as np

from generator.site.index import page_path_url
from generator.site.stage import Page

SHOWN = 3
WEIGHTS = {"tag": 3, "section": 2, "term": 1}
WORD = re.compile(r"[^\W\d_]{4,}")


def _terms(page: Page) -> set[str]:
    """Lower-case words (4 letters or more) of the title and the keywords."""
    text = " ".join([page.title, *map(str, page.meta.get("keywords") or [])])
    return {word.lower() for word in WORD.findall(text)}


def _listable(page: Page) -> bool:
    name = posixpath.basename(page.path)
    return page.source is not None and name != "index.md" and not page.meta.get("generated")


def with_related(pages: Iterable[Page]) -> list[Page]:
    """``pages`` with ``related`` (title and site path of up to three articles) on each article.

    Best first; equal scores by order, then title. Each article's scores against all others
    are added up feature by feature (each tag, the section, each word: the articles holding
    it), as arrays: scoring every pair in Python took 0.8 s of a 1,000-page build.
    """
    pages = list(pages)
    candidates = [page for page in pages if _listable(page)]
    count = len(candidates)
    if count < 2:
        return pages
    ranked = sorted(range(count), key=lambda i: (candidates[i].order, candidates[i].title))
    tie = np.empty(count, dtype=np.int64)
    tie[ranked] = np.arange(count - 1, -1, -1)  # the first in order gets the highest
    features = {  # an article's path -> what it holds (two articles at one path: a problem)
        page.path: [
            *(("tag", tag) for tag in set(page.meta.get("tags") or [])),
            ("section", posixpath.dirname(page.path)),
            *(("term", term) for term in _terms(page)),
        ]
        for page in candidates
    }
    holders: dict[tuple[str, Any], list[int]] = {}
    same_path: dict[str, list[int]] = {}
    for number, page in enumerate(candidates):
        for feature in features[page.path]:
            holders.setdefault(feature, []).append(number)
        same_path.setdefault(page.path, []).append(number)
    arrays = {feature: np.array(numbers) for feature, numbers in holders.items()}
    result = []
    for page in pages:
        if page.path not in features:
            result.append(page)
            continue
        score = np.zeros(count, dtype=np.int64)
        for feature in features[page.path]:
            score[arrays[feature]] += WEIGHTS[feature[0]]
        score[same_path[page.path]] = 0
        # One number per article: the score first, then the place in order.
        key = np.where(score > 0, score * count + tie, -1)
        best = np.argpartition(-key, SHOWN)[:SHOWN] if count > SHOWN else np.arange(count)
        best = best[np.argsort(-key[best])]  # (keys above zero differ: no ties to break)
        related = [
            {"title": candidates[i].title, "url": page_path_url(candidates[i].path)}
            for i in best
            if key[i] >= 0
        ]
        result.append(replace(page, meta={**page.meta, "related": related}) if related else page)
    return result
