"""rundbrief feedback against a real IMAP server (Dovecot): classify, file, count once, resume."""

from __future__ import annotations

import collections
import csv
from pathlib import Path

import pytest
from feedback_helpers import MAILBOX, NOVEMBER, SUPPRESSED, mailbox_sends, render, sent_journal
from imap_helpers import PASSWORD, USER, DovecotProxy
from journal_helpers import journal_file, store_file, store_sql
from members_helpers import member
from smtp_helpers import SECRET

from generator.core.settings import load_project
from generator.feedback.classify import context_for
from generator.feedback.mailbox import FeedbackStopped, ImapConfig, close, connect, read_mailbox
from generator.feedback.suppression import Read, Suppression, SuppressionStore, export_csv
from generator.sending.journal import Journal

SUMMARY = (
    "Neue Nachrichten: 18, in einem früheren Lauf gelesen: 0: 2 Abmeldungen, 6 dauerhafte "
    "Rückläufer, 5 vorübergehende Rückläufer, 1 Beschwerde, 2 automatische Antworten "
    "(übergangen), 2 nicht erkannt."
)


def env(imap, **extra: str) -> dict[str, str]:
    return {**imap.env(), "RUNDBRIEF_UNSUBSCRIBE_SECRET": SECRET, **extra}


def expected_events() -> collections.Counter:
    return collections.Counter(
        (case.kind, member(case.finds[0]), case.finds[1]) for case in MAILBOX if case.finds
    )


def assert_filed_exactly_once(project: Path, imap) -> None:
    """The store and the mailbox hold exactly what one clean run over MAILBOX gives."""
    events = store_sql(project, "SELECT kind, address, newsletter FROM events")
    assert collections.Counter(events) == expected_events()
    suppressions = dict(store_sql(project, "SELECT address, reason FROM suppressions"))
    assert suppressions == SUPPRESSED
    filed = store_sql(project, "SELECT uid, kind FROM mailbox ORDER BY uid")
    assert [kind for _, kind in filed] == [case.kind for case in MAILBOX]
    inbox = imap.folder("INBOX")
    assert len(inbox) == 2
    assert all("\\Seen" not in flags for _, flags in inbox)  # left unread for a person
    assert {b"forged." in raw or b".spam@" in raw for raw, _ in inbox} == {True}
    processed = imap.folder("Verarbeitet")
    assert len(processed) == 16
    assert all("\\Seen" in flags for _, flags in processed)


def test_every_message_is_classified_filed_and_counted_once(example_project, cli, imap):
    sent_journal(journal_file(example_project), mailbox_sends())
    imap.append(case.message() for case in MAILBOX)

    result = cli(example_project, "feedback", env=env(imap))

    assert result.exit_code == 0, result.stderr
    assert SUMMARY in result.stdout
    assert "Nach Verarbeitet verschoben: 16." in result.stdout
    assert (
        "Nicht erkannt: 2, ungelesen in INBOX gelassen, damit ein Mensch sie ansieht."
        in result.stdout
    )
    assert "Nach 3 vorübergehenden Rückläufern in Folge gesperrt: 1." in result.stdout
    assert (
        "Adressen auf der Sperrliste: 10 (abgemeldet: 2, dauerhafter Rückläufer: 6, wiederholte "
        "vorübergehende Rückläufer: 1, Beschwerde: 1)." in result.stdout
    )
    assert PASSWORD not in result.stdout + result.stderr
    assert_filed_exactly_once(example_project, imap)
    evidence = dict(store_sql(example_project, "SELECT address, evidence FROM events"))
    assert evidence[member(3)].startswith("<0b7e2c1a-")  # the Message-ID of the NDR
    assert evidence[member(3)].endswith("@DB9PR01MB7342.eurprd01.prod.exchangelabs.com>")

    again = cli(example_project, "feedback", env=env(imap))

    assert again.exit_code == 0, again.stderr
    # Only the two unrecognised messages are still there; they are not counted again.
    assert "Neue Nachrichten: 0, in einem früheren Lauf gelesen: 2." in again.stdout
    assert "verschoben" not in again.stdout
    assert_filed_exactly_once(example_project, imap)


class CuttingStore(SuppressionStore):
    """Drops the connection right after the second batch is recorded, before it is moved."""

    def __init__(self, path: Path, proxy: DovecotProxy) -> None:
        super().__init__(path)
        self.proxy = proxy
        self.batches = 0

    def record(self, folder: str, uidvalidity: int, messages: list[Read]) -> None:  # type: ignore[override]
        super().record(folder, uidvalidity, messages)
        self.batches += 1
        if self.batches == 2:
            self.proxy.cut()


def test_a_connection_dropped_mid_run_resumes_and_counts_every_message_once(
    example_project, cli, imap
):
    imap.append(case.message() for case in MAILBOX)
    sent = Journal(sent_journal(journal_file(example_project), mailbox_sends()))
    project = load_project(example_project)
    proxy = DovecotProxy(imap.port)
    config = ImapConfig("127.0.0.1", proxy.port, USER, PASSWORD, str(imap.ca_file))
    store = CuttingStore(store_file(example_project), proxy)
    mailbox = connect(config)
    try:
        with pytest.raises(FeedbackStopped, match="abgebrochen"):
            read_mailbox(
                mailbox,
                store,
                context_for(project.settings.newsletter, SECRET.encode(), sent),
                folder="INBOX",
                processed_folder="Verarbeitet",
                batch=4,
            )
    finally:
        close(mailbox)
        sent.close()
        store.close()
        proxy.close()
    # Two batches recorded; the first moved, the second still in the INBOX.
    assert len(store_sql(example_project, "SELECT uid FROM mailbox")) == 8
    assert len(imap.folder("Verarbeitet")) == 4

    result = cli(example_project, "feedback", env=env(imap))

    assert result.exit_code == 0, result.stderr
    # The four recorded but not moved are moved now, not counted again.
    assert "Neue Nachrichten: 10, in einem früheren Lauf gelesen: 4" in result.stdout
    assert "Nach Verarbeitet verschoben: 12." in result.stdout
    assert_filed_exactly_once(example_project, imap)


def test_a_wrong_password_stops_without_printing_it(example_project, cli, imap):
    wrong = "falsches-Passwort-91c2-NOT-PRINTED"
    result = cli(example_project, "feedback", env=env(imap, RUNDBRIEF_IMAP_PASSWORD=wrong))

    assert result.exit_code == 1
    assert (
        f"Fehler: Anmeldung als '{USER}' bei 127.0.0.1:{imap.port} fehlgeschlagen; prüfen Sie "
        "RUNDBRIEF_IMAP_USER und RUNDBRIEF_IMAP_PASSWORD" in result.stderr
    )
    assert wrong not in result.stdout + result.stderr


def test_a_server_with_an_unknown_certificate_is_refused(example_project, cli, imap):
    result = cli(example_project, "feedback", env=env(imap, RUNDBRIEF_IMAP_CA_FILE=""))

    assert result.exit_code == 1
    assert f"Fehler: das Zertifikat von 127.0.0.1:{imap.port} ist unbekannt" in result.stderr
    assert "setzen Sie RUNDBRIEF_IMAP_CA_FILE" in result.stderr
    assert not store_file(example_project).exists() or not store_sql(
        example_project, "SELECT * FROM events"
    )


def test_the_exported_list_opens_safely_in_a_spreadsheet(example_project, cli, imap, tmp_path):
    formula = "=1+2@beispiel.example"
    sent_journal(
        journal_file(example_project),
        [(NOVEMBER, "-2+3@beispiel.example"), (NOVEMBER, member(1))],
    )
    imap.append(
        [
            render("unsubscribe-without-token.eml", address=formula),
            render("postfix-user-unknown.eml", address="-2+3@beispiel.example", verp=False),
            render("postfix-user-unknown.eml", address=member(1), verp=False),
        ]
    )
    export = tmp_path / "private" / "sperrliste.csv"

    result = cli(example_project, "feedback", "--export", str(export), env=env(imap))

    assert result.exit_code == 0, result.stderr
    assert f"3 gesperrte Adressen nach {export} geschrieben." in result.stdout
    with export.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    by_address = {row["email"]: row for row in rows}
    assert set(by_address) == {"'" + formula, "'-2+3@beispiel.example", member(1)}
    assert by_address["'" + formula]["reason"] == "unsubscribed"
    assert by_address[member(1)]["reason"] == "hard_bounce"
    assert by_address[member(1)]["newsletter"] == "2026-11-02-monatsupdate-november"
    assert by_address[member(1)]["detail"].startswith("5.1.1 smtp; 550 5.1.1")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())

    # Without reading the mailbox again, from the store alone; a reason starting with '=' too.
    again = cli(example_project, "feedback", "--no-mailbox", "--export", str(export))
    assert again.exit_code == 0, again.stderr
    assert export.read_bytes().count(b"\r\n") == 4
    crafted = Suppression("@SUM(A1)@x.example", '=HYPERLINK("x")', "+1", "-n", "\tx", "\ry")  # type: ignore[arg-type]
    export_csv([crafted], tmp_path / "crafted.csv")
    with (tmp_path / "crafted.csv").open(encoding="utf-8", newline="") as stream:
        (row,) = list(csv.DictReader(stream))
    assert row == {
        "email": "'@SUM(A1)@x.example",
        "reason": '\'=HYPERLINK("x")',
        "since": "'+1",
        "newsletter": "'-n",
        "evidence": "'\tx",
        "detail": "'\ry",
    }
