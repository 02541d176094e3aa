"""Readable text: the contrast of each text with the pixels actually behind it (WCAG AA).

The image is rendered once without its texts; under every glyph of a text (drawn with the
shipped font, as Pillow lays it out) the background pixels are compared with the text colour.
A text is readable when no more than a sliver of its glyphs (antialiased edges of a
decoration) stands on pixels below 4.5:1 — 3:1 for large text, at least 24 px, or 18.66 px
in bold. A colour ``auto`` becomes white or the dark brand colour, whichever is readable; a
plate ``auto`` is laid behind a text that neither colour makes readable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from generator.marketing.fonts import font
from generator.marketing.schemas import AUTO, ImageSpec, Placed
from generator.marketing.textfit import Fitted

NORMAL = 4.5
LARGE = 3.0
TOLERANCE = 0.01
"""Share of a text's glyph pixels that may stand on a worse background: the antialiased rim
of a circle under a letter, not a word on the wrong colour."""
WHITE = "#ffffff"


@dataclass(frozen=True)
class Plate:
    """A rounded area of one colour behind a text, so that it stays readable."""

    x: float
    y: float
    width: float
    height: float
    radius: float
    colour: str


@dataclass(frozen=True)
class Verdict:
    """How a text fares against what is behind it: the worst colour pair, if it is too faint."""

    ratio: float
    needed: float
    behind: str

    @property
    def readable(self) -> bool:
        """Whether the text meets WCAG AA on its background."""
        return self.ratio >= self.needed


def needed_ratio(size: int, bold: bool) -> float:
    """WCAG AA: 3:1 for large text (24 px, or 18.66 px bold), else 4.5:1."""
    return LARGE if size >= 24 or (bold and size >= 18.66) else NORMAL


def luminance(colour: str) -> float:
    """The relative luminance of ``#rrggbb`` (WCAG 2)."""
    channels = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
    return float(_relative(channels[np.newaxis, :])[0])


def ratio(first: str, second: str) -> float:
    """The contrast ratio of two colours, from 1 to 21."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _linear(c: np.ndarray) -> np.ndarray:
    result: np.ndarray = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return result


_LINEAR = _linear(np.arange(256) / 255.0)
"""Each 8-bit channel value linearised: a look-up, not a power, for every pixel behind a text."""


def _relative(rgb: np.ndarray) -> np.ndarray:
    linear = _LINEAR[rgb] if rgb.dtype == np.uint8 else _linear(rgb / 255.0)
    result: np.ndarray = linear @ np.array([0.2126, 0.7152, 0.0722])
    return result


def glyphs(fitted: Fitted, width: int, height: int) -> np.ndarray:
    """Where the text's glyphs are: a boolean mask of the image."""
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    face = font(fitted.size, bold=fitted.bold)
    anchor = "ms" if fitted.anchor == "middle" else "ls"
    for line in fitted.lines:
        draw.text((line.x, line.y), line.text, font=face, fill=255, anchor=anchor)
    return np.asarray(mask) >= 128


def judge(colour: str, background: np.ndarray, mask: np.ndarray, needed: float) -> Verdict:
    """The contrast of ``colour`` with the background pixels under ``mask``."""
    # Only the rows and columns the text covers are searched: the same pixels in the same
    # order, without going through every pixel of the image three times a colour.
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return Verdict(21.0, needed, WHITE)
    window = (slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1))
    pixels = background[window][mask[window]]
    if len(pixels) == 0:
        return Verdict(21.0, needed, WHITE)
    text = luminance(colour)
    lum = _relative(pixels)
    ratios = (np.maximum(lum, text) + 0.05) / (np.minimum(lum, text) + 0.05)
    failing = ratios < needed
    if failing.mean() <= TOLERANCE:
        return Verdict(float(np.quantile(ratios, TOLERANCE)), needed, _hex(pixels[0]))
    # The colour behind the text named in the problem: the most common of the failing ones.
    # (Counted as one number a pixel: sorting rows of three was most of a kit's check.)
    packed = pixels[failing].astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    values, counts = np.unique(packed, return_counts=True)
    worst = int(values[int(np.argmax(counts))])
    return Verdict(float(np.median(ratios[failing])), needed, f"#{worst:06x}")


def solid(colour: str, behind: str, needed: float) -> Verdict:
    """The contrast of a text on a plate of one colour."""
    return Verdict(ratio(colour, behind), needed, behind)


def choose(
    placed: Placed, fitted: Fitted, spec: ImageSpec, background: np.ndarray
) -> tuple[str, Plate | None, Verdict]:
    """The text's colour and plate: as the campaign says, or readable ones where it says auto."""
    needed = needed_ratio(fitted.size, fitted.bold)
    plate_colour = placed.plate
    if plate_colour is not None and plate_colour != AUTO:
        colour = _auto_on(plate_colour, spec) if placed.color == AUTO else placed.color
        return colour, plate(fitted, spec, plate_colour), solid(colour, plate_colour, needed)
    mask = glyphs(fitted, spec.width, spec.height)
    candidates = [WHITE, spec.dark] if placed.color == AUTO else [placed.color]
    verdicts = [(colour, judge(colour, background, mask, needed)) for colour in candidates]
    for colour, verdict in verdicts:
        if verdict.readable:
            return colour, None, verdict
    colour, verdict = max(verdicts, key=lambda pair: pair[1].ratio)
    if plate_colour == AUTO:
        behind = max((spec.dark, WHITE, spec.background), key=lambda c: ratio(candidates[0], c))
        colour = candidates[0]
        return colour, plate(fitted, spec, behind), solid(colour, behind, needed)
    return colour, None, verdict


def _auto_on(behind: str, spec: ImageSpec) -> str:
    return max((WHITE, spec.dark), key=lambda colour: ratio(colour, behind))


def plate(fitted: Fitted, spec: ImageSpec, colour: str) -> Plate:
    """A plate around the text's lines, a little larger than they are."""
    face = font(fitted.size, bold=fitted.bold)
    widths = [face.getlength(line.text) for line in fitted.lines]
    lefts = [
        line.x - width / 2 if fitted.anchor == "middle" else line.x
        for line, width in zip(fitted.lines, widths, strict=True)
    ]
    pad = fitted.size * 0.35
    left = max(0.0, min(lefts) - pad)
    right = min(float(spec.width), max(x + w for x, w in zip(lefts, widths, strict=True)) + pad)
    top = max(0.0, fitted.lines[0].y - fitted.size * 0.95 - pad / 2)
    bottom = min(float(spec.height), fitted.lines[-1].y + fitted.size * 0.25 + pad / 2)
    return Plate(
        round(left, 1),
        round(top, 1),
        round(right - left, 1),
        round(bottom - top, 1),
        round(fitted.size * 0.3, 1),
        colour,
    )


def _hex(rgb: np.ndarray) -> str:
    return "#" + "".join(f"{int(value):02x}" for value in rgb[:3])
