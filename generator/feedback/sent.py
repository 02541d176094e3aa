"""What the send journal says was sent: the proof a bounce or complaint must match.

A report in the feedback mailbox may name anyone; it counts only for a message the journal
shows as handed to the relay (or possibly handed: ``sending``), looked up by its primary key
(newsletter, recipient), or by the message token a VERP address carries (an indexed column),
so one lookup costs the same with 10 or 10,000,000 rows. The journal
answers through ``SentMessages`` (``sending.journal.Journal.sent``: every statement on the
journal lives there); ``feedback`` never imports ``sending``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

HANDED_OVER = ("sent", "sending")
"""Journal states of a message that may have reached the member's server."""


@dataclass(frozen=True)
class Sent:
    """One journal row: the Message-ID given to a member's copy of a newsletter, and when."""

    message_id: str
    at: dt.datetime
    newsletter: str = ""
    """Filled in when the row was found by its token (the VERP address names nothing else)."""
    address: str = ""


class SentMessages(Protocol):
    """Looks up the journal row of one member and one newsletter."""

    def sent(self, newsletter: str, address: str) -> Sent | None:
        """The row of ``address`` for ``newsletter`` if that message was handed over."""

    def sent_token(self, token: str) -> Sent | None:
        """The handed-over row whose message carried the VERP token ``token``."""


class NothingSent:
    """No journal (yet): no report can prove anything."""

    def sent(self, newsletter: str, address: str) -> Sent | None:
        """Always None."""
        return None

    def sent_token(self, token: str) -> Sent | None:
        """Always None."""
        return None

    def close(self) -> None:
        """Nothing to close."""
