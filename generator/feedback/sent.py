"""What the send journal says was sent: the proof a bounce or complaint must match.

A report in the feedback mailbox may name anyone; it counts only for a message the journal
shows as handed to the relay (or possibly handed: ``sending``), looked up by its primary key
(newsletter, recipient), so one lookup costs the same with 10 or 10,000,000 rows. The
journal is opened read-only: `feedback` never writes into what `send` owns.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

HANDED_OVER = ("sent", "sending")
"""Journal states of a message that may have reached the member's server."""


@dataclass(frozen=True)
class Sent:
    """One journal row: the Message-ID given to a member's copy of a newsletter, and when."""

    message_id: str
    at: dt.datetime


class SentMessages(Protocol):
    """Looks up the journal row of one member and one newsletter."""

    def sent(self, newsletter: str, address: str) -> Sent | None:
        """The row of ``address`` for ``newsletter`` if that message was handed over."""


class NothingSent:
    """No journal (yet): no report can prove anything."""

    def sent(self, newsletter: str, address: str) -> Sent | None:
        """Always None."""
        return None

    def close(self) -> None:
        """Nothing to close."""


class JournalSent:
    """The SQLite send journal, read-only."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)

    def sent(self, newsletter: str, address: str) -> Sent | None:
        """The row of ``address`` for ``newsletter`` if that message was handed over."""
        try:
            row = self.db.execute(
                "SELECT message_id, COALESCE(sent_at, updated_at), state FROM deliveries"
                " WHERE newsletter = ? AND recipient = ?",
                (newsletter, address.lower()),
            ).fetchone()
        except sqlite3.Error:
            return None  # a journal of another shape proves nothing
        if row is None or row[2] not in HANDED_OVER:
            return None
        try:
            moment = dt.datetime.fromisoformat(row[1] or "")
        except ValueError:
            return None
        return Sent(row[0], moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))

    def close(self) -> None:
        """Close the file."""
        self.db.close()


def open_sent(path: Path) -> JournalSent | NothingSent:
    """The journal at ``path``, or nothing when no newsletter was ever sent from here."""
    return JournalSent(path) if path.is_file() else NothingSent()
