"""The journal on a real SQLite file: what another reader (or a restart after a crash) sees."""

from __future__ import annotations

from pathlib import Path

from journal_helpers import journal_states

from generator.sending.journal import Journal


def test_sending_is_on_disk_before_handover_and_sent_rides_on_the_next_commit(tmp_path):
    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    journal.plan("nl", [("a@example.org", "<1@x>"), ("b@example.org", "<2@x>")], "abc123")

    journal.mark("nl", "a@example.org", "sending", commit="abc123")
    assert journal_states(path)["a@example.org"] == "sending"

    journal.mark("nl", "a@example.org", "sent", "250 OK")
    # Not yet committed: a crash now leaves 'a' uncertain ('sending'), never 'pending'.
    assert journal_states(path)["a@example.org"] == "sending"

    journal.mark("nl", "b@example.org", "sending", commit="abc123")
    assert journal_states(path) == {"a@example.org": "sent", "b@example.org": "sending"}

    journal.mark("nl", "b@example.org", "sent", "250 OK")
    assert journal.counts("nl")["sent"] == 2  # reading saves first
    journal.close()
    assert journal_states(path) == {"a@example.org": "sent", "b@example.org": "sent"}
    assert Journal(path).commits("nl") == ["abc123"]


def test_close_saves_the_last_sent_row(tmp_path):
    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    journal.plan("nl", [("a@example.org", "<1@x>")], "abc123")
    journal.mark("nl", "a@example.org", "sending", commit="abc123")
    journal.mark("nl", "a@example.org", "sent", "250 OK")
    journal.close()
    assert journal_states(path) == {"a@example.org": "sent"}


def test_a_thing_is_claimed_once_for_good_until_given_back(tmp_path: Path) -> None:
    with (
        Journal(tmp_path / "journal.sqlite") as first,
        Journal(tmp_path / "journal.sqlite") as other,
    ):
        assert first.claim_once("review-mail", "abc123 gruender@example.org")
        assert not other.claim_once("review-mail", "abc123 gruender@example.org")
        assert other.claim_once("review-mail", "abc123 zweite@example.org")
        first.release_once("review-mail", "abc123 gruender@example.org")
        assert other.claim_once("review-mail", "abc123 gruender@example.org")
