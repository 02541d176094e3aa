"""A member's flyer: their personal area, laid out alone, put into the layout every kit shares.

Laying out the whole flyer with WeasyPrint, twice a kit (print shop and home printer), was
half of a kit's time. The template marks the element that holds all that names the member
(``data-persoenlich``: QR code, code, link); the flyer is laid out once per campaign with the
sample member, and for each member only that element is laid out (the template's
``nur_persoenlich``) and put in the sample's place before WeasyPrint writes the PDF. The PDF
is WeasyPrint's own: real text, the fonts embedded as subsets of what the page shows.
A template without the mark (or one that names the member outside it) is laid out whole
for every member, as before. This reaches into WeasyPrint's layout (its boxes, their copy and
move, the placing of backgrounds): tests/test_marketing_flyerparts.py compares the pages with
those laid out whole, so a WeasyPrint that changes any of it fails there, not in print.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.core.problems import Problem
from generator.core.sections.operator import Operator
from generator.marketing.campaign import PLACEHOLDER_CODE, Campaign
from generator.marketing.render import Recipient, flyer_document, flyer_pdf, flyer_qr
from generator.marketing.schemas import FlyerSpec

MARK = "data-persoenlich"
SAMPLE = Recipient(PLACEHOLDER_CODE, "Maxi Mustermann")
"""Whose personal area the shared layout is made with (never written: it is replaced)."""


@dataclass
class _Slot:
    """Where a personal area stands in the shared layout: its parent box, index and corner."""

    parent: Any
    index: int
    x: float
    y: float


@dataclass
class _Shared:
    """The flyer laid out for the sample member, and the places of its personal areas."""

    document: Any
    slots: list[_Slot]


_shared: dict[tuple[str, str, bool], _Shared | None] = {}
_personal: dict[tuple[str, str, str, bool], tuple[Any, float, float]] = {}


def _version(campaign: Campaign) -> str:
    """What the layouts of a campaign depend on: its files, and the settings that reach them."""
    return repr(
        (
            campaign.digest,
            str(campaign.templates),
            campaign.platform,
            campaign.landing_url,
            campaign.short_form,
        )
    )


def member_flyer(
    campaign: Campaign, flyer: FlyerSpec, operator: Operator, recipient: Recipient, *, home: bool
) -> tuple[bytes | None, list[Problem]]:
    """The member's flyer as PDF, the same as ``flyer_pdf`` makes it whole."""
    shared, problems = _shared_layout(campaign, flyer, operator, home)
    if shared is None:
        return (
            (None, problems)
            if problems
            else flyer_pdf(campaign, flyer, operator, recipient, home=home)
        )
    area, problems = _personal_area(campaign, flyer, operator, recipient, home)
    if area is None:  # (a template that draws the mark only in the whole flyer)
        return (
            (None, problems)
            if problems
            else flyer_pdf(campaign, flyer, operator, recipient, home=home)
        )
    return _written(shared, area), []


def _shared_layout(
    campaign: Campaign, flyer: FlyerSpec, operator: Operator, home: bool
) -> tuple[_Shared | None, list[Problem]]:
    """The layout every member's flyer shares (once per campaign version in a process)."""
    cache_key = (_version(campaign), repr(operator), home)
    if cache_key in _shared:
        return _shared[cache_key], []
    document, problems = flyer_document(campaign, flyer, operator, SAMPLE, home=home)
    if document is None:
        return None, problems
    slots: list[_Slot] = []
    named_outside = False
    sample_qr = flyer_qr(campaign, flyer, SAMPLE)
    stack = [document.pages[0]._page_box] if len(document.pages) == 1 else []
    while stack:
        box = stack.pop()
        for index, child in enumerate(getattr(box, "children", ())):
            if _marked(child):
                slots.append(_Slot(box, index, child.position_x, child.position_y))
                continue
            # The sample's code, link or QR code outside the personal area (as text, or in an
            # attribute: a link's href, an image's src) would be every member's.
            named_outside |= PLACEHOLDER_CODE in (getattr(child, "text", "") or "")
            element = getattr(child, "element", None)
            if element is not None and not named_outside:
                named_outside = any(
                    PLACEHOLDER_CODE in value or value == sample_qr
                    for value in element.attrib.values()
                )
            stack.append(child)
    if len(_shared) > 8:
        _shared.clear()
    _shared[cache_key] = _Shared(document, slots) if slots and not named_outside else None
    return _shared[cache_key], []


def _marked(box: Any) -> bool:
    """Whether ``box`` is the (outermost) box of an element marked as the personal area."""
    element = getattr(box, "element", None)
    return (
        element is not None
        and element.get(MARK) is not None
        and not getattr(box.style, "anonymous", False)
    )


def _personal_area(
    campaign: Campaign,
    flyer: FlyerSpec,
    operator: Operator,
    recipient: Recipient,
    home: bool,
) -> tuple[tuple[Any, float, float] | None, list[Problem]]:
    """The member's personal area laid out alone, and its corner; once for both flyers.

    Laid out with the print shop's stylesheet, unless the home printer's styles the area
    differently (then once for each).
    """
    own = home and _home_restyles(campaign, flyer, operator)
    cache_key = (_version(campaign), recipient.code or "", recipient.name, own)
    if cache_key in _personal:
        return _personal[cache_key], []
    document, problems = flyer_document(
        campaign, flyer, operator, recipient, home=own, personal=True
    )
    if document is None:
        return None, problems
    box = _area(document)
    area = None if box is None else (box, box.position_x, box.position_y)
    if area is not None and not _backgrounds_laid_out(area[0].deepcopy(), document):
        area = None  # a picture behind the personal area: laid out whole for every member
    if area is not None:
        if not any(key[1:3] == cache_key[1:3] for key in _personal):
            _personal.clear()  # one member at a time: the two flyers of a kit
        _personal[cache_key] = area
    return area, []


def _area(document: Any) -> Any:
    """The box of the personal area in a laid-out flyer, or None."""
    stack = [document.pages[0]._page_box]
    while stack:
        box = stack.pop()
        if _marked(box):
            return box
        stack.extend(getattr(box, "children", ()))
    return None


_restyled: dict[str, bool] = {}


def _home_restyles(campaign: Campaign, flyer: FlyerSpec, operator: Operator) -> bool:
    """Whether the home printer's stylesheet changes how the personal area looks (once)."""
    version = _version(campaign)
    if version not in _restyled:
        looks = []
        for home in (False, True):
            document, _problems = flyer_document(
                campaign, flyer, operator, SAMPLE, home=home, personal=True
            )
            looks.append(_looks(None if document is None else _area(document)))
        if len(_restyled) > 8:
            _restyled.clear()
        _restyled[version] = looks[0] != looks[1]
    return _restyled[version]


def _looks(area: Any) -> list[tuple[object, ...]]:
    """Every box of the area: its kind, place in the area, size and every computed property."""
    from weasyprint.css.properties import INITIAL_VALUES

    if area is None:
        return []
    names = sorted(INITIAL_VALUES)
    return [
        (
            type(box).__name__,
            round(box.position_x - area.position_x, 3),
            round(box.position_y - area.position_y, 3),
            str(box.width),
            str(box.height),
            tuple(_computed(box.style, name) for name in names),
        )
        for box in area.descendants()
    ]


def _computed(style: Any, name: str) -> str:
    try:
        return str(style[name])
    except KeyError:  # (a logical property WeasyPrint computes only through its physical one)
        return ""


def _written(shared: _Shared, area: tuple[Any, float, float]) -> bytes:
    """The shared layout with the member's area in each slot, written as PDF; then restored."""
    box, x, y = area
    document = shared.document
    page_box = document.pages[0]._page_box
    # Drawing the page adds its crop marks to the page's background layers: restored after.
    layers = list(page_box.background.layers) if page_box.background else None
    originals = []
    for slot in shared.slots:
        originals.append(slot.parent.children[slot.index])
        placed = box.deepcopy()
        placed.translate(slot.x - x, slot.y - y)
        _backgrounds_laid_out(placed, document)
        slot.parent.children[slot.index] = placed
    document.fonts = {}  # the fonts' glyph subsets: this member's page only
    try:
        return bytes(document.write_pdf())
    finally:
        for slot, original in zip(shared.slots, originals, strict=True):
            slot.parent.children[slot.index] = original
        if layers is not None:
            page_box.background.layers[:] = layers


class _Fetch(Exception):
    """A background of the personal area names a picture (the shared layout has no fetcher)."""


def _no_fetch(**_arguments: Any) -> Any:
    raise _Fetch


def _backgrounds_laid_out(box: Any, document: Any) -> bool:
    """Place the backgrounds of a moved ``box`` anew (WeasyPrint places them after layout)."""
    from weasyprint.layout.background import layout_box_backgrounds

    try:
        layout_box_backgrounds(document.pages[0]._page_box, box, _no_fetch)
    except _Fetch:
        return False
    return True
