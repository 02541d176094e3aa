"""Fit text into a box: wrap at spaces and hyphens, then shrink; never cut."""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.marketing.fonts import font

LINE_HEIGHT = 1.2
CAP_HEIGHT = 0.73
SOFT_HYPHEN = "\u00ad"
"""Marks where a long compound may break, e.g. ``Willkommens\u00adguthaben`` in YAML."""
SAFETY = 0.97
"""Pillow and cairo hint glyphs slightly differently: keep a few per cent of the width free."""


@dataclass(frozen=True)
class Box:
    """A rectangle of an image that holds one text, with the sizes it may take."""

    x: float
    y: float
    width: float
    height: float
    max_size: int
    min_size: int
    bold: bool = False
    align: str = "left"


@dataclass(frozen=True)
class Line:
    """One line of fitted text at its baseline position."""

    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Fitted:
    """A text laid out in its box: the lines at one font size."""

    size: int
    lines: tuple[Line, ...]
    bold: bool
    anchor: str


def fit(text: str, box: Box) -> Fitted | None:
    """Lay out ``text`` at the largest size from ``max_size`` down that fits; None if none does."""
    for size in range(box.max_size, box.min_size - 1, -1):
        lines = wrap(text, size, box.width * SAFETY, bold=box.bold)
        if lines is not None and len(lines) * size * LINE_HEIGHT <= box.height:
            return _place(lines, size, box)
    return None


def wrap(text: str, size: int, width: float, *, bold: bool = False) -> list[str] | None:
    """Break ``text`` into lines no wider than ``width``; None if a single piece is too wide."""
    measure = font(size, bold=bold).getlength
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for piece in _pieces(paragraph):
            candidate = current + piece
            if measure(_shown(candidate)) <= width:
                current = candidate
                continue
            if not current or measure(_shown(piece)) > width:
                return None
            lines.append(_shown(current))
            current = piece
        lines.append(_shown(current))
    return lines


def _pieces(paragraph: str) -> list[str]:
    """Words with their trailing space; compounds split after each hyphen or soft hyphen."""
    return [p for p in re.split(r"(?<=[ \-–/\u00ad])", paragraph) if p]


def _shown(line: str) -> str:
    """A line as drawn: a soft hyphen at its end becomes '-', all others disappear."""
    line = line.rstrip()
    if line.endswith(SOFT_HYPHEN):
        line = line[:-1] + "-"
    return line.replace(SOFT_HYPHEN, "")


def _place(lines: list[str], size: int, box: Box) -> Fitted:
    step = size * LINE_HEIGHT
    top = box.y + (box.height - len(lines) * step) / 2  # centred vertically in the box
    x = box.x + box.width / 2 if box.align == "center" else box.x
    # The baseline sits so that capitals (0.73 em high in DejaVu Sans) centre on each line.
    placed = tuple(
        Line(round(x, 1), round(top + index * step + step / 2 + CAP_HEIGHT / 2 * size, 1), text)
        for index, text in enumerate(lines)
    )
    return Fitted(size, placed, box.bold, "middle" if box.align == "center" else "start")
