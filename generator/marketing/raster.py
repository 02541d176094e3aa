"""A member's image drawn for its parts, onto the drawing every member's image begins with.

Each member's SVG starts with the same elements (background, logo, the texts before the
first one naming the member); cairosvg drew them for every kit, the big shapes and the
texts letter by letter. Those leading elements are drawn once, and each member's
remaining elements are drawn onto a copy of those pixels: the same operations on the same
pixels, so the same result as the whole drawing (tests/test_marketing_raster.py).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

DEFINED = re.compile(rb'\bid="([^"]+)"')
NAMED = re.compile(rb"""url\(\s*['"]?#([^)'"\s]+)|href="#([^"]+)\"""")
"""Where an element names another (a gradient, clip path, ``use``): both must be drawn alike."""


@dataclass
class _Start:
    """The leading elements seen in a kind of image, and the pixels of the first ``count``."""

    elements: list[bytes]
    count: int = 0
    pixels: bytes | None = None


_starts: dict[tuple[object, ...], _Start] = {}


def pieces(
    svg: str, width: int, height: int, boxes: list[tuple[int, int, int, int]], kind: str = ""
) -> list[Image.Image]:
    """Rasterise SVG at ``width``×``height`` pixels; the RGB pixels of each of ``boxes``.

    As ``render.png`` would draw and decode them, without the PNG in between, and only the
    boxes converted to RGB. ``kind`` names the image: SVGs of one kind share their start.
    """
    from cairosvg.parser import Tree

    source = svg.encode("utf-8")
    tree = Tree(bytestring=source)
    count, pixels = _shared_start(source, tree, width, height, kind)
    if pixels is not None:
        tree.children = tree.children[count:]
    surface = _surface(pixels)(tree, None, 96, output_width=width, output_height=height)
    canvas = surface.cairo
    canvas.flush()
    stride = canvas.get_stride()
    data = np.frombuffer(canvas.get_data(), dtype=np.uint8).reshape(canvas.get_height(), stride)
    result = []
    for left, top, right, bottom in boxes:
        window = np.ascontiguousarray(data[top:bottom, 4 * left : 4 * right])
        # cairo's ARGB32 is premultiplied, in native byte order (BGRA here): PIL's "BGRa".
        size = (right - left, bottom - top)
        image = Image.frombuffer("RGBA", size, window.tobytes(), "raw", "BGRa", 0, 1)
        result.append(image.convert("RGB"))
    return result


def _shared_start(
    source: bytes, tree: Any, width: int, height: int, kind: str
) -> tuple[int, bytes | None]:
    """How many leading elements are drawn already, and their pixels (None: draw all)."""
    elements = [ET.tostring(child.xml_tree) for child in tree.children]
    styles = [ET.tostring(e) for e in tree.xml_tree.iter() if str(e.tag).endswith("style")]
    cache_key = (kind, width, height, repr(sorted(tree.xml_tree.attrib.items())), *styles)
    start = _starts.get(cache_key)
    if start is None:
        if len(_starts) > 16:
            _starts.clear()
        _starts[cache_key] = _Start(elements)  # the next image of this kind shows what is shared
        return 0, None
    if start.pixels is not None and elements[: start.count] == start.elements[: start.count]:
        return start.count, start.pixels
    # Shrinks only: a kits run settles on what every member's image begins with.
    known = start.elements[: start.count] if start.pixels is not None else start.elements
    count = 0
    while count < min(len(known), len(elements)) and known[count] == elements[count]:
        count += 1
    if count == 0 or not _apart(elements, count):
        return 0, None
    start.elements, start.count = elements, count
    start.pixels = _drawn(source, count, width, height)
    return count, start.pixels


def _apart(elements: list[bytes], count: int) -> bool:
    """Whether no element before ``count`` names one after it, nor one after one before."""
    ids = [set(DEFINED.findall(element)) for element in elements]
    names = [{a or b for a, b in NAMED.findall(element)} for element in elements]
    before_ids, after_ids = set().union(*ids[:count]), set().union(*ids[count:])
    before_names, after_names = set().union(*names[:count]), set().union(*names[count:])
    return not (before_names & after_ids or after_names & before_ids)


def _drawn(source: bytes, count: int, width: int, height: int) -> bytes:
    """The pixels of the first ``count`` elements of the SVG alone."""
    from cairosvg.parser import Tree
    from cairosvg.surface import PNGSurface

    tree = Tree(bytestring=source)  # (drawing changes a tree's text nodes: a fresh one)
    tree.children = tree.children[:count]
    surface = PNGSurface(tree, None, 96, output_width=width, output_height=height)
    surface.cairo.flush()
    return bytes(surface.cairo.get_data())


def _surface(pixels: bytes | None) -> Any:
    """cairosvg's PNG surface, starting from ``pixels`` when given."""
    import cairocffi
    from cairosvg.surface import PNGSurface

    if pixels is None:
        return PNGSurface

    class Continued(PNGSurface):
        def _create_surface(self, width: float, height: float) -> tuple[Any, int, int]:
            surface = cairocffi.ImageSurface(
                cairocffi.FORMAT_ARGB32, int(round(width)), int(round(height))
            )
            surface.get_data()[:] = pixels
            surface.mark_dirty()
            return surface, int(round(width)), int(round(height))

    return Continued
