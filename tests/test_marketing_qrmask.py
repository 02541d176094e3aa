"""The QR code's mask chosen in numpy: the same code as segno's own search makes."""

from __future__ import annotations

import numpy as np
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.marketing import qrmask

LINK = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/?=&.", min_size=1, max_size=300)


@settings(max_examples=150, deadline=None)
@given(LINK)
def test_the_code_is_the_one_segno_chooses(tail: str) -> None:
    url = f"https://mwk.example/r/{tail}"
    ours = qrmask.make(url)
    theirs = segno.make(url, error="m", micro=False)
    assert (ours.version, ours.error, ours.mask) == (theirs.version, theirs.error, theirs.mask)
    assert ours.matrix == theirs.matrix


def test_the_masks_vary_with_the_link() -> None:
    # Many masks win for some member's link: the scores are not stuck on one.
    links = (f"https://mwk.example/r/m{n:05d}-{n * 7919 % 10**6:06d}/mwm{n}" for n in range(300))
    assert len({qrmask.make(url).mask for url in links}) >= 6


def test_a_code_with_version_information_matches() -> None:
    # Version 7 and up carry version information outside the data region.
    url = "https://mwk.example/" + "x" * 180
    ours, theirs = qrmask.make(url), segno.make(url, error="m", micro=False)
    assert ours.version >= 7
    assert np.array_equal(np.array(ours.matrix), np.array(theirs.matrix))
