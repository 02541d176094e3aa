"""The text a member reads on a built page, and a word-level diff of two such texts.

The review compares what the site shows, not the Markdown: a changed link target or a
reordered front matter is no change to a reader, a changed fact included from elsewhere is.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal

from generator.site.index import page_path_url

BLOCKS = frozenset(
    "p h1 h2 h3 h4 h5 h6 li dt dd tr pre blockquote figcaption summary table div nav".split()
)
"""Elements that start a new line of text."""
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
SKIPPED_TAGS = frozenset(("script", "style", "svg", "template"))
SKIPPED_CLASSES = frozenset(
    ("headerlink", "md-content__button", "md-source-file", "hilfe-verwandt", "hilfe-hilfreich")
)
"""Permalink signs, the edit button, the last-changed date (it moves with every commit), and
the related articles and "War dieser Artikel hilfreich?" (computed: one new article would
otherwise show as a change on every page that now lists it)."""
CONTEXT = 12
"""Unchanged words kept on each side of a change; longer unchanged stretches become "…"."""


class _ArticleText(HTMLParser):
    """Collects the visible text of ``<article>``, one line per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # open elements inside <article>; 0: outside
        self.skip = 0  # depth at which a skipped element started; 0: not skipping
        self.lines: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if not self.depth:
            if tag == "article":
                self.depth = 1
            return
        if tag == "img" and not self.skip and attributes.get("alt"):
            self.current.append(f"[Bild: {attributes['alt']}]")
        if tag in VOID:
            if tag == "br":
                self._break()
            return
        self.depth += 1
        classes = set((attributes.get("class") or "").split())
        if not self.skip and (tag in SKIPPED_TAGS or classes & SKIPPED_CLASSES):
            self.skip = self.depth
        if tag in BLOCKS:
            self._break()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:  # <div/> and the like: opened and closed at once
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)
        else:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.depth or tag in VOID:
            return
        if tag == "article":  # whatever was left open inside, the article ends here
            self._break()
            self.depth = self.skip = 0
            return
        if tag in BLOCKS:
            self._break()
        if self.skip == self.depth:
            self.skip = 0
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip:
            self.current.append(data)

    def _break(self) -> None:
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []


def page_text(site_dir: Path, docs_path: str) -> str | None:
    """The text of the page built from ``docs_path`` (one line per paragraph); None if absent."""
    file = site_dir / page_path_url(docs_path) / "index.html"
    try:
        html = file.read_text(encoding="utf-8")
    except OSError:
        return None
    parser = _ArticleText()
    parser.feed(html)
    parser.close()
    parser._break()
    return "\n".join(parser.lines)


@dataclass(frozen=True)
class Segment:
    """A run of words that is the same on both sides, added, removed, or left out ("…")."""

    kind: Literal["same", "added", "removed", "gap"]
    text: str


def _tokens(text: str) -> list[str]:
    return re.findall(r"\n|[^\s]+", text)


def _join(tokens: list[str]) -> str:
    return " ".join(tokens).replace(" \n ", "\n").replace("\n ", "\n").replace(" \n", "\n")


def word_diff(old: str, new: str, context: int = CONTEXT) -> tuple[Segment, ...]:
    """The words removed from ``old`` and added in ``new``, with a little unchanged context."""
    a, b = _tokens(old), _tokens(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    segments: list[Segment] = []
    opcodes = matcher.get_opcodes()
    for number, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            same = a[i1:i2]
            first, last = number == 0, number == len(opcodes) - 1
            head = [] if first else same[:context]
            tail = [] if last else same[-context:]
            if len(same) <= len(head) + len(tail) + 1:
                segments.append(Segment("same", _join(same)))
                continue
            if head:
                segments.append(Segment("same", _join(head)))
            segments.append(Segment("gap", "…"))
            if tail:
                segments.append(Segment("same", _join(tail)))
            continue
        if i2 > i1:
            segments.append(Segment("removed", _join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("added", _join(b[j1:j2])))
    return tuple(segments)


def changed_words(segments: tuple[Segment, ...]) -> tuple[list[str], list[str]]:
    """The words removed and the words added (for summaries and tests)."""
    removed = [w for s in segments if s.kind == "removed" for w in s.text.split()]
    added = [w for s in segments if s.kind == "added" for w in s.text.split()]
    return removed, added
