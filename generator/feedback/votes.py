"""Votes of "War dieser Artikel hilfreich?": mails to ``help_site.feedback_address``, counted.

The help site's two links open a prepared email to that address whose subject is
``Hilfreich: ja – /pfad/`` or ``Hilfreich: nein – /pfad/``. Anyone can send such a mail, with
any sender: a vote is only counted, never acted on; it counts for a page the site has (a path
of the site index, no draft), once per sender, page and day (a second vote that day replaces
the first). The sender is kept only as a keyed hash, so the store and the report name no one.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import hmac
import re
from dataclasses import dataclass
from email.message import Message
from zoneinfo import ZoneInfo

SUBJECT = re.compile(r"\s*hilfreich\s*:\s*(ja|nein)\s*[–—-]\s*(/\S{0,300})\s*", re.IGNORECASE)
"""The subject the help site's links prepare (``overrides/partials/hilfe-hilfreich.html``)."""
DAY_ZONE = ZoneInfo("Europe/Berlin")
"""A voting day is a day of the members' calendar."""


@dataclass(frozen=True)
class Vote:
    """One counted vote: the page's URL path (``zahlungen/paypal/``), yes or no, who and when."""

    page: str
    helpful: bool
    voter: str
    """A keyed hash of the sender's address (never the address)."""
    day: str


def read_vote(
    message: Message,
    subject: str,
    pages: frozenset[str],
    secret: bytes,
    arrived: dt.datetime,
) -> Vote | None:
    """The vote ``message`` casts, or None (a subject of another shape, a page the site lacks)."""
    found = SUBJECT.fullmatch(subject)
    if found is None:
        return None
    page = found[2].strip("/") + "/"
    if page not in pages:
        return None
    senders = [
        spec.lower()
        for _, spec in email.utils.getaddresses([str(v) for v in message.get_all("From", [])])
        if "@" in spec
    ]
    if len(senders) != 1:
        return None  # no sender, or several: nobody to count once
    voter = hmac.new(secret, b"vote\x00" + senders[0].encode(), hashlib.sha256).hexdigest()[:32]
    day = arrived.astimezone(DAY_ZONE).date().isoformat()
    return Vote(page, found[1].lower() == "ja", voter, day)
