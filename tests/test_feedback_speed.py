"""The shortcuts of reading the feedback mailbox give the same answers as the long way.

Every message read costs its INTERNALDATE and a count of its nested parts before it is parsed;
both are now taken the short way (by hand instead of strptime; no count for a message too short
to exceed the limit), and must never answer differently.
"""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.feedback import limits
from generator.feedback.limits import MAX_PARTS, Refused, open_message
from generator.feedback.mailbox import ARRIVED, _internaldate

MONTH_NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _long_way(text: str) -> dt.datetime | None:
    """The INTERNALDATE as strptime reads it (None where it cannot)."""
    try:
        day, month, rest = text.strip().split("-", 2)
        number = [m.lower() for m in MONTH_NAMES].index(month.lower()) + 1
        moment = dt.datetime.strptime(f"{day}-{number}-{rest}", "%d-%m-%Y %H:%M:%S %z")
    except ValueError:
        return None
    return moment.astimezone(dt.UTC)


def _arrived(text: str) -> re.Match[bytes] | None:
    return ARRIVED.search(b'1 FETCH (UID 7 INTERNALDATE "' + text.encode() + b'")')


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    minutes=st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59),
    padded=st.booleans(),
)
def test_an_imap_date_is_read_as_strptime_reads_it(moment, minutes, padded):
    sign = "-" if minutes < 0 else "+"
    day = f"{moment.day:2d}" if padded else f"{moment.day:02d}"  # RFC 3501: " 5" or "05"
    text = (
        f"{day}-{MONTH_NAMES[moment.month - 1]}-{moment.year} {moment:%H:%M:%S} "
        f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    )
    expected = _long_way(text)
    assert expected is not None
    assert _internaldate(_arrived(text)) == expected


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="0123456789-+: JanFebDcxyz", max_size=30))
def test_a_date_that_is_none_is_now_and_never_an_error(text):
    before = dt.datetime.now(dt.UTC)
    read = _internaldate(_arrived(text))
    expected = _long_way(text)
    if expected is not None:
        assert read == expected
    else:
        assert read >= before


def _refused_for_parts(raw: bytes) -> bool:
    try:
        open_message(raw)
    except Refused as refused:
        return refused.reason == "parts"
    return False


CONTAINER_LINES = st.sampled_from(
    [b"content-type:message/", b"Content-Type: multipart/mixed", b"x", b"content-type: text/"]
)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(CONTAINER_LINES, min_size=MAX_PARTS - 5, max_size=MAX_PARTS + 5))
def test_the_part_count_is_skipped_only_where_it_could_not_refuse(lines):
    raw = b"\n".join(lines)
    counted = len(limits.CONTAINER.findall(raw)) > MAX_PARTS
    assert _refused_for_parts(raw) == counted
