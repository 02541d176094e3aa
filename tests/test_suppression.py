"""The suppression store: soft bounces in a row, resets, lifting by a new consent, atomic filing."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from feedback_helpers import LASTSCHRIFT, NOVEMBER, WERBEN
from journal_helpers import journal_sql
from members_helpers import member, member_row, members_file

from generator.feedback.suppression import Event, Read, SuppressionStore, iso, suppressions
from generator.members.recipients import Audience, exclusion
from generator.members.source import read_members
from generator.sending.journal import Journal

NOW = dt.datetime(2026, 12, 20, 12, 0, tzinfo=dt.UTC)


def days_ago(days: float) -> str:
    return iso(NOW - dt.timedelta(days=days))


def soft(address: str, newsletter: str, days: float, evidence: str = "") -> Event:
    return Event(
        "soft_bounce",
        address,
        newsletter,
        "4.2.2 full",
        evidence or f"<{newsletter}>",
        days_ago(days),
    )


def sent(journal: Path, newsletter: str, address: str, days: float) -> None:
    """A journal row: ``newsletter`` reached the relay for ``address`` ``days`` ago."""
    db = Journal(journal)
    db.plan(newsletter, [(address, f"<{newsletter}.x@mitgliederwerk.example>")], "c0ffee")
    db.mark(newsletter, address, "sent", "250 ok")
    db.close()
    journal_sql(
        journal,
        "UPDATE deliveries SET sent_at = ? WHERE newsletter = ?",
        days_ago(days),
        newsletter,
    )


@pytest.fixture
def store(tmp_path: Path):
    with SuppressionStore(tmp_path / "suppression.sqlite") as opened:
        yield opened


def test_three_soft_bounces_on_three_newsletters_suppress(store, tmp_path):
    store.add([soft(member(1), NOVEMBER, 40), soft(member(1), LASTSCHRIFT, 25)])
    store.add([soft(member(2), NOVEMBER, 40)] * 3)  # one newsletter, three delay notices
    assert store.apply_soft_bounce_limit(3, None, NOW) == []

    store.add([soft(member(1), WERBEN, 2)])
    added = store.apply_soft_bounce_limit(3, None, NOW)

    assert [(row.address, row.reason, row.newsletter, row.detail) for row in added] == [
        (member(1), "soft_bounces", WERBEN, "3 soft bounces in a row")
    ]
    assert store.apply_soft_bounce_limit(3, None, NOW) == []  # nothing new on the next run
    assert [row.address for row in store.suppressions()] == [member(1)]


def test_a_newsletter_that_got_through_resets_the_count(store, tmp_path):
    journal = tmp_path / "journal.sqlite"
    store.add([soft(member(1), NOVEMBER, 60), soft(member(1), LASTSCHRIFT, 45)])
    sent(journal, "2026-11-10-dazwischen", member(1), 30)  # no bounce came back for this one
    store.add([soft(member(1), WERBEN, 2)])

    assert store.apply_soft_bounce_limit(3, Journal(journal), NOW) == []
    assert (
        store.apply_soft_bounce_limit(1, Journal(journal), NOW)[0].detail
        == "1 soft bounces in a row"
    )


def test_a_send_too_recent_to_have_bounced_resets_nothing(store, tmp_path):
    journal = tmp_path / "journal.sqlite"
    store.add([soft(member(1), NOVEMBER, 60), soft(member(1), LASTSCHRIFT, 45)])
    sent(journal, WERBEN, member(1), 1)  # its bounce may still be on its way…
    store.add([soft(member(1), WERBEN, 0.5)])  # …and here it is

    assert [row.address for row in store.apply_soft_bounce_limit(3, Journal(journal), NOW)] == [
        member(1)
    ]


def test_a_suppression_stands_until_consent_is_confirmed_again(store, tmp_path):
    store.add(
        [
            Event("hard_bounce", member(1), NOVEMBER, "5.1.1", "<a>", "2026-11-03T09:00:00.000+00:00"),
            Event("unsubscribe", member(2), "", "", "<b>", "2026-11-03T09:00:00.000+00:00"),
            Event("complaint", member(3), NOVEMBER, "ARF abuse", "<c>", "2026-11-03T09:00:00.000+00:00"),
        ]
    )  # fmt: skip
    again = "2026-01-02T10:00:00+01:00,2026-12-01T10:05:00+01:00,"  # confirmed after the event
    rows = [member_row(1), member_row(2, consent=again), member_row(3), member_row(4)]
    members, problems = read_members(members_file(tmp_path / "private", rows))
    assert problems == []

    audience = Audience("alle", suppressed=suppressions(store.path))
    standing = {m.key: refused[0] for m in members if (refused := exclusion(m, audience))}
    assert standing == {member(1): "hard_bounce", member(3): "complaint"}


def test_the_latest_event_decides_the_reason(store):
    store.add([Event("hard_bounce", member(1), NOVEMBER, "5.1.1", "<a>", days_ago(10))])
    store.add([Event("unsubscribe", member(1), "", "", "<b>", days_ago(20))])  # older, read later
    store.add([Event("complaint", member(1), WERBEN, "ARF", "<c>", days_ago(1))])
    (row,) = store.suppressions()
    assert (row.reason, row.newsletter, row.evidence) == ("complaint", WERBEN, "<c>")


def test_a_batch_of_mailbox_messages_is_filed_whole_or_not_at_all(store):
    event = Event("hard_bounce", member(1), NOVEMBER, "5.1.1", "<a>", days_ago(1))
    store.record("INBOX", 7, [Read(1, "hard_bounce", "<a>", (event,))])
    with pytest.raises(sqlite3.IntegrityError):
        store.record(
            "INBOX",
            7,
            [
                Read(2, "unsubscribe", "<b>", (Event("unsubscribe", member(2), "", "", "<b>", days_ago(1)),)),
                Read(1, "hard_bounce", "<a>", (event,)),  # already filed
            ],
        )  # fmt: skip
    assert store.seen("INBOX", 7) == {1: "hard_bounce"}
    assert store.seen("INBOX", 8) == {}  # another UIDVALIDITY: another mailbox generation
    assert [row.address for row in store.suppressions()] == [member(1)]
