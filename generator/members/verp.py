"""Signed addresses: VERP envelope senders, and reading unsubscribe tokens back.

Each message leaves with its own envelope sender (Return-Path) on the bounce domain::

    bounce+2026-11-02-monatsupdate-november+k3j5h2m4q7abcdef+anna.muster=example.org@bounces.example
    <local>+<newsletter>+<signature>+<member local part>=<member domain>@<bounce domain>

A bounce is sent to that address, so the address it arrives at names one member and one
newsletter even when the report itself is garbled. The signature (HMAC-SHA256 with the
unsubscribe secret, 80 bits, base32) makes a forged address worthless; it covers the
newsletter and the member, so it names one row of the send journal, and it is honoured only
for ``LIFETIME`` after that row was sent (``within_lifetime``): an address seen once cannot be
replayed in forged reports for ever. Everything is lower case: some mail servers lower-case the
addresses they bounce to.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from email.utils import parseaddr

from generator.core.sections.newsletter import NewsletterSettings
from generator.members.recipients import unsubscribe_token

SLUG = re.compile(r"[a-z0-9][a-z0-9._-]*")
"""Newsletter slugs that fit a local part unchanged (file stems such as 2026-11-02-name)."""
DOT_ATOM = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
"""An unquoted local part (RFC 5321 dot-string), lower case."""
SIGNATURE_BYTES = 10
LIFETIME = dt.timedelta(days=90)
"""How long after the send a signed VERP address (or a quoted Message-ID) still counts."""
CLOCK_SKEW = dt.timedelta(hours=1)
"""A report may arrive this much before the journal says the message was sent (clocks)."""


@dataclass(frozen=True)
class Verp:
    """What a verified VERP address names."""

    address: str
    newsletter: str


def _signature(secret: bytes, address: str, newsletter: str) -> str:
    data = b"verp\x00" + newsletter.encode("utf-8") + b"\x00" + address.encode("utf-8")
    digest = hmac.new(secret, data, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.b32encode(digest).decode("ascii").rstrip("=").lower()


def verp_address(bounce_address: str, secret: bytes, address: str, newsletter: str) -> str:
    """The envelope sender for ``address`` and ``newsletter``; ``bounce_address`` if one cannot be built.

    A member address whose local part would not stay a plain dot-string (``a..b@x``), or a
    newsletter slug with characters a local part cannot carry, falls back to the plain bounce
    address: such a bounce still arrives and is mapped from its report.
    """
    base_local, _, bounce_domain = bounce_address.lower().rpartition("@")
    address, newsletter = address.lower(), newsletter.lower()
    member_local, _, member_domain = address.rpartition("@")
    local = (
        f"{base_local}+{newsletter}+{_signature(secret, address, newsletter)}"
        f"+{member_local}={member_domain}"
    )
    if not SLUG.fullmatch(newsletter) or not member_local or not DOT_ATOM.fullmatch(local):
        return bounce_address
    return f"{local}@{bounce_domain}"


def parse_verp(bounce_address: str, secret: bytes, candidate: str) -> Verp | None:
    """(member address, newsletter) of a VERP address of ours; None if not ours or forged."""
    spec = candidate.strip().strip("<>")
    if any(c in spec for c in ' <>"'):
        spec = parseaddr(candidate)[1].strip()  # with a display name: parse it properly
    spec = spec.lower()
    local, _, domain = spec.rpartition("@")
    base_local, _, bounce_domain = bounce_address.lower().rpartition("@")
    if not base_local or domain != bounce_domain or not local.startswith(base_local + "+"):
        return None
    fields = local[len(base_local) + 1 :].split("+", 2)
    if len(fields) != 3 or "=" not in fields[2]:
        return None
    newsletter, signature, member = fields
    member_local, _, member_domain = member.rpartition("=")
    address = f"{member_local}@{member_domain}"
    if not member_local or not member_domain:
        return None
    if not hmac.compare_digest(signature, _signature(secret, address, newsletter)):
        return None
    return Verp(address, newsletter)


def return_path(
    settings: NewsletterSettings, secret: bytes, address: str, newsletter: str
) -> str | None:
    """The member's VERP envelope sender, or None when no ``bounce_address`` is configured."""
    if not settings.bounce_address:
        return None
    return verp_address(settings.bounce_address, secret, address, newsletter)


def read_unsubscribe_token(secret: bytes, token: str) -> str | None:
    """The address an unsubscribe token was made for; None if it is not one of ours."""
    encoded, dot, _ = token.partition(".")
    if not dot or not encoded:
        return None
    try:
        address = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    if "@" not in address or not hmac.compare_digest(token, unsubscribe_token(secret, address)):
        return None
    return address


def within_lifetime(sent: dt.datetime | None, arrived: dt.datetime) -> bool:
    """Whether a report that arrived at ``arrived`` may still speak for a message sent at ``sent``."""
    return sent is not None and sent - CLOCK_SKEW <= arrived <= sent + LIFETIME
