"""The send state's contract, on both backends: a SQLite file and the shared PostgreSQL.

Each test opens the state twice where it matters (two connections, as two machines would)
and asserts what the other one sees.
"""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import pytest
from members_helpers import member
from smtp_helpers import wait_for

from generator.core.problems import RundbriefError
from generator.feedback.suppression import Event, Read, SuppressionStore
from generator.sending.journal import Journal
from generator.sending.postgres_journal import PostgresJournal
from generator.sending.state import SendRunning

NL = "2026-12-01-dezember"
NOW = dt.datetime(2026, 12, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the state lives: a SQLite file's path, or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "state")
    return str(request.getfixturevalue("postgres"))


def open_journal(where: str) -> Journal:
    if where.startswith("postgresql://"):
        return PostgresJournal(where)
    return Journal(Path(where) / "journal.sqlite")


def open_store(where: str) -> SuppressionStore:
    if where.startswith("postgresql://"):
        return SuppressionStore.shared(where)
    return SuppressionStore(Path(where) / "suppression.sqlite")


def planned(journal: Journal, count: int) -> list[str]:
    recipients = [member(n) for n in range(count)]
    journal.plan(NL, [(r, f"<{n}@rundbrief>") for n, r in enumerate(recipients)], "abc123")
    return recipients


def test_a_recipient_is_claimed_by_one_connection_only(backend: str) -> None:
    with open_journal(backend) as first, open_journal(backend) as second:
        recipients = planned(first, 4)
        won = first.claim(NL, recipients[:3], "abc123")
        assert won == {r: f"<{n}@rundbrief>" for n, r in enumerate(recipients[:3])}

        lost = second.claim(NL, recipients, "abc123")
        assert {r for r, v in lost.items() if isinstance(v, str)} == {recipients[3]}
        assert all(getattr(lost[r], "state", None) == "sending" for r in recipients[:3])
        assert second.claim(NL, ["nobody@example.org"], "abc123") == {"nobody@example.org": None}

        first.release(NL, recipients[2:3])  # never handed over: back to pending
        assert second.claim(NL, recipients[2:3], "abc123") == {recipients[2]: "<2@rundbrief>"}
        # Uncertain rows are claimed again only when asked to (--retry-uncertain).
        assert not isinstance(second.claim(NL, recipients[:1], "abc123")[recipients[0]], str)
        again = second.claim(NL, recipients[:1], "abc123", retry_uncertain=True)
        assert again == {recipients[0]: "<0@rundbrief>"}
        assert second.entries(NL)[recipients[0]].attempts == 2


def test_sent_rides_on_the_next_commit_and_close_saves_it(backend: str) -> None:
    journal, reader = open_journal(backend), open_journal(backend)
    recipients = planned(journal, 2)
    journal.claim(NL, recipients[:1], "abc123")
    journal.mark(NL, recipients[0], "sent", "250 OK")
    # Not yet committed: a crash now leaves it uncertain ('sending'), never 'pending'.
    assert reader.states(NL, recipients) == {recipients[0]: "sending", recipients[1]: "pending"}
    journal.claim(NL, recipients[1:], "abc123")
    assert reader.states(NL, recipients) == {recipients[0]: "sent", recipients[1]: "sending"}
    journal.mark(NL, recipients[1], "failed", "550 no such user")
    journal.close()
    assert reader.counts(NL) == {"pending": 0, "sending": 0, "sent": 1, "failed": 1}
    assert reader.failed_replies(NL) == [("550 no such user", 1)]
    assert reader.commits(NL) == ["abc123"]
    assert sorted(reader.state_counts()) == [(NL, "failed", 1), (NL, "sent", 1)]
    assert list(reader.recipients_handed_over()) == [recipients[0]]
    assert [row[:2] for row in reader.sent_to([recipients[0]])] == [(recipients[0], NL)]
    sent = reader.sent(NL, recipients[0].upper())
    assert sent is not None and sent.message_id == "<0@rundbrief>"
    assert reader.sent(NL, recipients[1]) is None  # failed: never handed over
    assert reader.sent_since(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)) == 1
    first, last = reader.first_and_last(NL)
    assert first is not None and last is not None and first <= last
    reader.close()


def test_one_run_at_a_time_per_newsletter(backend: str) -> None:
    with open_journal(backend) as first, open_journal(backend) as second:
        run = first.begin_run(NL, commit="abc123", audience="alle", offline=True)
        with pytest.raises(SendRunning) as refused:
            second.begin_run(NL, commit="abc123")
        assert socket.gethostname() in str(refused.value)
        assert [r.id for r in second.locks(NL)] == [run]
        other = second.begin_run("2026-12-24-weihnachten", commit="abc123")  # another one: free
        second.end_run(other, "done")
        first.end_run(run, "1 sent")
        again = second.begin_run(NL, commit="abc123", audience="alle", audience_override=True)
        second.end_run(again, "nothing left")
        assert second.locks(NL) == []
        assert second.offline_runs(NL) == 1
        assert second.audiences(NL) == [("alle", False), ("alle", True)]
        assert [t.newsletter for t in second.run_times()].count(NL) == 2


def test_a_killed_run_frees_the_shared_lock_without_anyone_releasing_it(postgres: str) -> None:
    crashed = PostgresJournal(postgres)
    run = crashed.begin_run(NL, commit="abc123")
    with PostgresJournal(postgres) as other:
        with pytest.raises(SendRunning):
            other.begin_run(NL, commit="abc123")
        (holder,) = other.locks(NL)
        assert holder.id == run and holder.alive is True
        with pytest.raises(SendRunning):  # a live run's lock is not released by hand either
            other.release_lock(NL)
        crashed.db.connection.close()  # what the server sees when the process is killed
        # The server ends the session (and frees its lock) a moment after the socket closes.
        assert wait_for(lambda: other.locks(NL)[0].alive is False, 30)
        resumed = other.begin_run(NL, commit="abc123")
        other.end_run(resumed, "done")
        # The killed run ended without a word: its time does not count in the report.
        assert len([t for t in other.run_times() if t.newsletter == NL]) == 1


def test_things_are_done_once_across_connections(backend: str) -> None:
    with open_journal(backend) as first, open_journal(backend) as other:
        assert first.claim_once("review-mail", "abc123 gruender@example.org")
        assert not other.claim_once("review-mail", "abc123 gruender@example.org")
        first.release_once("review-mail", "abc123 gruender@example.org")
        assert other.claim_once("review-mail", "abc123 gruender@example.org")


def test_exclusions_and_member_counts_keep_the_latest(backend: str) -> None:
    with open_journal(backend) as journal:
        journal.record_exclusions(NL, {"unsubscribed": 3, "audience": 0})
        journal.record_exclusions(NL, {"unsubscribed": 2, "hard_bounce": 1})
        journal.record_member_count(10, NOW)
        journal.record_member_count(12, NOW)  # the same moment counted again
        journal.record_member_count(13, NOW + dt.timedelta(days=1))
        assert journal.exclusions() == [(NL, "hard_bounce", 1), (NL, "unsubscribed", 2)]
        assert [n for _, n in sorted(journal.member_counts())] == [12, 13]


def test_the_suppression_store_files_a_batch_whole_or_not_at_all(backend: str) -> None:
    event = Event("hard_bounce", member(1), NL, "5.1.1", "<a>", "2026-12-19T09:00:00.000+00:00")
    with open_store(backend) as store, open_store(backend) as reader:
        store.record("INBOX", 4_000_000_000, [Read(4_000_000_001, "hard_bounce", "<a>", (event,))])
        unsubscribe = Event("unsubscribe", member(2), "", "", "<b>", "2026-12-19T10:00:00+00:00")
        with pytest.raises((RundbriefError, Exception)):
            store.record(
                "INBOX",
                4_000_000_000,
                [
                    Read(2, "unsubscribe", "<b>", (unsubscribe,)),
                    Read(4_000_000_001, "hard_bounce", "<a>", (event,)),  # already filed
                ],
            )
        assert reader.seen("INBOX", 4_000_000_000) == {4_000_000_001: "hard_bounce"}
        assert [row.address for row in reader.suppressions()] == [member(1)]
        assert reader.mentions(NL) == 1
        assert reader.counts_by_reason() == [("hard_bounce", 1)]
        store.note_reading("INBOX")
        assert reader.last_reading() is not None


def test_soft_bounces_in_a_row_are_counted_against_the_journal(backend: str) -> None:
    def soft(newsletter: str, days: int) -> Event:
        at = (NOW - dt.timedelta(days=days)).isoformat(timespec="milliseconds")
        return Event("soft_bounce", member(1), newsletter, "4.2.2", f"<{newsletter}>", at)

    with open_store(backend) as store, open_journal(backend) as journal:
        store.add([soft("a", 40), soft("b", 30), soft("c", 20)])
        added = store.apply_soft_bounce_limit(3, journal, NOW)
        assert [(row.address, row.reason) for row in added] == [(member(1), "soft_bounces")]
        assert store.apply_soft_bounce_limit(3, journal, NOW) == []


def test_a_state_of_a_newer_rundbrief_is_refused(backend: str) -> None:
    open_journal(backend).close()
    with open_journal(backend) as journal:
        journal.db.execute("UPDATE schema_version SET version = 99 WHERE component = 'journal'")
    with pytest.raises(RundbriefError, match="99"):
        open_journal(backend)


def test_a_bounce_token_finds_its_row_in_either_state(backend: str) -> None:
    """The short VERP address names only the message's token: both backends look it up."""
    from generator.members.verp import message_token, new_message_id

    sent_id = new_message_id("nl", "mitgliederwerk.example")
    waiting_id = new_message_id("nl", "mitgliederwerk.example")
    with open_journal(backend) as journal:
        journal.plan("nl", [(member(1), sent_id), (member(2), waiting_id)], "abc")
        journal.claim("nl", [member(1)], "abc")
        journal.mark("nl", member(1), "sent", "250 ok")
        journal.save()
        found = journal.sent_token(message_token(sent_id))
        assert found is not None
        assert (found.message_id, found.newsletter, found.address) == (sent_id, "nl", member(1))
        assert journal.sent_token(message_token(waiting_id)) is None  # never handed over
        assert journal.sent_token("0" * 20) is None


def test_votes_are_counted_once_per_sender_page_and_day_in_either_state(backend: str) -> None:
    from generator.feedback.votes import Vote

    with open_store(backend) as store:
        store.add_votes(
            [
                Vote("zahlungen/paypal/", True, "a1", "2026-12-01"),
                Vote("zahlungen/paypal/", False, "a1", "2026-12-01"),  # replaces the first
                Vote("zahlungen/paypal/", True, "b2", "2026-12-01"),
                Vote("konto/", False, "a1", "2026-12-02"),
            ]
        )
        counts = [(page, int(yes), int(no)) for page, yes, no in store.vote_counts()]
    assert counts == [("konto/", 0, 1), ("zahlungen/paypal/", 1, 1)]
