"""The plain-text part, written from the Markdown tree (not by stripping the email HTML)."""

from __future__ import annotations

import html
import re
import textwrap
import xml.etree.ElementTree as etree
from collections.abc import Sequence

WIDTH = 76
_STASH = re.compile("\x02wzxhzdk:(\\d+)\x03")
_TAG = re.compile(r"<[^>]+>")
_UNDERLINE = {"h1": "=", "h2": "-"}


def tree_to_text(root: etree.Element, stash: Sequence[str] = ()) -> str:
    """Blocks separated by blank lines; headings underlined; links as 'Text (URL)'."""
    blocks = [_block(child, stash) for child in root]
    return "\n\n".join(block for block in blocks if block.strip()) + "\n"


def wrap(text: str, indent: str = "", first: str | None = None) -> str:
    """Wrap near 76 characters; URLs and other long words are never broken."""
    lines = []
    for number, line in enumerate(text.split("\n")):
        lines.append(
            textwrap.fill(
                " ".join(line.split()),
                width=WIDTH,
                initial_indent=first if first is not None and number == 0 else indent,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)


def _block(element: etree.Element, stash: Sequence[str]) -> str:
    tag = element.tag
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        text = " ".join(_inline(element, stash).split())
        return f"{text}\n{_UNDERLINE.get(tag, '~') * min(len(text), WIDTH)}"
    if tag == "p":
        return _paragraph(element, stash)
    if tag in ("ul", "ol"):
        return _list(element, stash, "")
    if tag == "blockquote":
        inner = "\n\n".join(_block(child, stash) for child in element)
        return "\n".join(f"> {line}".rstrip() for line in inner.split("\n"))
    if tag == "hr":
        return "-" * 24
    if tag == "table":
        return _table(element, stash)
    if tag == "pre":
        return "".join(element.itertext()).rstrip("\n")
    return wrap(_inline(element, stash))


def _paragraph(element: etree.Element, stash: Sequence[str]) -> str:
    children = list(element)
    only = children[0] if len(children) == 1 else None
    if (
        only is not None
        and only.tag == "a"
        and "button" in (only.get("class") or "").split()
        and not (element.text or "").strip()
        and not (only.tail or "").strip()
    ):
        label = " ".join("".join(only.itertext()).split())
        return f"→ {label}:\n{only.get('href', '')}"
    return wrap(_inline(element, stash))


def _list(element: etree.Element, stash: Sequence[str], indent: str) -> str:
    lines = []
    for number, item in enumerate(element.findall("li"), start=1):
        bullet = f"{number}. " if element.tag == "ol" else "- "
        inner_indent = indent + " " * len(bullet)
        paragraphs = []
        nested = []
        for child in item:
            if child.tag in ("ul", "ol"):
                nested.append(_list(child, stash, inner_indent))
            elif child.tag == "p":
                paragraphs.append(_inline(child, stash))
        if not paragraphs:
            paragraphs = [_inline(item, stash, skip=("ul", "ol"))]
        text = "\n".join(" ".join(p.split()) for p in paragraphs)
        lines.append(wrap(text, inner_indent, first=indent + bullet))
        lines.extend(nested)
    return "\n".join(lines)


def _table(element: etree.Element, stash: Sequence[str]) -> str:
    rows = []
    for row in element.iter("tr"):
        cells = [" ".join(_inline(cell, stash).split()) for cell in row]
        rows.append(" | ".join(cells))
        if row.find("th") is not None:
            rows.append("-" * min(WIDTH, len(rows[-1])))
    return "\n".join(rows)


def _inline(element: etree.Element, stash: Sequence[str], skip: tuple[str, ...] = ()) -> str:
    out = [_text(element.text, stash)]
    for child in element:
        if child.tag in skip:
            out.append(_text(child.tail, stash))
            continue
        if child.tag == "a":
            label = _inline(child, stash).strip()
            href = child.get("href", "")
            target = href.removeprefix("mailto:")
            out.append(label if target in (label, "") else f"{label} ({target})")
        elif child.tag == "img":
            alt = child.get("alt", "")
            out.append(f"[{alt}]" if alt else "")
        elif child.tag == "br":
            out.append("\n")
        else:
            out.append(_inline(child, stash))
        out.append(_text(child.tail, stash))
    return "".join(out)


def _text(text: str | None, stash: Sequence[str]) -> str:
    if not text:
        return ""

    text = text.replace("\n", " ")  # soft line breaks of the source; <br> alone breaks a line

    def unstash(match: re.Match[str]) -> str:
        index = int(match.group(1))
        raw = stash[index] if index < len(stash) else ""
        return html.unescape(_TAG.sub("", raw))

    return _STASH.sub(unstash, text)
