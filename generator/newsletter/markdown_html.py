"""Markdown to email HTML: links rewritten, blocks made email-safe, the tree kept for text."""

from __future__ import annotations

import copy
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from generator.newsletter import blocks, merge
from generator.newsletter.blocks import PERSONAL, Note

EXTENSIONS = ["attr_list", "tables", "sane_lists", "fenced_code", "footnotes"]
EXTENSION_CONFIGS = {
    "footnotes": {
        "BACKLINK_TEXT": "↑",
        "BACKLINK_TITLE": "Zurück zur Stelle im Text",
        "SEPARATOR": "-",
    }
}

Rewrite = Callable[[str], str]
ImageSize = Callable[[str], "tuple[int, int] | None"]


@dataclass(frozen=True)
class Converted:
    """The body as HTML for the layout, as an element tree for the text part, and its notes."""

    html: str
    tree: etree.Element
    stash: tuple[str, ...]
    plain: dict[str, str]
    """Link targets of the HTML (UTM added) → the same targets without the newsletter's UTM."""
    notes: tuple[Note, ...] = ()


class _ListIndent(Preprocessor):
    """Sub-lists indented by two or three spaces are nested, as in CommonMark and most editors.

    Python-Markdown nests a list only at four spaces per level; written with two, the sub-items
    would silently join the outer list. An item is nested when it starts at least where the
    text of the item above starts; it is re-indented to four spaces per level (lines stay
    lines, so line numbers do not move).
    """

    MARKER = re.compile(r"( *)([-*+]|\d{1,9}[.)])( +|$)")

    def run(self, lines: list[str]) -> list[str]:
        out = []
        stack: list[tuple[int, int]] = []  # (column where the item's text starts, depth)
        blank = True
        for line in lines:
            if not line.strip():
                out.append(line)
                blank = True
                continue
            indent = len(line) - len(line.lstrip(" "))
            marker = self.MARKER.match(line)
            if marker and (stack or indent < 4):
                while stack and indent < stack[-1][0]:
                    stack.pop()
                depth = len(stack)
                stack.append((indent + len(marker.group(2)) + max(1, len(marker.group(3))), depth))
                out.append(" " * (4 * depth) + line[indent:])
            elif stack and indent == 0 and blank:
                stack = []
                out.append(line)
            elif stack and indent:
                while len(stack) > 1 and indent < stack[-1][0]:
                    stack.pop()
                column, depth = stack[-1]
                out.append(" " * (4 * (depth + 1) + max(0, indent - column)) + line[indent:])
            else:
                out.append(line)
            blank = False
        return out


class _Code(Treeprocessor):
    """Fenced and indented code as one styled ``pre`` (before the text part takes its copy)."""

    def run(self, root: etree.Element) -> None:
        blocks.code_blocks(root, self.md.htmlStash.rawHtmlBlocks)


class _Links(Treeprocessor):
    """Rewrite every link (help-article paths, UTM on own domains) and image source."""

    def __init__(self, md: markdown.Markdown, extension: _EmailExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        extension = self.extension
        for element in root.iter("a"):
            value = element.get("href")
            if value is not None:
                target = extension.link(value)
                element.set("href", target)
                extension.plain[target] = extension.text_link(value)
        for element in root.iter("img"):
            value = element.get("src")
            if value is None:
                continue
            source = extension.image(value)
            element.set("src", source)
            width = element.get("width") or ""
            size = extension.image_size(source) if not element.get("height") else None
            if size and width.isdigit() and size[0]:
                element.set("height", str(round(int(width) * size[1] / size[0])))


class _Capture(Treeprocessor):
    """Keep a copy of the finished tree: the plain-text part is written from it."""

    tree: etree.Element | None = None

    def run(self, root: etree.Element) -> None:
        self.tree = copy.deepcopy(root)


class _Blocks(Treeprocessor):
    """Buttons, quotes, rules, tables and personal sections rebuilt for email clients."""

    def __init__(self, md: markdown.Markdown, extension: _EmailExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        notes = self.extension.notes
        notes += blocks.tables(root)
        notes += blocks.buttons(root, self.md.htmlStash.store)
        blocks.quotes_and_rules(root)
        _mark_personal(root)


def _mark_personal(root: etree.Element) -> None:
    """Put merge markers around every element marked ``{ .personal }`` (left out of the archive)."""
    for parent in list(root.iter()):
        previous = None
        for child in list(parent):
            classes = (child.get("class") or "").split()
            if PERSONAL in classes:
                classes.remove(PERSONAL)
                if classes:
                    child.set("class", " ".join(classes))
                else:
                    del child.attrib["class"]
                if previous is None:
                    parent.text = (parent.text or "") + merge.PERSONAL_START
                else:
                    previous.tail = (previous.tail or "") + merge.PERSONAL_START
                child.tail = merge.PERSONAL_END + (child.tail or "")
            previous = child


def _unchanged(url: str) -> str:
    return url


def _no_size(url: str) -> None:
    return None


class _EmailExtension(Extension):
    """The email's processors; ``link``, ``image`` and the others are set for each conversion."""

    def __init__(self) -> None:
        super().__init__()
        self.link: Rewrite = _unchanged
        self.text_link: Rewrite = _unchanged
        self.image: Rewrite = _unchanged
        self.image_size: ImageSize = _no_size
        self.plain: dict[str, str] = {}
        self.notes: list[Note] = []
        self.capture: _Capture | None = None

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown API
        md.preprocessors.register(_ListIndent(md), "email_list_indent", 22)
        md.treeprocessors.register(_Code(md), "email_code", 7)
        md.treeprocessors.register(_Links(md, self), "email_links", 5)
        self.capture = _Capture(md)
        md.treeprocessors.register(self.capture, "email_capture", -10)
        md.treeprocessors.register(_Blocks(md, self), "email_blocks", -20)

    def reset(self) -> None:
        """Forget the functions and findings of the last conversion."""
        self.link = self.text_link = self.image = _unchanged
        self.image_size = _no_size
        self.plain = {}
        self.notes = []


_local = threading.local()


def _converter() -> tuple[markdown.Markdown, _EmailExtension]:
    """One Markdown instance per thread, reset between documents (building one costs more
    than converting a short newsletter)."""
    if not hasattr(_local, "md"):
        extension = _EmailExtension()
        _local.md = markdown.Markdown(
            extensions=[*EXTENSIONS, extension],
            extension_configs=EXTENSION_CONFIGS,
            output_format="html",
        )
        _local.extension = extension
    return _local.md, _local.extension


def convert(
    body: str,
    link: Rewrite,
    image: Rewrite = _unchanged,
    *,
    text_link: Rewrite | None = None,
    image_size: ImageSize = _no_size,
) -> Converted:
    """Render the Markdown body; links go through ``link`` (``text_link`` for the text part),
    image sources through ``image``; ``image_size`` gives the pixels of an image it knows."""
    md, extension = _converter()
    extension.link, extension.image = link, image
    extension.text_link = text_link or link
    extension.image_size = image_size
    try:
        body_html = md.convert(body)
        assert extension.capture is not None and extension.capture.tree is not None
        stash = tuple(str(block) for block in md.htmlStash.rawHtmlBlocks)
        return Converted(
            body_html, extension.capture.tree, stash, extension.plain, tuple(extension.notes)
        )
    finally:
        extension.reset()
        md.reset()
