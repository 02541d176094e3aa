"""The short cuts of a kit's images keep their results: parts as drawn whole, verdicts as before."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from marketing_helpers import decode_qr, repo_campaign
from PIL import Image

from generator.marketing.compose import assemble, personal_parts
from generator.marketing.contrast import WHITE, Verdict, judge
from generator.marketing.kits import shared_renders
from generator.marketing.render import Recipient, image_svg, png

NAMES = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzäöüßABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜ -'", min_size=1
).filter(lambda name: name.strip() != "")


@settings(max_examples=6, deadline=None)
@given(
    name=NAMES.map(lambda name: name[:40]),
    number=st.integers(min_value=0, max_value=99999),
)
def test_a_members_image_put_together_from_its_parts_is_the_image_drawn_whole(
    name: str, number: int
) -> None:
    project, campaign = repo_campaign()
    shared = shared_renders(project, [campaign])[campaign.slug]
    member = Recipient(f"m{number:05d}-x", name, 2)
    for spec in (spec for spec in campaign.images if spec.personal):
        generic = shared[f"{spec.name}.png"]
        data, parts, problems = personal_parts(campaign, spec, member, generic)
        if data is None:  # a name that fits no size is a problem, not a wrong image
            assert problems
            continue
        svg, _problems = image_svg(campaign, spec, member)
        assert svg is not None
        whole = np.asarray(Image.open(io.BytesIO(png(svg, spec.width, spec.height))).convert("RGB"))
        put_together = np.asarray(assemble(generic, data, parts))
        # The parts hold the palette of the generic image (at most 256 colours).
        difference = np.abs(whole.astype(int) - put_together.astype(int)).max(axis=2)
        assert (difference > 48).mean() < 0.001, spec.name
        assert decode_qr(Image.fromarray(put_together)) == decode_qr(Image.fromarray(whole))


def _judge_as_before(
    colour: str, background: np.ndarray, mask: np.ndarray, needed: float
) -> Verdict:
    """The contrast check as it was written first: every pixel, rows of three sorted."""
    from generator.marketing.contrast import TOLERANCE, luminance

    pixels = background[mask]
    if len(pixels) == 0:
        return Verdict(21.0, needed, WHITE)
    c = pixels.astype(float) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    lum = linear @ np.array([0.2126, 0.7152, 0.0722])
    text = luminance(colour)
    ratios = (np.maximum(lum, text) + 0.05) / (np.minimum(lum, text) + 0.05)
    failing = ratios < needed
    if failing.mean() <= TOLERANCE:
        behind = "#" + "".join(f"{int(v):02x}" for v in pixels[0][:3])
        return Verdict(float(np.quantile(ratios, TOLERANCE)), needed, behind)
    values, counts = np.unique(pixels[failing], axis=0, return_counts=True)
    worst = values[int(np.argmax(counts))]
    behind = "#" + "".join(f"{int(v):02x}" for v in worst[:3])
    return Verdict(float(np.median(ratios[failing])), needed, behind)


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    colours=st.integers(min_value=1, max_value=6),
    colour=st.sampled_from(["#ffffff", "#004d40", "#ffc107", "#777777"]),
    needed=st.sampled_from([3.0, 4.5]),
    density=st.floats(min_value=0.0, max_value=0.3),
)
def test_the_contrast_verdict_is_the_one_every_pixel_gave(
    seed: int, colours: int, colour: str, needed: float, density: float
) -> None:
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, size=(colours, 3), dtype=np.uint8)
    background = palette[rng.integers(0, colours, size=(30, 40))]
    mask = rng.random((30, 40)) < density
    assert judge(colour, background, mask, needed) == _judge_as_before(
        colour, background, mask, needed
    )
