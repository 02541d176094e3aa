"""The fonts shipped in ``generator/fonts/``: measured by Pillow, found by CairoSVG and WeasyPrint."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from fontTools.ttLib import TTFont  # a dependency of WeasyPrint
from PIL import ImageFont

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FAMILY = "DejaVu Sans"
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"


def use_shipped_fonts() -> None:
    """Point fontconfig at the shipped fonts; must run before cairo or pango load fonts."""
    # Always ours, whatever the machine says: a foreign FONTCONFIG_FILE or a user's fonts.conf
    # could alias the family to another font. fontconfig reads this once, on first use.
    os.environ["FONTCONFIG_FILE"] = str(FONT_DIR / "fonts.conf")
    os.environ.pop("FONTCONFIG_SYSROOT", None)


@functools.lru_cache(maxsize=512)
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The shipped font at ``size`` pixels, for measuring text the way it will be drawn."""
    return ImageFont.truetype(str(BOLD if bold else REGULAR), size)


@functools.lru_cache(maxsize=2)
def covered(*, bold: bool = False) -> frozenset[int]:
    """Code points the shipped font has glyphs for."""
    return frozenset(TTFont(str(BOLD if bold else REGULAR), lazy=True).getBestCmap())


def missing_glyphs(text: str, *, bold: bool = False) -> list[str]:
    """Characters of ``text`` the shipped font cannot draw (line breaks and soft hyphens aside)."""
    have = covered(bold=bold)
    return sorted({c for c in text if c not in "\n\r\t\u00ad" and ord(c) not in have})
