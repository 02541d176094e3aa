"""The feedback mailbox is hostile: bombs, forged reports and forged senders, in real Dovecot.

Issue 17 (R-9, R-10, R-14, R-15, R-39, R-40, R-46): one message never stops `feedback`; a
report suppresses only with proof (signed VERP address or our quoted Message-ID, both checked
against the journal and expiring); an unsubscribe without token needs DMARC from our server.
"""

from __future__ import annotations

import datetime as dt
import imaplib
from pathlib import Path

import pytest
from feedback_helpers import NOVEMBER, UNSUBSCRIBE, render, sent_journal
from imap_helpers import PASSWORD, USER
from imap_tools.imap_utf7 import utf7_encode
from journal_helpers import journal_file, journal_sql, store_file, store_sql
from members_helpers import member
from smtp_helpers import SECRET

import generator.feedback.mailbox as feedback_mailbox
from generator.core.settings import load_project
from generator.feedback.classify import context_for
from generator.feedback.mailbox import ImapConfig, close, connect, read_mailbox
from generator.feedback.suppression import Read, SuppressionStore
from generator.sending.journal import Journal

QUARANTINE = utf7_encode("Quarantäne").decode("ascii")
"""The quarantine folder's name as IMAP spells it (modified UTF-7)."""


def env(imap, **extra: str) -> dict[str, str]:
    return {**imap.env(), "RUNDBRIEF_UNSUBSCRIBE_SECRET": SECRET, **extra}


def nested(depth: int, sender: str) -> bytes:
    """A message to the unsubscribe address nested ``depth`` multipart levels deep."""
    head = f"From: {sender}\r\nTo: {UNSUBSCRIBE}\r\nSubject: Abmelden\r\nMIME-Version: 1.0\r\n"
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{n}"\r\n\r\n--b{n}\r\n' for n in range(depth)
    )
    closing = "".join(f"\r\n--b{n}--\r\n" for n in reversed(range(depth)))
    return (head + opening + "Content-Type: text/plain\r\n\r\nbitte abmelden" + closing).encode()


def append_at(imap, data: bytes, arrived: dt.datetime) -> None:
    """Put one message into the INBOX with the arrival time (INTERNALDATE) ``arrived``."""
    client = imap.client()
    try:
        status, _ = client.append("INBOX", None, imaplib.Time2Internaldate(arrived), data)
        assert status == "OK"
    finally:
        client.logout()


def real_message_ids(project: Path, sends: list[tuple[str, str]], days_ago: float = 0.2) -> None:
    """A journal as `send` leaves it: random Message-IDs nobody outside has seen."""
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    sent_journal(journal_file(project), sends, when)
    for newsletter, address in sends:
        journal_sql(
            project,
            "UPDATE deliveries SET message_id = ? WHERE newsletter = ? AND recipient = ?",
            f"<{newsletter}.{'c0ffee' * 3}{len(address):02d}@mitgliederwerk.example>",
            newsletter,
            address,
        )


def test_one_run_quarantines_the_bomb_ignores_forgeries_and_honours_the_genuine(
    example_project, cli, imap
):
    # Member 21's copy has a Message-ID the forger cannot know; member 22's went out 100 days
    # ago (a VERP address seen then is replayed now); member 24 really unsubscribes.
    real_message_ids(example_project, [(NOVEMBER, member(21)), (NOVEMBER, member(24))])
    journal_sql(
        example_project,
        "INSERT INTO deliveries (newsletter, recipient, state, message_id, created_at,"
        " updated_at, sent_at) VALUES (?, ?, 'sent', '<x>', ?, ?, ?)",
        NOVEMBER,
        member(22),
        *[(dt.datetime.now(dt.UTC) - dt.timedelta(days=100)).isoformat()] * 3,
    )
    bomb = nested(1000, member(20))
    assert 60_000 < len(bomb) < 70_000  # the 68 KB message of R-10
    forged_dsn = render("postfix-user-unknown.eml", address=member(21), verp=False)
    replayed_verp = render("gmail-address-not-found.eml", address=member(22))
    forged_sender = render("unsubscribe-without-token.eml", address=member(23)).replace(
        b"Authentication-Results: mx1.mitgliederwerk.example;",
        b"Authentication-Results: mx1.mitgliederwerk.example; dmarc=fail"
        b" header.from=beispiel.example\r\nAuthentication-Results: mx1.mitgliederwerk.example;",
    )
    genuine = render("unsubscribe-with-token.eml", address=member(24)).replace(
        b"Date: ", b"Date: Mon, 01 Jan 2001 00:00:00 +0000\r\nX-Original-Date: ", 1
    )
    arrived = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=7)
    imap.append([bomb, forged_dsn, replayed_verp, forged_sender])
    append_at(imap, genuine, arrived)

    result = cli(example_project, "feedback", env=env(imap))

    assert result.exit_code == 0, result.stderr
    assert (
        "Neue Nachrichten: 5, in einem früheren Lauf gelesen: 0: 1 Abmeldung, "
        "3 nicht verifiziert, 1 in Quarantäne." in result.stdout
    )
    assert "Ungelesen nach Quarantäne verschoben: 1:\n  UID 1: mehr als 200 MIME-Teile" in (
        result.stdout
    )
    assert "Nicht verifiziert (keine signierte VERP-Adresse" in result.stdout
    suppressions = store_sql(example_project, "SELECT address, reason, since FROM suppressions")
    assert [(a, r) for a, r, _ in suppressions] == [(member(24), "unsubscribed")]
    # the arrival counts, not the sender's Date: from 2001.
    assert dt.datetime.fromisoformat(suppressions[0][2]) == arrived
    assert len(imap.folder(QUARANTINE)) == 1
    inbox = imap.folder("INBOX")
    assert len(inbox) == 3 and all("\\Seen" not in flags for _, flags in inbox)
    assert len(imap.folder("Verarbeitet")) == 1

    again = cli(example_project, "feedback", env=env(imap))
    assert "Neue Nachrichten: 0, in einem früheren Lauf gelesen: 3." in again.stdout

    # the forged Date: from 2001 does not stretch the report back 25 years.
    assert cli(example_project, "report").exit_code == 0
    months = (example_project / "build" / "reports" / "monate.csv").read_text(encoding="utf-8-sig")
    # Months are written as German Excel reads them, MM/JJJJ.
    first = min(
        dt.date(int(cell[3:7]), int(cell[:2]), 1)
        for cell in (line.split(";")[0] for line in months.splitlines()[1:])
    )
    assert first >= (dt.datetime.now(dt.UTC) - dt.timedelta(days=101)).date().replace(day=1)


def test_a_message_over_the_size_limit_is_quarantined_without_being_fetched(
    example_project, imap, monkeypatch
):
    monkeypatch.setattr(feedback_mailbox, "MAX_SIZE", 50_000)
    big = render("unsubscribe-with-token.eml", address=member(1)) + b"x" * 60_000 + b"\r\n"
    imap.append([big, render("unsubscribe-with-token.eml", address=member(2))])
    requests: list[str] = []

    outcome = _read(example_project, imap, requests)

    assert outcome.quarantined == [(1, "size")]
    assert outcome.kinds["unsubscribe"] == 1
    bodies = [r for r in requests if "BODY.PEEK[]" in r]
    assert bodies == ["2 (UID BODY.PEEK[])"]  # the big one was never fetched


def test_messages_are_fetched_in_round_trips_of_bounded_size(example_project, imap, monkeypatch):
    monkeypatch.setattr(feedback_mailbox, "FETCH_BYTES", 1_500)
    messages = [render("unsubscribe-with-token.eml", address=member(n)) for n in range(1, 9)]
    assert all(700 < len(m) < 750 for m in messages)  # two per round trip
    imap.append(messages)
    requests: list[str] = []

    outcome = _read(example_project, imap, requests)

    assert outcome.kinds["unsubscribe"] == 8
    bodies = [r.split()[0] for r in requests if "BODY.PEEK[]" in r]
    assert bodies == ["1,2", "3,4", "5,6", "7,8"]


def test_a_classification_that_fails_quarantines_that_message_only(
    example_project, imap, monkeypatch
):
    real = feedback_mailbox.classify

    def choking(message, context, arrived=None):
        if "mitglied2@" in str(message.get("Subject", "")) + str(message.get("From", "")):
            raise RecursionError("maximum recursion depth exceeded")
        return real(message, context, arrived)

    monkeypatch.setattr(feedback_mailbox, "classify", choking)
    imap.append(
        render("unsubscribe-with-token.eml", address=member(n)).replace(
            b"Subject: ", f"Subject: {member(n)} ".encode(), 1
        )
        for n in (1, 2, 3)
    )

    outcome = _read(example_project, imap, [])

    assert outcome.quarantined == [(2, "error")]
    assert outcome.kinds["unsubscribe"] == 2
    assert len(imap.folder(QUARANTINE)) == 1


@pytest.mark.parametrize(
    "setting", ["processed_folder: INBOX", "quarantine_folder: INBOX", "processed_folder: inbox"]
)
def test_filing_into_the_folder_that_is_read_is_refused(example_project, cli, imap, setting):
    settings = example_project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    key = setting.split(":")[0]
    lines = [line for line in text.splitlines() if not line.strip().startswith(f"{key}:")]
    at = lines.index("  folder: INBOX") + 1
    settings.write_text("\n".join([*lines[:at], f"  {setting}", *lines[at:]]) + "\n")
    imap.append([render("unsubscribe-with-token.eml", address=member(1))])

    result = cli(example_project, "feedback", env=env(imap))

    assert result.exit_code == 2
    assert f"feedback.{key} muss sich von feedback.folder ('INBOX') unterscheiden" in (
        result.stderr
    )
    assert not store_file(example_project).exists() or not store_sql(
        example_project, "SELECT * FROM mailbox"
    )


def _read(project: Path, imap, requests: list[str]) -> feedback_mailbox.FeedbackOutcome:
    """One read_mailbox run, recording the arguments of every UID command."""
    settings = load_project(project).settings
    config = ImapConfig("127.0.0.1", imap.port, USER, PASSWORD, str(imap.ca_file))
    mailbox = connect(config)
    original = mailbox.client.uid

    def recording(command: str, *args: str):
        requests.append(" ".join(a if isinstance(a, str) else a.decode() for a in args))
        return original(command, *args)

    mailbox.client.uid = recording  # type: ignore[method-assign]
    store = SuppressionStore(store_file(project))
    sent = Journal(sent_journal(journal_file(project), []))
    try:
        return read_mailbox(
            mailbox,
            store,
            context_for(settings.newsletter, SECRET.encode(), sent, settings.feedback),
            folder="INBOX",
            processed_folder="Verarbeitet",
            quarantine_folder="Quarantäne",
        )
    finally:
        close(mailbox)
        store.close()
        sent.close()


def test_a_message_quarantined_but_not_yet_moved_is_moved_to_quarantine_next_time(
    example_project, imap
):
    imap.append([nested(50, member(1)), render("unsubscribe-with-token.eml", address=member(2))])
    client = imap.client()
    try:
        _, status = client.status("INBOX", "(UIDVALIDITY)")
    finally:
        client.logout()
    uidvalidity = int(status[0].split(b"UIDVALIDITY ")[1].rstrip(b")"))
    # What a run that lost its connection after recording, before moving, leaves behind.
    with SuppressionStore(store_file(example_project)) as store:
        store.record("INBOX", uidvalidity, [Read(1, "quarantined", "imap:INBOX/1 depth", ())])

    outcome = _read(example_project, imap, [])

    assert (outcome.new, outcome.earlier, outcome.refiled) == (1, 1, 1)
    assert outcome.quarantined == []  # counted in the run that read it
    assert len(imap.folder(QUARANTINE)) == 1 and len(imap.folder("Verarbeitet")) == 1
    assert imap.folder("INBOX") == []
