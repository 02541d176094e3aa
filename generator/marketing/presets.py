"""Layout presets: a campaign names a design, and every image size gets its boxes from it.

Each shape of image (a strip, a leaderboard, a rectangle, a skyscraper, a square or a wide
social image) has one reference layout, drawn in pixels at a reference size and scaled to the
size asked for: positions with the width and height, font sizes with the smaller of the two.
The presets differ in which text takes which place: ``headline-button`` is the classic
headline, subline, bonus and button; ``big-number`` puts ``texts.number`` where the headline
was and the headline under it; ``photo-quote`` gives a part of the image to the campaign's
picture and the headline's place to ``texts.quote``. Colours are ``auto`` (white or dark,
whichever the pixels behind allow) with a plate where neither does (see ``contrast.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.core.i18n import _
from generator.core.problems import Problem
from generator.marketing.schemas import AUTO, Brand, ImageSpec, PictureSpot, Placed, QrSpot

STANDARD_SIZES = (
    "banner-300x250",
    "banner-728x90",
    "banner-160x600",
    "banner-320x50",
    "social-1080x1080",
    "social-1200x630",
)
"""The sizes a preset makes unless ``sizes`` names others: the usual ad slots and posts."""
TITLES = {
    "banner-300x250": "Medium Rectangle",
    "banner-728x90": "Leaderboard",
    "banner-160x600": "Wide Skyscraper",
    "banner-320x50": "Mobile Banner",
    "social-1080x1080": "Social-Media-Beitrag",
    "social-1200x630": "Linkvorschau",
}
SIZE_NAME = re.compile(r"(banner|social)-([0-9]{2,4})x([0-9]{2,4})")
"""A size is named by its medium and pixels: ``banner-468x60``, ``social-1080x1350``."""


@dataclass(frozen=True)
class Slot:
    """A place of a reference layout: which role, where, and at which font sizes."""

    role: str
    x: float
    y: float
    width: float
    height: float
    size: int
    min_size: int
    bold: bool = False
    align: str = "left"


@dataclass(frozen=True)
class Reference:
    """A layout drawn at one size; ``qr`` is (x, y, size) when the shape carries a QR code."""

    width: int
    height: int
    slots: tuple[Slot, ...]
    qr: tuple[float, float, float] | None = None


S = Slot
LAYOUTS = {
    "strip": Reference(
        320,
        50,
        (
            S("label", 50, 1, 60, 11, 9, 7),
            S("headline", 50, 12, 150, 26, 14, 8, True),
            S("cta", 208, 6, 104, 28, 11, 7, True, "center"),
            S("risk", 50, 39, 266, 10, 8, 6),
        ),
    ),
    "leaderboard": Reference(
        728,
        90,
        (
            S("label", 80, 2, 70, 14, 10, 8),
            S("headline", 80, 16, 290, 38, 26, 12, True),
            S("bonus", 80, 58, 290, 26, 15, 10, True),
            S("risk", 384, 16, 124, 62, 11, 8),
            S("cta", 520, 25, 190, 40, 16, 10, True, "center"),
        ),
    ),
    "rectangle": Reference(
        300,
        250,
        (
            S("label", 12, 8, 80, 16, 11, 9),
            S("headline", 20, 30, 220, 66, 28, 14, True),
            S("subline", 20, 98, 260, 56, 14, 10),
            S("bonus", 20, 156, 260, 24, 15, 10, True),
            S("cta", 40, 184, 220, 34, 16, 10, True, "center"),
            S("risk", 10, 224, 280, 22, 10, 8),
        ),
    ),
    "skyscraper": Reference(
        160,
        600,
        (
            S("label", 10, 8, 80, 16, 11, 9),
            S("headline", 14, 80, 132, 130, 26, 14, True),
            S("subline", 14, 218, 132, 170, 15, 10),
            S("bonus", 14, 396, 132, 60, 16, 10, True),
            S("cta", 14, 466, 132, 50, 15, 10, True, "center"),
            S("risk", 14, 530, 132, 60, 12, 9),
        ),
    ),
    "square": Reference(
        1080,
        1080,
        (
            S("label", 60, 40, 300, 50, 34, 24),
            S("headline", 60, 200, 960, 260, 110, 48, True),
            S("subline", 60, 470, 960, 150, 44, 26),
            S("bonus", 60, 640, 640, 80, 50, 28, True),
            S("recommended_by", 60, 780, 640, 140, 42, 22),
            S("code_hint", 60, 930, 640, 60, 36, 20),
            S("risk", 60, 1010, 660, 50, 22, 16),
        ),
        qr=(740, 700, 290),
    ),
    "landscape": Reference(
        1200,
        630,
        (
            S("label", 50, 30, 260, 40, 28, 20),
            S("headline", 50, 100, 840, 165, 84, 40, True),
            S("subline", 50, 270, 840, 110, 36, 22),
            S("bonus", 50, 390, 840, 64, 42, 24, True),
            S("recommended_by", 50, 470, 840, 90, 32, 18),
            S("risk", 50, 575, 840, 36, 20, 14),
        ),
        qr=(930, 330, 230),
    ),
}
MEMBER_ROLES = ("recommended_by", "code_hint")
"""Texts that name the member: drawn in personal kits only."""


def parse_size(name: str) -> tuple[str, int, int] | None:
    """Medium, width and height of a size name like ``banner-300x250``; None if it is none."""
    match = SIZE_NAME.fullmatch(name)
    if not match or not (16 <= int(match[2]) <= 4096 and 16 <= int(match[3]) <= 4096):
        return None
    return match[1], int(match[2]), int(match[3])


NEEDS = {"big-number": "number", "photo-quote": "quote"}
"""The text a preset is built around."""


def preset_problems(
    rel: str, preset: str, sizes: tuple[str, ...], texts: set[str], lines: dict[str, int]
) -> list[Problem]:
    """Sizes that name no size, and the preset's own text when it is missing."""
    problems = [
        Problem(
            rel,
            lines.get(f"sizes.{index}", lines.get("sizes", 1)),
            _(
                "sizes: '{name}' is no size; expected banner-WIDTHxHEIGHT or "
                "social-WIDTHxHEIGHT (16 to 4096 pixels), e.g. banner-300x250"
            ).format(name=name),
        )
        for index, name in enumerate(sizes)
        if parse_size(name) is None
    ]
    needed = NEEDS.get(preset)
    if needed and needed not in texts:
        problems.append(
            Problem(
                rel,
                lines.get("preset", 1),
                _("preset {preset} is built around texts.{text}: set it").format(
                    preset=preset, text=needed
                ),
            )
        )
    return problems


def preset_images(
    preset: str,
    sizes: tuple[str, ...],
    brand: Brand,
    texts: set[str],
    *,
    picture: bool,
    line: int,
) -> tuple[ImageSpec, ...]:
    """The images of a preset at every size, placing only the texts the campaign sets."""
    images = []
    for name in sizes:
        parsed = parse_size(name)
        if parsed is None:
            continue  # (a problem of the rules, at the line of ``sizes``)
        medium, width, height = parsed
        images.append(
            _image(preset, name, medium, width, height, brand, texts, picture=picture, line=line)
        )
    return tuple(images)


def shape(width: int, height: int) -> str:
    """Which reference layout an image of this size takes."""
    ratio = width / height
    if ratio >= 4:
        return "leaderboard" if height >= 70 else "strip"
    if ratio <= 0.5:
        return "skyscraper"
    if max(width, height) < 600:
        return "rectangle"
    return "square" if ratio < 1.4 else "landscape"


def _image(
    preset: str,
    name: str,
    medium: str,
    width: int,
    height: int,
    brand: Brand,
    texts: set[str],
    *,
    picture: bool,
    line: int,
) -> ImageSpec:
    kind = shape(width, height)
    reference = LAYOUTS[kind]
    sx, sy = width / reference.width, height / reference.height
    scale = min(sx, sy)
    roles = _roles(preset, texts)
    # (A strip 50 pixels high has no room for a photo: its texts keep the whole width.)
    spot = (
        _picture_spot(kind, width, height) if preset == "photo-quote" and kind != "strip" else None
    )
    boxes: list[Placed] = []
    for slot in reference.slots:
        text = roles.get(slot.role)
        if text is None:
            continue
        x, y, w, h = slot.x * sx, slot.y * sy, slot.width * sx, slot.height * sy
        if spot is not None and slot.role != "label":
            x, y, w, h = _beside(spot, kind, x, y, w, h, width, height)
        size, min_size = _sizes(slot, scale, big=preset == "big-number" and text == "number")
        boxes.append(
            Placed(
                text=text,
                x=round(x, 1),
                y=round(y, 1),
                width=round(w, 1),
                height=round(h, 1),
                size=size,
                min_size=min(min_size, size),
                bold=slot.bold or text == "quote",
                align=slot.align,
                color=_colour(slot.role, text, brand),
                button=slot.role == "cta",
                plate=None if slot.role == "cta" else AUTO,
                member=slot.role in MEMBER_ROLES,
                line=line,
            )
        )
    qr = None
    if reference.qr is not None:
        qx, qy, qsize = reference.qr
        qr = QrSpot(round(qx * sx, 1), round(qy * sy, 1), round(qsize * scale, 1))
        if spot is not None:  # on the picture's lower corner, away from the texts
            qsize = min(qr.size, spot.width * 0.8)
            qr = QrSpot(
                round(spot.x + (spot.width - qsize) / 2, 1),
                round(height - qsize - height * 0.05, 1),
                round(qsize, 1),
            )
    size_name = f"{width} × {height}"
    title = f"{TITLES[name]} ({size_name})" if name in TITLES else f"{medium.title()} {size_name}"
    return ImageSpec(
        name=name,
        title=title,
        width=width,
        height=height,
        medium=medium,
        background=brand.background,
        accent=brand.accent,
        dark=brand.dark,
        qr=qr if medium == "social" else None,
        picture=spot if picture else None,
        boxes=tuple(boxes),
        line=line,
    )


def _roles(preset: str, texts: set[str]) -> dict[str, str]:
    """Which text stands in which role of the layout, for the texts the campaign sets."""
    roles = {role: role for role in ("label", "headline", "subline", "bonus", "cta", "risk")}
    roles |= {role: role for role in MEMBER_ROLES}
    if preset == "big-number":
        roles |= {"headline": "number", "subline": "headline"}
    elif preset == "photo-quote":
        roles |= {"headline": "quote", "subline": "headline"}
    return {role: text for role, text in roles.items() if text in texts}


def _sizes(slot: Slot, scale: float, *, big: bool) -> tuple[int, int]:
    factor = 1.4 if big else 1.0  # the number is the picture: as large as its box allows
    size = max(6, round(slot.size * scale * factor))
    return size, max(6, round(slot.min_size * scale))


def _colour(role: str, text: str, brand: Brand) -> str:
    if role == "cta":
        return brand.dark  # on the button, which is the accent colour
    if role == "bonus" or text == "number":
        return brand.accent  # the emphasis; a plate comes behind it where it is too faint
    return AUTO


def _picture_spot(kind: str, width: int, height: int) -> PictureSpot:
    """The part of the image the picture fills: the right side, or the top of a tall one."""
    if kind == "skyscraper":
        return PictureSpot(0, 0, width, round(height * 0.28, 1))
    share = 0.3 if kind == "leaderboard" else 0.4
    left = round(width * (1 - share), 1)
    return PictureSpot(left, 0, round(width - left, 1), height)


def _beside(
    spot: PictureSpot, kind: str, x: float, y: float, w: float, h: float, width: int, height: int
) -> tuple[float, float, float, float]:
    """A box moved out of the picture: squeezed left of it, or below it in a tall image."""
    if kind == "skyscraper":
        top = spot.height + height * 0.02
        ratio = (height - top) / height
        return x, top + y * ratio, w, h * ratio
    if kind == "leaderboard":
        # The strip's texts sit in a row: squeeze the whole row into the part left of it.
        start = LAYOUTS["leaderboard"].slots[0].x * width / LAYOUTS["leaderboard"].width
        ratio = (spot.x - width * 0.01 - start) / (width - start)
        return start + (x - start) * ratio, y, w * ratio, h
    right = spot.x - width * 0.03
    return x, y, max(min(w, right - x), w * 0.3), h


def with_overrides(
    images: tuple[ImageSpec, ...], own: tuple[ImageSpec, ...]
) -> tuple[ImageSpec, ...]:
    """The preset's images, each replaced by the campaign's own image of the same name."""
    named = {image.name: image for image in own}
    result = [named.pop(image.name, image) for image in images]
    return (*result, *named.values())
