"""A member's image as the generic one plus a few small parts: name, code and QR code.

A social image of 1080×1080 pixels, rendered and stored whole for each member, was most of
a kit's time and bytes; what differs from the generic image is the QR code and the boxes of
the texts that name the member or carry their link or code. Those rectangles are cut out of
the member's own SVG (the whole picture is drawn behind them, so they are exact) and stored
stacked in one small PNG; the kit's page puts them onto the shared generic image in the
member's browser (``bilder.js``) and offers the result as the PNG to download.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image

from generator.core.problems import Problem
from generator.marketing.campaign import Campaign
from generator.marketing.raster import pieces
from generator.marketing.render import GENERIC, Recipient, fill, image_svg, link
from generator.marketing.schemas import ImageSpec, Placed

PLATE_PAD = 0.35
"""A plate reaches this share of the font size beyond its text (contrast.plate)."""
EDGE = 2
"""Pixels more around each rectangle: antialiasing reaches one pixel beyond a shape."""


@dataclass(frozen=True)
class Rect:
    """A rectangle of whole pixels."""

    left: int
    top: int
    right: int
    bottom: int


@dataclass(frozen=True)
class Part:
    """A rectangle of the member's image, and where it stands in the stacked parts' PNG."""

    left: int
    top: int
    width: int
    height: int
    row: int


_bases: dict[tuple[str, ImageSpec], Image.Image] = {}


def personal_parts(
    campaign: Campaign, spec: ImageSpec, recipient: Recipient, generic: bytes
) -> tuple[bytes | None, tuple[Part, ...], list[Problem]]:
    """The parts in which the member's image differs from ``generic`` (its PNG), stacked."""
    rects = personal_rects(campaign, spec, recipient)

    # cairosvg draws every text, wherever it lies: only those reaching a part.
    def near(placed: Placed) -> bool:
        return any(_overlap(_box_rect(spec, placed), rect) for rect in rects)

    svg, problems = image_svg(campaign, spec, recipient, keep=near)
    if svg is None:
        return None, (), problems
    # One drawing of the member's whole image, cut into its parts: the same pixels as each
    # part drawn alone, for a third of the work (the SVG is read and drawn once).
    boxes = [(rect.left, rect.top, rect.right, rect.bottom) for rect in rects]
    drawn = pieces(svg, spec.width, spec.height, boxes, spec.name)
    base = _base(campaign, spec, generic)
    parts = []
    row = 0
    for rect in rects:
        width, height = rect.right - rect.left, rect.bottom - rect.top
        parts.append(Part(rect.left, rect.top, width, height, row))
        row += height
    sprite = Image.new("P", (max((p.width for p in parts), default=1), max(row, 1)))
    sprite.putpalette(base.getpalette() or [])
    for piece, part in zip(drawn, parts, strict=True):
        # The generic image's palette holds every colour of the design: the member's parts
        # are the same colours (texts, plates, the QR code's black and white).
        sprite.paste(piece.quantize(palette=base, dither=Image.Dither.NONE), (0, part.row))
    buffer = io.BytesIO()
    sprite.save(buffer, "PNG")
    return buffer.getvalue(), tuple(parts), problems


def assemble(generic: bytes, parts_png: bytes, parts: tuple[Part, ...]) -> Image.Image:
    """The member's whole image, as the kit's page puts it together (for checks and tests)."""
    image = Image.open(io.BytesIO(generic)).convert("RGB")
    sprite = Image.open(io.BytesIO(parts_png)).convert("RGB")
    for part in parts:
        piece = sprite.crop((0, part.row, part.width, part.row + part.height))
        image.paste(piece, (part.left, part.top))
    return image


def personal_rects(campaign: Campaign, spec: ImageSpec, recipient: Recipient) -> list[Rect]:
    """Where the member's image may differ from the generic one: QR code and personal texts."""
    rects: list[Rect] = []
    if spec.qr:
        rects.append(_rect(spec, spec.qr.x, spec.qr.y, spec.qr.size, spec.qr.size, 0))
    member_url = link(campaign, recipient, spec.medium, spec.name)
    generic_url = link(campaign, GENERIC, spec.medium, spec.name)
    for placed in spec.boxes:
        value = campaign.texts[placed.text].value
        if placed.member or fill(value, recipient, member_url) != fill(value, GENERIC, generic_url):
            rects.append(_box_rect(spec, placed))
    return rects


def _box_rect(spec: ImageSpec, placed: Placed) -> Rect:
    """Where a text may draw: its box, and the plate around it."""
    box = placed.box
    pad = math.ceil(box.max_size * PLATE_PAD)
    return _rect(spec, box.x, box.y, box.width, box.height, pad)


def _overlap(one: Rect, other: Rect) -> bool:
    return (
        one.left < other.right
        and other.left < one.right
        and one.top < other.bottom
        and other.top < one.bottom
    )


def _rect(spec: ImageSpec, x: float, y: float, width: float, height: float, pad: int) -> Rect:
    return Rect(
        max(0, math.floor(x) - pad - EDGE),
        max(0, math.floor(y) - pad - EDGE),
        min(spec.width, math.ceil(x + width) + pad + EDGE),
        min(spec.height, math.ceil(y + height) + pad + EDGE),
    )


def _base(campaign: Campaign, spec: ImageSpec, generic: bytes) -> Image.Image:
    """The generic image as a palette image, decoded once per process."""
    cache_key = (campaign.digest, spec)
    if cache_key not in _bases:
        if len(_bases) > 16:
            _bases.clear()
        _bases[cache_key] = Image.open(io.BytesIO(generic)).convert("P")
    return _bases[cache_key]
