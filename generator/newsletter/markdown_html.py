"""Markdown to email HTML: links rewritten, buttons made bulletproof, the tree kept for text."""

from __future__ import annotations

import copy
import html
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

EXTENSIONS = ["attr_list", "tables", "sane_lists"]

Rewrite = Callable[[str], str]


@dataclass(frozen=True)
class Converted:
    """The body as HTML for the layout and as an element tree for the text part."""

    html: str
    tree: etree.Element
    stash: tuple[str, ...]


class _Links(Treeprocessor):
    """Rewrite every link (help-article paths, UTM on own domains) and image source."""

    def __init__(self, md: markdown.Markdown, extension: _EmailExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        for element in root.iter("a"):
            value = element.get("href")
            if value is not None:
                element.set("href", self.extension.link(value))
        for element in root.iter("img"):
            value = element.get("src")
            if value is not None:
                element.set("src", self.extension.image(value))


class _Capture(Treeprocessor):
    """Keep a copy of the finished tree: the plain-text part is written from it."""

    tree: etree.Element | None = None

    def run(self, root: etree.Element) -> None:
        self.tree = copy.deepcopy(root)


class _Buttons(Treeprocessor):
    """A paragraph holding only ``[Text](url){ .button }`` becomes a bulletproof button."""

    def run(self, root: etree.Element) -> None:
        for paragraph in root.iter("p"):
            children = list(paragraph)
            if len(children) != 1 or (paragraph.text or "").strip():
                continue
            link = children[0]
            if link.tag != "a" or "button" not in (link.get("class") or "").split():
                continue
            if (link.tail or "").strip():
                continue
            text = "".join(link.itertext()).strip()
            markup = button_html(text, link.get("href", ""))
            paragraph.remove(link)
            paragraph.text = self.md.htmlStash.store(markup)


def button_html(text: str, href: str) -> str:
    """A button that Outlook draws with VML and every other client as a styled link."""
    text_html = html.escape(text)
    href_html = html.escape(href, quote=True)
    width = max(200, min(520, 10 * len(text) + 64))
    return (
        '<div class="button-wrap">'
        "<!--[if mso]>"
        '<v:roundrect xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" '
        f'href="{href_html}" style="height:48px;v-text-anchor:middle;width:{width}px;" '
        'arcsize="12%" stroke="f" fillcolor="#0f766e"><w:anchorlock/>'
        '<center style="color:#ffffff;font-family:Arial,sans-serif;font-size:17px;'
        f'font-weight:bold;">{text_html}</center></v:roundrect>'
        "<![endif]-->"
        "<!--[if !mso]><!-->"
        f'<a class="button" href="{href_html}">{text_html}</a>'
        "<!--<![endif]-->"
        "</div>"
    )


def _unchanged(url: str) -> str:
    return url


class _EmailExtension(Extension):
    """The email's tree processors; ``link`` and ``image`` are set for each conversion."""

    def __init__(self) -> None:
        super().__init__()
        self.link: Rewrite = _unchanged
        self.image: Rewrite = _unchanged
        self.capture: _Capture | None = None

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown API
        md.treeprocessors.register(_Links(md, self), "email_links", 5)
        self.capture = _Capture(md)
        md.treeprocessors.register(self.capture, "email_capture", -10)
        md.treeprocessors.register(_Buttons(md), "email_buttons", -20)


_local = threading.local()


def _converter() -> tuple[markdown.Markdown, _EmailExtension]:
    """One Markdown instance per thread, reset between documents (building one costs more
    than converting a short newsletter)."""
    if not hasattr(_local, "md"):
        extension = _EmailExtension()
        _local.md = markdown.Markdown(extensions=[*EXTENSIONS, extension], output_format="html")
        _local.extension = extension
    return _local.md, _local.extension


def convert(body: str, link: Rewrite, image: Rewrite = _unchanged) -> Converted:
    """Render the Markdown body; link targets go through ``link``, image sources through ``image``."""
    md, extension = _converter()
    extension.link, extension.image = link, image
    try:
        body_html = md.convert(body)
        assert extension.capture is not None and extension.capture.tree is not None
        stash = tuple(str(block) for block in md.htmlStash.rawHtmlBlocks)
        return Converted(body_html, extension.capture.tree, stash)
    finally:
        extension.link = extension.image = _unchanged
        md.reset()
