"""A member's image drawn onto the shared start of its kind: the pixels of the whole drawing."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from generator.marketing import raster
from generator.marketing.render import png

WIDTH, HEIGHT = 200, 120
BOXES = [(0, 0, WIDTH, HEIGHT), (150, 70, 200, 120)]
HEAD = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}">'
)
COLOURS = st.sampled_from(["#00796b", "#004d40", "#ffc107", "#ffffff", "#d81b60", "#000000"])
SHAPE = st.one_of(
    st.builds(
        '<circle cx="{}" cy="{}" r="{}" fill="{}" fill-opacity="{}"/>'.format,
        st.integers(0, WIDTH),
        st.integers(0, HEIGHT),
        st.integers(1, 90),
        COLOURS,
        st.sampled_from(["1", "0.3", "0.9"]),
    ),
    st.builds(
        '<text x="{}" y="{}" font-family="DejaVu Sans" font-size="{}" fill="{}">{}</text>'.format,
        st.integers(0, WIDTH - 20),
        st.integers(10, HEIGHT),
        st.integers(8, 30),
        COLOURS,
        st.sampled_from(["Anna Groß", "m00042-123456", "Jetzt Mitglied werden", "ÄÖÜ ẞ"]),
    ),
)


def whole(svg: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png(svg, WIDTH, HEIGHT))).convert("RGB"))


def assert_drawn_whole(svg: str, kind: str) -> None:
    drawn = whole(svg)
    for (left, top, right, bottom), piece in zip(
        BOXES, raster.pieces(svg, WIDTH, HEIGHT, BOXES, kind), strict=True
    ):
        assert np.array_equal(np.asarray(piece), drawn[top:bottom, left:right]), svg


@settings(max_examples=25, deadline=None)
@given(
    start=st.lists(SHAPE, min_size=1, max_size=4),
    members=st.lists(st.lists(SHAPE, min_size=0, max_size=3), min_size=3, max_size=5),
)
def test_members_drawn_onto_the_shared_start_are_drawn_whole(
    start: list[str], members: list[list[str]]
) -> None:
    kind = repr((start, members))  # (a fresh start for each example)
    background = f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#00796b"/>'
    for own in members:
        assert_drawn_whole(HEAD + background + "".join(start + own) + "</svg>", kind)
    assert raster._starts, "the start is kept"


def test_a_start_that_changes_is_drawn_again() -> None:
    head = HEAD + '<rect width="200" height="120" fill="#004d40"/>'
    for first, second in [("#ffc107", "#000000"), ("#ffc107", "#ffffff"), ("#d81b60", "#000")]:
        svg = (
            f'{head}<circle cx="60" cy="60" r="50" fill="{first}"/>'
            f'<circle cx="170" cy="100" r="30" fill="{second}"/></svg>'
        )
        assert_drawn_whole(svg, "changing")


def test_a_members_element_naming_a_shared_gradient_is_drawn_whole() -> None:
    # The gradient is drawn in the shared start; the member's circle names it.
    gradient = (
        '<linearGradient id="g"><stop offset="0" stop-color="#ffc107"/>'
        '<stop offset="1" stop-color="#d81b60"/></linearGradient>'
    )
    for colour in ("#000000", "#ffffff", "#004d40"):
        svg = (
            f'{HEAD}{gradient}<rect width="200" height="120" fill="{colour}"/>'
            '<circle cx="170" cy="95" r="30" fill="url(#g)"/></svg>'
        )
        assert_drawn_whole(svg, "gradient")


def test_a_member_style_that_restyles_the_shared_start_is_drawn_whole() -> None:
    for colour in ("#ffc107", "#d81b60", "#000000"):
        svg = (
            f'{HEAD}<rect class="hinten" width="200" height="120" fill="#004d40"/>'
            f"<style>.hinten {{ fill: {colour} }}</style></svg>"
        )
        assert_drawn_whole(svg, "style")
