"""Markdown to email HTML: links rewritten, blocks made email-safe, the tree kept for text."""

from __future__ import annotations

import copy
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from generator.core.i18n import _
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


@dataclass(frozen=True)
class _Item:
    """A list item open above the current line."""

    nest_at: int
    """Indent from which a list marker below starts a sub-list of this item."""
    column: int
    """Column where the item's text starts."""
    depth: int
    ordered: bool


class _ListIndent(Preprocessor):
    """Sub-lists indented by two spaces or more are nested, as in most editors.

    Python-Markdown nests a list only at four spaces per level; written with two, the sub-items
    would silently join the outer list ("1. Schritt" and "  1. Unterschritt" as one flat list,
    "  - Punkt" as text of the item above). An item is nested when it starts two spaces right
    of the marker above, or where that item's text starts; it is re-indented to four spaces
    per level (lines stay lines, so line numbers do not move). An item of the other kind
    (``-`` below ``1.``) on the level of the item above would join that item's text: a note.
    """

    MARKER = re.compile(r"( *)([-*+]|\d{1,9}[.)])( +|$)")

    def __init__(self, md: markdown.Markdown, extension: _EmailExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        out = []
        stack: list[_Item] = []
        blank = True
        for line in lines:
            if not line.strip():
                out.append(line)
                blank = True
                continue
            indent = len(line) - len(line.lstrip(" "))
            marker = self.MARKER.match(line)
            if marker and (stack or indent < 4):
                above = None
                while stack and indent < stack[-1].nest_at:
                    above = stack.pop()
                depth = len(stack)
                ordered = marker.group(2)[0].isdigit()
                if above and above.depth == depth and above.ordered != ordered and not blank:
                    self.extension.notes.append(_joined(line.strip()))
                column = indent + len(marker.group(2)) + max(1, len(marker.group(3)))
                stack.append(_Item(min(column, indent + 2), column, depth, ordered))
                out.append(" " * (4 * depth) + line[indent:])
            elif stack and indent == 0 and blank:
                stack = []
                out.append(line)
            elif stack and indent:
                while len(stack) > 1 and indent < stack[-1].column:
                    stack.pop()
                item = stack[-1]
                out.append(
                    " " * (4 * (item.depth + 1) + max(0, indent - item.column)) + line[indent:]
                )
            else:
                out.append(line)
            blank = False
        return out


def _joined(item: str) -> Note:
    """The note on a list item that Python-Markdown would append to the text of the one above."""
    return Note(
        _(
            "list item '{item}' would join the item above: indent it by two spaces to nest "
            "it, or leave a blank line before it to start a new list"
        ).format(item=item),
        (item,),
    )


class _Code(Treeprocessor):
    """Fenced and indented code as one styled ``pre`` (before the text part takes its copy)."""

    def run(self, root: etree.Element) -> None:
        blocks.code_blocks(root, self.md.htmlStash.rawHtmlBlocks)


class _Footnotes(Treeprocessor):
    """A footnote reference without its text stays as written, ``[^label]``: an error."""

    REFERENCE = re.compile(r"\[\^([^\]\s]+)\]")

    def __init__(self, md: markdown.Markdown, extension: _EmailExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        for label in dict.fromkeys(self._references(root)):
            reference = f"[^{label}]"
            message = _(
                "footnote {reference} has no text: add a line {reference}: … below, or remove "
                "the reference"
            ).format(reference=reference)
            self.extension.notes.append(Note(message, (reference,), "error"))

    def _references(self, element: etree.Element) -> Iterator[str]:
        if element.tag in ("code", "pre"):  # written as code, it is not a reference
            return
        yield from self.REFERENCE.findall(element.text or "")
        for child in element:
            yield from self._references(child)
            yield from self.REFERENCE.findall(child.tail or "")


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
            # Gmail lays a download button over larger images; clients.css hides it for "g-img".
            classes = (element.get("class") or "").split()
            element.set("class", " ".join([*classes, "g-img"]))


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
        blocks.footnote_anchors(root)
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
        md.preprocessors.register(_ListIndent(md, self), "email_list_indent", 22)
        md.treeprocessors.register(_Code(md), "email_code", 7)
        md.treeprocessors.register(_Footnotes(md, self), "email_footnotes", 6)
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
