"""The first screen's deliverability light: the mailbox providers' lines, and never greener
with more complaints or bounces."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.report.figures import NewsletterFigures
from generator.report.glance import health

ORDER = {"gruen": 0, "gelb": 1, "rot": 2}


def sent(count: int, *, complaints: int = 0, hard: int = 0, soft: int = 0) -> NewsletterFigures:
    return NewsletterFigures(
        slug="n", started=None, finished=None, duration=None, runs=1, sent=count, failed=0,
        uncertain=0, pending=0, failures=(), excluded=(), hard_bounces=hard, soft_bounces=soft,
        complaints=complaints,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("complaints", "bounces", "light"),
    [
        (0, 0, "gruen"),
        (9, 0, "gruen"),  # 0.09 %
        (10, 0, "gelb"),  # 0.1 %: Gmail's and Yahoo's target
        (29, 0, "gelb"),
        (30, 0, "rot"),  # 0.3 %: their limit
        (0, 199, "gruen"),
        (0, 200, "gelb"),  # 2 % bounces
        (0, 500, "rot"),  # 5 %
    ],
)
def test_the_light_turns_at_the_providers_lines(complaints, bounces, light):
    newsletter = sent(10_000, complaints=complaints, hard=bounces)
    result = health(newsletter)
    assert result is not None and result.light == light


@settings(max_examples=200, deadline=None)
@given(
    count=st.integers(1, 100_000),
    complaints=st.integers(0, 1_000),
    bounces=st.integers(0, 10_000),
    more=st.integers(0, 1_000),
)
def test_more_complaints_or_bounces_never_make_it_greener(count, complaints, bounces, more):
    base = health(sent(count, complaints=complaints, soft=bounces))
    worse_complaints = health(sent(count, complaints=complaints + more, soft=bounces))
    worse_bounces = health(sent(count, complaints=complaints, soft=bounces + more))
    assert base is not None and worse_complaints is not None and worse_bounces is not None
    assert ORDER[worse_complaints.light] >= ORDER[base.light]
    assert ORDER[worse_bounces.light] >= ORDER[base.light]


def test_no_light_without_a_newsletter():
    assert health(None) is None
