"""Signed addresses: VERP envelope senders, and reading unsubscribe tokens back.

Each message leaves with its own envelope sender (Return-Path) on the bounce domain::

    bounce+3f9a0c2e71d45b8e6a10-k3j5h2m4q7@bounces.example
    <local>+<message token>-<signature>@<bounce domain>

The message token is the random part of the message's Message-ID (``message_token``), which
the journal keeps in an indexed column: a bounce sent to that address names one row of the send
journal, so one member and one newsletter, even when the report itself is garbled. The
signature (HMAC-SHA256 with the unsubscribe secret, 50 bits, base32) makes a guessed or altered
token worthless, and the row is honoured only for ``LIFETIME`` after it was sent
(``within_lifetime``): an address seen once cannot be replayed in forged reports for ever.
The local part is at most 64 characters (RFC 5321 §4.5.3.1.1) whatever the member's address:
a base of at most ``VERP_BASE_LENGTH`` characters plus 32. Everything is lower case: some mail
servers lower-case the addresses they bounce to.

Until 90 days after the last send of the earlier version, its addresses are still read
(``legacy``): ``bounce+<newsletter>+<signature>+<member local>=<member domain>@…`` — up to 95
characters, which strict servers refused.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from email.utils import parseaddr

from generator.core.sections.newsletter import VERP_BASE_LENGTH, NewsletterSettings
from generator.members.recipients import unsubscribe_token

DOT_ATOM = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
"""An unquoted local part (RFC 5321 dot-string), lower case."""
TOKEN = re.compile(r"[0-9a-f]{20}")
"""A message token: the 80 random bits of a Message-ID of ours, in hex (``sending.send``)."""
SIGNED_TOKEN = re.compile(r"(?P<token>[0-9a-f]{20})-(?P<signature>[a-z2-7]{10})")
SIGNATURE_BYTES = 6
"""Of the token's signature: 48 bits, 10 base32 characters (no journal row without the secret)."""
LOCAL_PART = 64
"""The longest local part RFC 5321 allows (§4.5.3.1.1)."""
LIFETIME = dt.timedelta(days=90)
"""How long after the send a signed VERP address (or a quoted Message-ID) still counts."""
CLOCK_SKEW = dt.timedelta(hours=1)
"""A report may arrive this much before the journal says the message was sent (clocks)."""

assert VERP_BASE_LENGTH + 1 + 20 + 1 + 10 <= LOCAL_PART


@dataclass(frozen=True)
class Verp:
    """What a verified VERP address names: a message token, or (legacy) member and newsletter."""

    address: str = ""
    newsletter: str = ""
    token: str = ""
    """The message token; the journal row it names gives member and newsletter."""


def new_message_id(newsletter: str, domain: str) -> str:
    """A new unique Message-ID ``<newsletter.<token>@domain>``, its token 80 random bits."""
    return f"<{newsletter}.{secrets.token_hex(10)}@{domain}>"


def message_token(message_id: str) -> str:
    """The random part of a Message-ID of ours (``<slug.<token>@domain>``); '' for another."""
    local = message_id.strip().strip("<>").rpartition("@")[0].lower()
    token = local.rpartition(".")[2]
    return token if TOKEN.fullmatch(token) else ""


def _sign(secret: bytes, token: str) -> str:
    digest = hmac.new(secret, b"verp-token\x00" + token.encode("ascii"), hashlib.sha256).digest()
    return base64.b32encode(digest[:SIGNATURE_BYTES]).decode("ascii").rstrip("=").lower()


def verp_address(bounce_address: str, secret: bytes, token: str) -> str:
    """The envelope sender of the message with ``token``; ``bounce_address`` if none can be built.

    Without a token of ours (a Message-ID of another shape), or with a base address whose local
    part is too long for the token to fit, the plain bounce address: such a bounce still
    arrives and is mapped from its report.
    """
    base_local, _, bounce_domain = bounce_address.lower().rpartition("@")
    local = f"{base_local}+{token}-{_sign(secret, token)}"
    if not TOKEN.fullmatch(token) or len(local) > LOCAL_PART or not DOT_ATOM.fullmatch(local):
        return bounce_address
    return f"{local}@{bounce_domain}"


def parse_verp(bounce_address: str, secret: bytes, candidate: str) -> Verp | None:
    """What a VERP address of ours names; None if it is not ours or forged."""
    spec = candidate.strip().strip("<>")
    if any(c in spec for c in ' <>"'):
        spec = parseaddr(candidate)[1].strip()  # with a display name: parse it properly
    spec = spec.lower()
    local, _, domain = spec.rpartition("@")
    base_local, _, bounce_domain = bounce_address.lower().rpartition("@")
    if not base_local or domain != bounce_domain or not local.startswith(base_local + "+"):
        return None
    rest = local[len(base_local) + 1 :]
    signed = SIGNED_TOKEN.fullmatch(rest)
    if signed is None:
        return legacy(secret, rest)
    if not hmac.compare_digest(signed["signature"], _sign(secret, signed["token"])):
        return None
    return Verp(token=signed["token"])


def return_path(settings: NewsletterSettings, secret: bytes, message_id: str) -> str | None:
    """The envelope sender of the message ``message_id``; None without ``bounce_address``."""
    if not settings.bounce_address:
        return None
    return verp_address(settings.bounce_address, secret, message_token(message_id))


# -- the earlier version's addresses: read until 90 days after its last send (LIFETIME) --------


def _legacy_signature(secret: bytes, address: str, newsletter: str) -> str:
    data = b"verp\x00" + newsletter.encode("utf-8") + b"\x00" + address.encode("utf-8")
    digest = hmac.new(secret, data, hashlib.sha256).digest()[:10]
    return base64.b32encode(digest).decode("ascii").rstrip("=").lower()


def legacy_verp_address(bounce_address: str, secret: bytes, address: str, newsletter: str) -> str:
    """An address as the earlier version built it (what ``legacy`` still reads; for tests)."""
    base_local, _, bounce_domain = bounce_address.lower().rpartition("@")
    address, newsletter = address.lower(), newsletter.lower()
    member_local, _, member_domain = address.rpartition("@")
    signature = _legacy_signature(secret, address, newsletter)
    return f"{base_local}+{newsletter}+{signature}+{member_local}={member_domain}@{bounce_domain}"


def legacy(secret: bytes, rest: str) -> Verp | None:
    """(member, newsletter) of an earlier version's ``<newsletter>+<signature>+<member>``."""
    fields = rest.split("+", 2)
    if len(fields) != 3 or "=" not in fields[2]:
        return None
    newsletter, signature, member = fields
    member_local, _, member_domain = member.rpartition("=")
    address = f"{member_local}@{member_domain}"
    if not member_local or not member_domain:
        return None
    if not hmac.compare_digest(signature, _legacy_signature(secret, address, newsletter)):
        return None
    return Verp(address, newsletter)


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
