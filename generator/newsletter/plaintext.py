"""The plain-text part, written from the Markdown tree (not by stripping the email HTML).

Lines stay under 78 characters: links become numbered references ("[1]") listed at the end
of their section, without the newsletter's UTM fields; footnotes become numbered notes at the
end; code keeps its lines; tables become aligned columns or, when too wide, one record per row.
"""

from __future__ import annotations

import html
import re
import textwrap
import xml.etree.ElementTree as etree
from collections.abc import Mapping, Sequence

from markdown.extensions.footnotes import FN_BACKLINK_TEXT, NBSP_PLACEHOLDER

from generator.newsletter import merge
from generator.newsletter.blocks import PERSONAL, button_group, is_numeric

WIDTH = 76
_STASH = re.compile("\x02wzxhzdk:(\\d+)\x03")
_TAG = re.compile(r"<[^>]+>")
_UNDERLINE = {"h1": "=", "h2": "-"}
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def tree_to_text(
    root: etree.Element,
    stash: Sequence[str] = (),
    plain: Mapping[str, str] | None = None,
    title: str = "",
    widths: Mapping[str, int] | None = None,
) -> str:
    """The text part of the body: the title, blocks separated by blank lines, references.

    ``widths`` are the characters a merge field's value will take (a field travels as a short
    token): lines are wrapped as if the values were filled in already.
    """
    writer = _Writer(stash, plain or {}, widths or {})
    out = ""
    if title:
        out = _heading(title, "h1")
    for child in root:
        if child.tag in ("h1", "h2") or _is_footnotes(child):
            out = _join(out, writer.references())
        block = writer.block(child)
        if not block.strip():
            continue
        personal = PERSONAL in (child.get("class") or "").split()
        out = _join(out, block, personal=personal)
    out = _join(out, writer.references())
    return out + "\n"


def _join(out: str, block: str, *, personal: bool = False) -> str:
    """``out`` and ``block`` with a blank line between; a personal block keeps that line inside
    its markers, so that leaving it out of the archive leaves no gap."""
    if not block:
        return out
    if not personal:
        return f"{out}\n\n{block}" if out else block
    if not out:
        return f"{merge.PERSONAL_START}{block}\n\n{merge.PERSONAL_END}"
    return f"{out}{merge.PERSONAL_START}\n\n{block}{merge.PERSONAL_END}"


_FILL = "\ue000"


def wrap(
    text: str,
    indent: str = "",
    first: str | None = None,
    width: int = WIDTH,
    widths: Mapping[str, int] | None = None,
) -> str:
    """Wrap near 76 characters; URLs and other long words are never broken."""
    if widths and "rbf" in text:
        text = merge.TOKEN.sub(lambda match: _padded(match, widths), text)
        return wrap(text, indent, first, width).replace(_FILL, "")
    lines = []
    for number, line in enumerate(text.split("\n")):
        lines.append(
            textwrap.fill(
                " ".join(line.split()),
                width=width,
                initial_indent=first if first is not None and number == 0 else indent,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)


def _padded(match: re.Match[str], widths: Mapping[str, int]) -> str:
    """A field's token, padded to the width of its value (the padding is removed after wrapping)."""
    token = match.group(0)
    name = bytes.fromhex(match.group(1)).decode("ascii")
    return token + _FILL * max(0, widths.get(name, len(token)) - len(token))


def _heading(text: str, tag: str, width: int = WIDTH) -> str:
    text = wrap(text, width=width)
    longest = max(len(line) for line in merge.TOKEN.sub("", text).split("\n"))
    return f"{text}\n{_UNDERLINE.get(tag, '~') * min(max(longest, 1), width)}"


def _is_footnotes(element: etree.Element) -> bool:
    return element.tag == "div" and "footnote" in (element.get("class") or "").split()


class _Writer:
    """Turns blocks into text and keeps the numbered references of links."""

    def __init__(
        self, stash: Sequence[str], plain: Mapping[str, str], widths: Mapping[str, int]
    ) -> None:
        self.stash = stash
        self.plain = plain
        self.widths = widths
        self.numbers: dict[str, int] = {}
        self.pending: list[tuple[int, str, bool]] = []
        self.personal = 0
        self.width = WIDTH

    def reference(self, target: str) -> int:
        """The number of ``target``; a new one is listed at the end of the section."""
        if target not in self.numbers:
            self.numbers[target] = len(self.numbers) + 1
            self.pending.append((self.numbers[target], target, self.personal > 0))
        return self.numbers[target]

    def references(self) -> str:
        """The references not listed yet, one a line; those of personal blocks stay personal."""
        out = ""
        for number, target, personal in self.pending:
            entry = ("\n" if out else "") + f"[{number}] {target}"
            out += f"{merge.PERSONAL_START}{entry}{merge.PERSONAL_END}" if personal else entry
        self.pending = []
        return out

    def block(self, element: etree.Element) -> str:
        personal = PERSONAL in (element.get("class") or "").split()
        self.personal += personal
        try:
            return self._block(element)
        finally:
            self.personal -= personal

    def _block(self, element: etree.Element) -> str:
        tag = element.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return _heading(" ".join(self.inline(element).split()), tag, self.width)
        if tag == "p":
            links = button_group(element)
            if links is not None:
                return "\n".join(
                    wrap(
                        f"→ {self.inline(link)} [{self.reference(self._target(link))}]",
                        width=self.width,
                        widths=self.widths,
                    )
                    for link in links
                )
            return wrap(self.inline(element), width=self.width, widths=self.widths)
        if tag in ("ul", "ol"):
            return self.list(element, "")
        if tag == "blockquote":
            self.width -= 2
            try:
                inner = "\n\n".join(self.block(child) for child in element)
            finally:
                self.width += 2
            return "\n".join(f"> {line}".rstrip() for line in inner.split("\n"))
        if tag == "hr":
            return "-" * 24
        if tag == "table":
            return self.table(element)
        if tag == "pre":
            return _code(html.unescape("".join(element.itertext())))
        if _is_footnotes(element):
            return self.footnotes(element)
        if tag == "div":
            return "\n\n".join(b for b in (self.block(child) for child in element) if b.strip())
        return wrap(self.inline(element), width=self.width, widths=self.widths)

    def list(self, element: etree.Element, indent: str) -> str:
        lines = []
        for number, item in enumerate(element.findall("li"), start=1):
            bullet = f"{number}. " if element.tag == "ol" else "- "
            inner_indent = indent + " " * len(bullet)
            paragraphs = []
            nested = []
            for child in item:
                if child.tag in ("ul", "ol"):
                    nested.append(self.list(child, inner_indent))
                elif child.tag == "p":
                    paragraphs.append(self.inline(child))
            if not paragraphs:
                paragraphs = [self.inline(item, skip=("ul", "ol"))]
            text = "\n".join(" ".join(p.split()) for p in paragraphs)
            lines.append(
                wrap(
                    text, inner_indent, first=indent + bullet, width=self.width, widths=self.widths
                )
            )
            lines.extend(nested)
        return "\n".join(lines)

    def table(self, element: etree.Element) -> str:
        rows = []
        for row in element.iter("tr"):
            elements = [cell for cell in row if cell.tag in ("th", "td")]
            rows.append(
                (row.find("th") is not None, [" ".join(self.inline(c).split()) for c in elements])
            )
        if not rows:
            return ""
        columns = max(len(cells) for _, cells in rows)
        widths = [
            max((len(c[i]) for _, c in rows if i < len(c)), default=0) for i in range(columns)
        ]
        right = [
            all(is_numeric(c[i]) for head, c in rows if not head and i < len(c) and c[i])
            for i in range(columns)
        ]
        if sum(widths) + 3 * (columns - 1) <= self.width:
            lines = []
            for head, cells in rows:
                padded = [
                    (cell.rjust if right[i] else cell.ljust)(widths[i])
                    for i, cell in enumerate(cells)
                ]
                lines.append(" | ".join(padded).rstrip())
                if head:
                    lines.append("-+-".join("-" * w for w in widths))
            return "\n".join(lines)
        # Too wide for a line: one record per row, each cell under its column's header.
        header = rows[0][1] if rows[0][0] else []
        records = []
        for head, cells in rows:
            if head:
                continue
            lines = []
            for index, cell in enumerate(cells):
                name = header[index] if index < len(header) and header[index] else ""
                lines.append(
                    wrap(
                        f"{name}: {cell}" if name else cell,
                        "  ",
                        width=self.width,
                        widths=self.widths,
                    )
                )
            records.append("\n".join(lines))
        return "\n\n".join(records)

    def footnotes(self, element: etree.Element) -> str:
        notes = []
        items = element.find("ol")
        for number, item in enumerate(items.findall("li") if items is not None else [], start=1):
            text = " ".join(self.inline(p) for p in item.findall("p")) or self.inline(item)
            mark = str(number).translate(_SUPERSCRIPT)
            notes.append(
                wrap(
                    text.strip(),
                    " " * (len(mark) + 1),
                    first=f"{mark} ",
                    width=self.width,
                    widths=self.widths,
                )
            )
        return _heading("Fußnoten", "h2") + "\n" + "\n".join(notes)

    def _target(self, link: etree.Element) -> str:
        href = link.get("href", "")
        return self.plain.get(href, href)

    def inline(self, element: etree.Element, skip: tuple[str, ...] = ()) -> str:
        out = [self.text(element.text)]
        for child in element:
            if child.tag in skip:
                out.append(self.text(child.tail))
                continue
            classes = (child.get("class") or "").split()
            if child.tag == "a" and "footnote-backref" in classes:
                pass
            elif child.tag == "a" and "footnote-ref" in classes:
                out.append(self.text("".join(child.itertext())).translate(_SUPERSCRIPT))
            elif child.tag == "a":
                out.append(self.link(child))
            elif child.tag == "img":
                alt = child.get("alt", "")
                out.append(f"[Bild: {alt}]" if alt else "")
            elif child.tag == "br":
                out.append("\n")
            else:
                out.append(self.inline(child))
            out.append(self.text(child.tail))
        return "".join(out)

    def link(self, element: etree.Element) -> str:
        label = self.inline(element).strip()
        target = self._target(element)
        if target.startswith("mailto:"):
            address = target.removeprefix("mailto:").split("?")[0]
            return label if label in (address, "") else f"{label} ({address})"
        if not target or target.startswith("#"):
            return label
        bare = re.sub(r"^https?://", "", target).rstrip("/")
        if label in (target, bare, target.rstrip("/")) and len(target) <= WIDTH:
            return target
        number = self.reference(target)
        if label in (target, bare, target.rstrip("/"), ""):
            return f"[{number}]"
        return f"{label} [{number}]"

    def text(self, text: str | None) -> str:
        if not text:
            return ""

        text = text.replace("\n", " ")  # soft line breaks of the source; <br> alone breaks a line

        def unstash(match: re.Match[str]) -> str:
            index = int(match.group(1))
            raw = self.stash[index] if index < len(self.stash) else ""
            return _TAG.sub("", raw)

        text = text.replace(NBSP_PLACEHOLDER, "\u00a0").replace(FN_BACKLINK_TEXT, "")
        return html.unescape(_STASH.sub(unstash, text))


def _code(code: str) -> str:
    """A code block indented by four spaces; a line too long for the text part is wrapped.

    A long line breaks at its last space that fits (a word longer than the line is cut), and
    its continuation is indented two more spaces, so a reader still sees one line of code.
    """
    lines = []
    for line in code.rstrip("\n").split("\n"):
        line, prefix = line.rstrip(), "    "
        while len(prefix) + len(line) > WIDTH:
            room = WIDTH - len(prefix)
            cut = line.rfind(" ", 1, room + 1)
            cut = cut if cut > 0 else room
            lines.append(prefix + line[:cut].rstrip())
            line, prefix = line[cut:].lstrip(), "      "
        lines.append(prefix + line if line else "")
    return "\n".join(lines)
