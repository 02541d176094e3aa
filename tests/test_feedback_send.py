"""After `feedback`, `send` leaves out exactly the suppressed members; bounces find their way back."""

from __future__ import annotations

from feedback_helpers import (
    BOUNCE,
    MAILBOX,
    NOVEMBER,
    SUPPRESSED,
    mailbox_sends,
    render,
    sent_journal,
)
from journal_helpers import journal_sql, store_file, store_sql
from members_helpers import member, member_row, members_file
from smtp_helpers import SECRET, send

from generator.feedback.suppression import SuppressionStore
from generator.members.verp import Verp, message_token, parse_verp, verp_address

REASON_TEXT = {
    "hard_bounce": "dauerhafter Rückläufer",
    "soft_bounces": "wiederholte vorübergehende Rückläufer",
    "complaint": "Beschwerde",
    "unsubscribed": "per E-Mail abgemeldet",
}


def test_send_skips_exactly_the_suppressed_members_and_says_why(
    example_project, cli, smtp, imap, tmp_path
):
    imap.append(case.message() for case in MAILBOX)
    feedback_env = {**imap.env(), "RUNDBRIEF_UNSUBSCRIBE_SECRET": SECRET}
    # The sends MAILBOX speaks of, in a journal of their own (this one has not sent yet).
    earlier = sent_journal(tmp_path / "earlier.sqlite", mailbox_sends())
    assert (
        cli(example_project, "feedback", "--journal", str(earlier), env=feedback_env).exit_code == 0
    )
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 19)])

    # The mailbox's bounces name this newsletter, which this journal never sent.
    refused = send(cli, example_project, members, smtp)
    assert refused.exit_code == 1
    assert "wahrscheinlich aus einem anderen Klon" in refused.stderr
    assert smtp.recorder.received == []
    result = send(cli, example_project, members, smtp, "--new-journal")

    assert result.exit_code == 0, result.stderr
    assert "Rückmeldungs-Postfach" not in result.stderr  # read just now: no warning
    assert (
        "8 Empfänger, 10 ausgeschlossen: 2 per E-Mail abgemeldet, 6 nach einem dauerhaften "
        "Rückläufer gesperrt, 1 nach wiederholten vorübergehenden Rückläufern gesperrt, 1 nach "
        "einer Beschwerde gesperrt" in result.stdout
    )
    for address, reason in SUPPRESSED.items():
        row = int(address.removeprefix("mitglied").split("@")[0]) + 1
        assert (
            f"members.csv:{row}: Warnung: {address} steht auf der Sperrliste: "
            f"{REASON_TEXT[reason]}" in result.stderr
        )
    received = {r.recipients[0]: r for r in smtp.recorder.received}
    expected = {member(n) for n in range(1, 19)} - set(SUPPRESSED)
    assert set(received) == expected

    # Each message left with its own VERP envelope sender (≤ 64 before the @, RFC 5321),
    # whose token names the journal row of that member and newsletter…
    tokens = dict(journal_sql(example_project, "SELECT token, recipient FROM deliveries"))
    for address, message in received.items():
        local = message.sender.partition("@")[0]
        assert len(local) <= 64
        verp = parse_verp(BOUNCE, SECRET.encode(), message.sender)
        assert verp == Verp(token=message_token(message.message["Message-ID"]))
        assert message.sender == verp_address(BOUNCE, SECRET.encode(), verp.token)
        assert tokens[verp.token] == address
        assert message.message["From"] == "Mitgliederwerk <newsletter@mitgliederwerk.example>"

    # …so a bounce sent to it names that member and newsletter, even with a garbled report.
    bounced = received[member(8)].sender
    imap.append([render("garbled-dsn.eml", address=member(8), envelope=bounced, ident="late")])
    again = cli(example_project, "feedback", env=feedback_env)
    assert again.exit_code == 0, again.stderr
    assert (
        "Neue Nachrichten: 1, in einem früheren Lauf gelesen: 2: 1 dauerhafter Rückläufer."
        in again.stdout
    )
    rows = store_sql(
        example_project, "SELECT reason, newsletter FROM suppressions WHERE address = ?", member(8)
    )
    exclusions = dict(
        journal_sql(
            example_project, "SELECT reason, count FROM exclusions WHERE newsletter = ?", NOVEMBER
        )
    )
    runs = journal_sql(example_project, "SELECT started_at <= ended_at FROM runs WHERE newsletter = ? AND timed", NOVEMBER)  # fmt: skip
    assert runs == [(1,)]  # the run's start and end, for the report's send duration
    assert rows == [("hard_bounce", NOVEMBER)]
    # What the send left out is kept for the report.
    assert exclusions == {
        "unsubscribed_by_mail": 2,
        "hard_bounce": 6,
        "soft_bounces": 1,
        "complaint": 1,
    }


def test_send_warns_when_the_mailbox_was_not_read_lately(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1)])
    result = send(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    assert (
        "Warnung: das Rückmeldungs-Postfach wurde noch nie gelesen; führen Sie zuerst "
        "`rundbrief feedback` aus, damit Abmeldungen und Rückläufer berücksichtigt werden"
        in result.stderr
    )
    # Read a day and more ago: the same warning, with the time of the last reading.
    SuppressionStore(store_file(example_project)).close()  # as `feedback` made it
    store_sql(
        example_project,
        "INSERT INTO readings (folder, read_at) VALUES ('INBOX', '2026-01-05T07:00:00.000+00:00')",
    )
    again = send(cli, example_project, members, smtp)
    assert "Warnung: das Rückmeldungs-Postfach wurde zuletzt am 2026-01-05 " in again.stderr


def test_send_and_report_count_the_members_file_alike(example_project, cli, smtp, tmp_path):
    """The report's members over time mixes counts taken by `send` and by `report`."""
    rows = [member_row(n) for n in range(1, 6)] + ["kaputt,Vor,Nach,BAD CODE,alle,x,x,"]
    members = members_file(tmp_path / "private", rows)
    result = send(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    report = cli(example_project, "report", "--members", str(members))
    assert report.exit_code == 0, report.stderr
    counts = [n for (n,) in journal_sql(example_project, "SELECT members FROM member_counts")]
    assert counts == [5, 5]  # the five readable rows, at the send and at the report
