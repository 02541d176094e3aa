"""Email-safe blocks: what Markdown writes, rebuilt so that every client shows it as meant.

Outlook for Windows draws with Word: it ignores CSS borders on quotes and rules, paddings on
links and most layout, so quotes, rules and buttons become tables; GMX and WEB.DE drop the
``<style>`` block, so everything that matters is an attribute or an inline style. These
functions work on the Markdown tree: code before the plain-text part takes its copy (so the
text part sees code as code), everything else after it (the text part reads the author's
structure, not its email-safe rebuild).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markdown.util import AtomicString

from generator.core.i18n import _, number
from generator.core.problems import Severity
from generator.newsletter.layout import environment

COLUMN = 536
"""Width of the content column in px: the 600 px container less 32 px padding on each side."""
PHONE_COLUMN = 295
"""Width of the content column on a 375 px phone in a client that drops the ``<style>`` block
(GMX, WEB.DE): 8 + 32 px on each side. With the block it is 335 px."""
CELL = (14, 10)
"""Font size of table cells and their horizontal padding (both sides) in px."""
MAX_COLUMNS = 4
LABEL_MAX = 30
"""Longest button label (characters) that still fits one line on a phone."""
BUTTON_LINE = 24
BUTTON_PADDING = (12, 24)
"""Vertical and horizontal padding of a button in px; one line of its label is BUTTON_LINE."""

BUTTON_COLOUR = "#0f766e"
RULE_COLOUR = "#cfd8d6"
QUOTE_BACKGROUND = "#f0f7f6"

PERSONAL = "personal"
"""The class that marks a paragraph or heading as personal: ``{ .personal }`` on its last line."""

Stash = Callable[[str], str]
"""Stores raw HTML for the Markdown output and returns its placeholder."""


@dataclass(frozen=True)
class Note:
    """Something the author should fix, found while rendering; ``needles`` locate its line."""

    message: str
    needles: tuple[str, ...]
    severity: Severity = "warning"


def is_button(element: etree.Element) -> bool:
    """Whether ``element`` is a link written as ``[Text](url){ .button }``."""
    return element.tag == "a" and "button" in (element.get("class") or "").split()


def button_group(paragraph: etree.Element) -> list[etree.Element] | None:
    """The button links of a paragraph that holds nothing else (line breaks aside), or None."""
    if paragraph.tag != "p" or (paragraph.text or "").strip():
        return None
    links = []
    for child in paragraph:
        if (child.tail or "").strip():
            return None
        if child.tag == "br":
            continue
        if not is_button(child):
            return None
        links.append(child)
    return links or None


def label_of(element: etree.Element) -> str:
    """The visible text of an element, on one line."""
    return " ".join("".join(element.itertext()).split())


# --- Buttons --------------------------------------------------------------------------------


def button_lines(label: str, width: int = COLUMN) -> int:
    """How many lines the label of a button needs in a column ``width`` px wide."""
    room = width - 2 * BUTTON_PADDING[1]
    return max(1, math.ceil(text_width(label, 17, bold=True) / room))


def button_group_html(links: Sequence[tuple[str, str]]) -> str:
    """The buttons of one paragraph, each (label, href): ``templates/buttons.html.j2``.

    The cell carries ``bgcolor`` and the link its colours inline, so the button stays a button
    without the ``<style>`` block; the padding (not a line height) gives it its height, so a
    label that wraps makes it one line taller, not twice as tall.
    """
    buttons = [
        {
            "text": text,
            "href": href,
            "width": min(
                COLUMN, max(200, int(text_width(text, 17, bold=True)) + 2 * BUTTON_PADDING[1])
            ),
            "height": 2 * BUTTON_PADDING[0] + BUTTON_LINE * button_lines(text),
        }
        for text, href in links
    ]
    template = environment().get_template("buttons.html.j2")
    return template.render(buttons=buttons, colour=BUTTON_COLOUR, line=BUTTON_LINE)


def buttons(root: etree.Element, stash: Stash) -> list[Note]:
    """Paragraphs of button links become bulletproof buttons; any other button link stays a link.

    A ``{ .button }`` link inside a sentence, a list or a table cannot be drawn as a button in
    every client (Outlook would need VML in the middle of a line): it becomes an ordinary link
    and the author hears about it.
    """
    notes: list[Note] = []
    groups = []
    for paragraph in root.iter("p"):
        links = button_group(paragraph)
        if links is not None:
            groups.append((paragraph, links))
    grouped = {id(link) for _, links in groups for link in links}
    for paragraph, links in groups:
        items = []
        for link in links:
            label = label_of(link)
            if len(label) > LABEL_MAX:
                notes.append(
                    Note(
                        _(
                            "button label is {count} characters long; at most {limit} fit on "
                            "one line on a phone: shorten '{label}'"
                        ).format(count=len(label), limit=LABEL_MAX, label=label),
                        (label,),
                    )
                )
            items.append((label, link.get("href", "")))
        paragraph.clear()
        paragraph.tag = "div"
        paragraph.set("class", "button-wrap")
        paragraph.text = stash(button_group_html(items))
    for block in root.iter():
        stray = [link for link in block if is_button(link) and id(link) not in grouped]
        for link in stray:
            classes = [c for c in (link.get("class") or "").split() if c != "button"]
            if classes:
                link.set("class", " ".join(classes))
            else:
                del link.attrib["class"]
        if len(stray) > 1:
            # Two buttons inside one sentence would read as two run-together links.
            labels = [label_of(link) for link in stray]
            notes.append(
                Note(
                    _(
                        "{count} buttons stand inside one sentence and would show as "
                        "run-together links: put each [Text](…){{ .button }} on a line of its "
                        "own, with blank lines around the buttons"
                    ).format(count=len(stray)),
                    (labels[0], ".button"),
                    "error",
                )
            )
            continue
        for link in stray:
            label = label_of(link)
            notes.append(
                Note(
                    _(
                        "button '{label}' is not in a paragraph of its own and shows as an "
                        "ordinary link; write [{label}](…){{ .button }} on a line of its own, "
                        "with blank lines around it"
                    ).format(label=label),
                    (label, ".button"),
                )
            )
    return notes


# --- Footnotes ------------------------------------------------------------------------------

_FOOTNOTE_ID = re.compile(r"fn(ref)?-")


def footnote_anchors(root: etree.Element) -> None:
    """Every footnote and reference gets a ``name`` anchor beside its ``id``.

    Gmail, Outlook for Windows and Yahoo drop ``id`` attributes; ``<a name>`` survives there,
    so the jumps between a reference and its note keep working.
    """
    for element in list(root.iter()):
        target = element.get("id") or ""
        if _FOOTNOTE_ID.match(target):
            anchor = etree.Element("a", {"name": target})
            anchor.tail, element.text = element.text, None
            element.insert(0, anchor)


# --- Quotes, rules, code ------------------------------------------------------------------------


def _replace(parent: etree.Element, old: etree.Element, new: etree.Element) -> None:
    new.tail = old.tail
    parent[list(parent).index(old)] = new


_LAYOUT = {
    "role": "presentation",
    "width": "100%",
    "cellpadding": "0",
    "cellspacing": "0",
    "border": "0",
}


def _layout_table(css: str) -> tuple[etree.Element, etree.Element]:
    """A presentation table of one row; returns the table and its row."""
    table = etree.Element("table", _LAYOUT | {"class": css})
    return table, etree.SubElement(table, "tr")


def quotes_and_rules(root: etree.Element) -> None:
    """Quotes become a table cell with a left border; ``---`` a table with a 1 px coloured row.

    Word draws neither a blockquote's border nor an ``<hr>`` the way CSS says; a cell's border
    and ``bgcolor`` it draws exactly.
    """
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "blockquote":
                table, row = _layout_table("quote")
                cell = etree.SubElement(
                    row, "td", {"class": "quote-cell", "bgcolor": QUOTE_BACKGROUND}
                )
                _replace(parent, child, table)
                child.tail = None
                cell.append(child)
            elif child.tag == "hr":
                table = etree.Element("table", _LAYOUT | {"class": "divider"})
                for height, css in (
                    ("28", "divider-space"),
                    ("1", "divider-line"),
                    ("28", "divider-space"),
                ):
                    attributes = {"class": css, "height": height}
                    if css == "divider-line":
                        attributes["bgcolor"] = RULE_COLOUR
                    row = etree.SubElement(table, "tr")
                    etree.SubElement(row, "td", attributes).text = "\u00a0"
                _replace(parent, child, table)


def code_blocks(root: etree.Element, raw: Sequence[object]) -> None:
    """Fenced and indented code become one ``<pre class="code">``: styled, wrapping, no language.

    ``fenced_code`` leaves its HTML in the stash (``<pre><code class="language-x">``) behind a
    placeholder paragraph; it comes back into the tree here, so that the language never shows
    and the text part sees the code as code.
    """
    for parent in list(root.iter()):
        for child in list(parent):
            code = None
            if child.tag == "pre" and len(child) == 1 and child[0].tag == "code":
                code = child[0].text or ""
            elif child.tag == "p" and not len(child):
                match = _PLACEHOLDER.fullmatch((child.text or "").strip())
                if match and int(match.group(1)) < len(raw):
                    block = _FENCED.fullmatch(str(raw[int(match.group(1))]).strip())
                    if block:
                        code = block.group(1)
            if code is None:
                continue
            pre = etree.Element("pre", {"class": "code"})
            pre.text = AtomicString(code.rstrip("\n"))  # escaped already: &lt; stays &lt;
            _replace(parent, child, pre)


_PLACEHOLDER = re.compile("\x02wzxhzdk:(\\d+)\x03")
_FENCED = re.compile(r"<pre(?:\s[^>]*)?><code(?:\s[^>]*)?>(.*)</code></pre>", re.S)


# --- Data tables ----------------------------------------------------------------------------

_NUMBER = re.compile(
    r"[+\-−±]?\s?(?:[€$£]\s?)?\d{1,3}(?:[.\u202f\u00a0 ]\d{3})*(?:,\d+)?(?:\.\d+)?"
    r"(?:\s?(?:%|€|EUR|Mio\.|Mrd\.|Tsd\.|Stück|Tage|Jahre))?|[+\-−±]?\d+(?:[.,]\d+)?"
)


def is_numeric(text: str) -> bool:
    """Whether a cell holds one number, an amount or a percentage (``1.245,30 €``, ``-3,5 %``)."""
    return bool(text) and _NUMBER.fullmatch(text) is not None


def tables(root: etree.Element) -> list[Note]:
    """Data tables get their attributes for Outlook; numeric cells never wrap and align right.

    A table wider than a phone is reported: more than four columns, or columns whose longest
    words (and whole numbers) add up to more than the phone's column.
    """
    notes = []
    for table in root.iter("table"):
        if table.get("role") == "presentation":
            continue
        table.attrib.update(
            {
                "class": "data",
                "width": "100%",
                "cellpadding": "0",
                "cellspacing": "0",
                "border": "0",
            }
        )
        rows = list(table.iter("tr"))
        grid = [[cell for cell in row if cell.tag in ("th", "td")] for row in rows]
        columns = max((len(cells) for cells in grid), default=0)
        numeric = [True] * columns
        for cells in grid:
            for index, cell in enumerate(cells):
                text = label_of(cell)
                if cell.tag == "td" and text and not is_numeric(text):
                    numeric[index] = False
        # The browser gives each column the width of its widest cell, so the table needs the
        # sum of the columns' widest cells, which may sit in different rows.
        column_widths = [0.0] * columns
        for cells in grid:
            for index, cell in enumerate(cells):
                text = label_of(cell)
                numeric_cell = is_numeric(text)
                if numeric_cell or (numeric[index] and cell.tag == "th"):
                    if numeric_cell:
                        cell.set("class", "num")
                    if "text-align" not in (cell.get("style") or ""):
                        cell.set("align", "right")
                        cell.set("style", "text-align: right;")
                bold = cell.tag == "th"
                tokens = [text] if numeric_cell else text.split()
                width = max((text_width(t, CELL[0], bold=bold) for t in tokens), default=0)
                column_widths[index] = max(column_widths[index], width + CELL[1])
        widest = sum(column_widths)
        header = tuple(label_of(cell) for cell in grid[0] if label_of(cell)) if grid else ()
        if columns > MAX_COLUMNS:
            notes.append(
                Note(
                    _(
                        "table has {count} columns; a phone shows at most {limit}: split it "
                        "into two tables or write it as a list"
                    ).format(count=columns, limit=MAX_COLUMNS),
                    header,
                )
            )
        elif widest > PHONE_COLUMN:
            notes.append(
                Note(
                    _(
                        "table is about {width} px wide on a phone, whose column is {column} "
                        "px: shorten the longest words and numbers, use fewer columns, or "
                        "write it as a list"
                    ).format(width=number(round(widest)), column=PHONE_COLUMN),
                    header,
                )
            )
    return notes


# --- Text width -----------------------------------------------------------------------------

# Advance widths of Arial/Helvetica in 1/1000 em (the standard AFM metrics), regular and bold.
_REGULAR = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
        "abcdefghijklmnopqrstuvwxyz{|}~",
        (
            278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
            *[556] * 10, 278, 278, 584, 584, 584, 556, 1015,
            667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667,
            778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333,
            556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556,
            556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
        ),
        strict=True,
    )
)  # fmt: skip
_BOLD = {
    **_REGULAR,
    **dict(
        zip(
            "!\"&'()*-:;?@JLTabcdefghijklmnopqrstuvwxyz",
            (
                333, 474, 722, 238, 333, 333, 389, 333, 333, 333, 611, 975, 556, 611, 611,
                556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611,
                611, 389, 556, 333, 611, 556, 778, 556, 556, 500,
            ),
            strict=True,
        )
    ),
}  # fmt: skip
_FOLD = str.maketrans("äöüÄÖÜßéèáàñç€", "aouAOUBeeaanc0")


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated width of ``text`` in px set in Arial at ``size`` px (unknown characters: 0.6 em)."""
    widths = _BOLD if bold else _REGULAR
    folded = text.translate(_FOLD)
    return sum(widths.get(char, 600) for char in folded) * size / 1000
