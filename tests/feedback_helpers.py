"""The feedback mailbox of the tests: real-world-shaped messages from ``tests/mail/``.

Each file in ``tests/mail/`` is one message as a mail server would deliver it, with
``${PLACEHOLDERS}`` for what depends on the member and newsletter (the VERP address, the
original Message-ID, the unsubscribe token, dates). ``MAILBOX`` says which file is used for
whom and what it must be classified as.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import sqlite3
import string
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path

from members_helpers import member
from smtp_helpers import SECRET

from generator.feedback.suppression import iso
from generator.members.recipients import unsubscribe_token
from generator.members.verp import message_token, verp_address

MAIL = Path(__file__).resolve().parent / "mail"
FROM = "newsletter@mitgliederwerk.example"
BOUNCE = "bounce@bounces.mitgliederwerk.example"
UNSUBSCRIBE = "abmelden@mitgliederwerk.example"
ONE_CLICK = "https://www.mitgliederwerk.example/newsletter/abmelden"
NOVEMBER = "2026-11-02-monatsupdate-november"
LASTSCHRIFT = "2026-11-20-neuer-lastschrifttermin"
WERBEN = "2026-12-01-mitglieder-werben-mitglieder"
SUBJECTS = {
    NOVEMBER: "Ihr Monatsupdate November: Dividende, neue App-Funktionen und Termine",
    LASTSCHRIFT: "Wichtig: Ihr SEPA-Lastschrifttermin ändert sich ab Januar 2027",
    WERBEN: "Mitglieder werben Mitglieder: 50 € für jede Empfehlung",
}


def original_message_id(newsletter: str, address: str) -> str:
    """A Message-ID as `rundbrief send` makes them: ``<slug.20 hex digits@sender domain>``."""
    random = hashlib.sha256(f"{newsletter}/{address}".encode()).hexdigest()[:20]
    return f"<{newsletter}.{random}@mitgliederwerk.example>"


def list_unsubscribe(address: str) -> str:
    """The List-Unsubscribe header of a message sent to ``address`` (one-click mode)."""
    token = unsubscribe_token(SECRET.encode(), address)
    return f"<{ONE_CLICK}?t={token}>, <mailto:{UNSUBSCRIBE}?subject=Newsletter%20abbestellen%20{token}>"


def message_verp(address: str, newsletter: str) -> str:
    """The VERP envelope sender of the copy ``sent_journal`` records for ``address``."""
    token = message_token(original_message_id(newsletter, address))
    return verp_address(BOUNCE, SECRET.encode(), token)


def forged(address: str, newsletter: str) -> str:
    """A VERP address for ``address`` whose signature is wrong in one character."""
    local, domain = message_verp(address, newsletter).split("@")
    signed, signature = local.rsplit("-", 1)
    wrong = ("b" if signature[0] != "b" else "c") + signature[1:]
    return f"{signed}-{wrong}@{domain}"


def render(
    name: str,
    *,
    address: str,
    newsletter: str = NOVEMBER,
    verp: bool = True,
    ident: str = "0",
    when: dt.datetime | None = None,
    envelope: str | None = None,
) -> bytes:
    """Message ``tests/mail/<name>`` for one member and newsletter, with CRLF line ends."""
    when = when or dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    sent = when - dt.timedelta(hours=1)
    return_path = envelope or (message_verp(address, newsletter) if verp else FROM)
    values = {
        "RETURN_PATH": return_path,
        "VERP": message_verp(address, newsletter),
        "BOUNCE": BOUNCE,
        "FROM": FROM,
        "UNSUBSCRIBE": UNSUBSCRIBE,
        "MEMBER": address,
        "MESSAGE_ID": original_message_id(newsletter, address),
        "LIST_UNSUBSCRIBE": list_unsubscribe(address),
        "TOKEN": unsubscribe_token(SECRET.encode(), address),
        "SUBJECT": SUBJECTS.get(newsletter, "Newsletter"),
        "DATE": format_datetime(when),
        "SENT": format_datetime(sent),
        "RETRY_UNTIL": format_datetime(sent + dt.timedelta(days=2)),
        "FORGED": forged(address, newsletter),
        "ID": ident,
    }
    text = string.Template((MAIL / name).read_text(encoding="utf-8")).substitute(values)
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


@dataclass(frozen=True)
class Case:
    """One message of the test mailbox and what it must be classified as."""

    file: str
    number: int
    newsletter: str
    verp: bool
    kind: str
    finds: tuple[int, str] | None
    """(member number, newsletter) the message must be mapped to; None: nobody."""

    def message(self, ident: str = "") -> bytes:
        """The message as delivered."""
        return render(
            self.file,
            address=member(self.number),
            newsletter=self.newsletter,
            verp=self.verp,
            ident=ident or f"{self.number:02d}{self.file[:3]}",
        )


MAILBOX = (
    # RFC 3464 from Postfix, sent before VERP: member from the report, newsletter from Message-ID.
    Case("postfix-user-unknown.eml", 1, NOVEMBER, False, "hard_bounce", (1, NOVEMBER)),
    # Exim's plain-text bounce (flufl.bounce): the Message-ID of our copy is quoted in the text.
    Case("exim-no-such-user.eml", 2, NOVEMBER, False, "hard_bounce", (2, NOVEMBER)),
    Case("exchange-online-ndr.eml", 3, LASTSCHRIFT, True, "hard_bounce", (3, LASTSCHRIFT)),
    Case("gmail-address-not-found.eml", 4, LASTSCHRIFT, True, "hard_bounce", (4, LASTSCHRIFT)),
    # GMX/WEB.DE's own text format (flufl.bounce).
    Case("gmx-user-unknown.eml", 5, NOVEMBER, False, "hard_bounce", (5, NOVEMBER)),
    # ARF from a feedback loop, recipient redacted: the token in List-Unsubscribe names them.
    Case("arf-complaint.eml", 6, LASTSCHRIFT, False, "complaint", (6, LASTSCHRIFT)),
    # Three soft bounces in a row (three newsletters): suppressed at the default limit 3.
    Case("gmail-mailbox-full.eml", 7, NOVEMBER, True, "soft_bounce", (7, NOVEMBER)),
    Case("gmail-mailbox-full.eml", 7, LASTSCHRIFT, True, "soft_bounce", (7, LASTSCHRIFT)),
    Case("gmail-mailbox-full.eml", 7, WERBEN, True, "soft_bounce", (7, WERBEN)),
    # One soft bounce only: not suppressed.
    Case("postfix-delayed.eml", 8, WERBEN, True, "soft_bounce", (8, WERBEN)),
    # Unsubscribe from another mailbox, with the token: the token's address counts.
    Case("unsubscribe-with-token.eml", 9, NOVEMBER, False, "unsubscribe", (9, "")),
    Case("unsubscribe-without-token.eml", 10, NOVEMBER, False, "unsubscribe", (10, "")),
    # Recipient unreadable in the report: only the VERP address names the member.
    Case("garbled-dsn.eml", 11, WERBEN, True, "hard_bounce", (11, WERBEN)),
    # No report at all, but sent to a member's VERP address: a (soft) bounce.
    Case("garbled-text.eml", 12, WERBEN, True, "soft_bounce", (12, WERBEN)),
    Case("out-of-office.eml", 13, NOVEMBER, True, "auto_reply", None),
    Case("automatic-reply-exchange.eml", 14, NOVEMBER, True, "auto_reply", None),
    # A VERP address with a wrong signature names nobody.
    Case("forged-verp.eml", 15, NOVEMBER, True, "other", None),
    Case("junk.eml", 16, NOVEMBER, False, "other", None),
)
SUPPRESSED = {
    member(1): "hard_bounce",
    member(2): "hard_bounce",
    member(3): "hard_bounce",
    member(4): "hard_bounce",
    member(5): "hard_bounce",
    member(6): "complaint",
    member(7): "soft_bounces",
    member(9): "unsubscribed",
    member(10): "unsubscribed",
    member(11): "hard_bounce",
}
"""What the suppression store holds after reading MAILBOX once."""


def sent_journal(
    path: Path, sends: Iterable[tuple[str, str]], when: dt.datetime | None = None
) -> Path:
    """A send journal (the send's own schema) in which each (newsletter, address) was sent.

    With the Message-ID ``render`` quotes for that copy, ``when`` (default: three hours ago,
    an hour before ``render``'s reports are dated).
    """
    from generator.sending.journal import Journal

    Journal(path).close()
    stamp = iso(when or dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
    rows = [
        (newsletter, address.lower(), "sent", original_message_id(newsletter, address), stamp)
        for newsletter, address in dict.fromkeys(sends)
    ]
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            "INSERT INTO deliveries (newsletter, recipient, state, message_id, token,"
            " created_at, updated_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row[:4], message_token(row[3]), row[-1], row[-1], row[-1]) for row in rows],
        )
    return path


def mailbox_sends() -> list[tuple[str, str]]:
    """(newsletter, address) of every copy the messages of MAILBOX are about."""
    return [(case.newsletter, member(case.number)) for case in MAILBOX]
