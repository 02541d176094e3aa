"""The newsletter section: the sender, the unsubscribe ways and the inliner of every email."""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.core.declare import key
from generator.core.i18n import _
from generator.core.schema import email_address, hinted, https_url

_DNS_NAME = re.compile(
    r"[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9])?)*"
)


@hinted("DNS-Name (Buchstaben, Ziffern, Punkt, Bindestrich)", pattern=_DNS_NAME.pattern)
def dns_name(value: str) -> str | None:
    """Check: a DNS name or label (a DKIM selector, an SPF include domain), empty allowed."""
    if value and not (_DNS_NAME.fullmatch(value) and len(value) <= 253):
        return _("expected a DNS name (letters, digits, '.', '-'), got '{value}'").format(
            value=value
        )
    return None


VERP_BASE_LENGTH = 32
"""The longest local part of ``bounce_address``: its VERP addresses add 32 characters (≤ 64)."""


@hinted(
    "E-Mail-Adresse, höchstens 32 Zeichen vor dem @",
    pattern=r"^[^@\s<>,;]{1,32}@[^\s<>,;]*\.[^\s<>,;]*$",
)
def bounce_base(value: str) -> str | None:
    """Check: an email address whose local part leaves room for the VERP token."""
    problem = email_address(value)
    if problem is None and len(value.rpartition("@")[0]) > VERP_BASE_LENGTH:
        return _(
            "expected at most {limit} characters before the @ (each message adds 32 for its "
            "bounce token, and RFC 5321 allows 64), got '{value}'"
        ).format(limit=VERP_BASE_LENGTH, value=value)
    return problem


@dataclass(frozen=True, kw_only=True)
class NewsletterSettings:
    """How newsletters are sent and what they carry in every message."""

    from_name: str = key("Absendername im Feld „Von“.")
    from_address: str = key(
        "Absenderadresse; ihre Domain muss SPF, DKIM und DMARC bestehen.", check=email_address
    )
    reply_to: str = key("Wohin Antworten gehen.", check=email_address)
    list_id: str = key("Wert der Kopfzeile List-Id, ein Name wie eine Domain.")
    unsubscribe_url: str = key(
        "Abmelde-Adresse mit einem Klick (RFC 8058); ohne sie meldet man sich per E-Mail ab.",
        default="",
        check=https_url,
    )
    unsubscribe_mailto: str = key(
        "Adresse für Abmeldungen per E-Mail (liest rundbrief feedback).", check=email_address
    )
    logo_url: str = key("Absolute https-Adresse des Logos im Kopf der E-Mail.", check=https_url)
    inliner: str = key(
        "Werkzeug, das das CSS in die E-Mail schreibt.",
        default="css-inline",
        choices=("css-inline", "premailer"),
    )
    bounce_address: str = key(
        "Grundadresse des Umschlag-Absenders (VERP): aus bounce@d wird je Nachricht "
        "bounce+<Nachrichten-Token>-<Signatur>@d (höchstens 64 Zeichen vor dem @, wie RFC 5321 "
        "verlangt; daher höchstens 32 Zeichen vor dem @ dieser Adresse).",
        default="",
        check=bounce_base,
    )
    dkim_selector: str = key(
        "DKIM-Selektor der Absenderdomain: rundbrief doctor prüft den Schlüssel unter "
        "<Selektor>._domainkey.<Domain>. Ist RUNDBRIEF_DKIM_PRIVATE_KEY gesetzt, signiert "
        "rundbrief jede Nachricht selbst mit diesem Selektor (für ein Relay, das nicht signiert).",
        default="",
        check=dns_name,
    )
    spf_include: str = key(
        "Domain, die der SPF-Eintrag der Umschlag-Domain mit include: erlauben muss (nennt der "
        "Versanddienst, z. B. spf.relay.example); leer: rundbrief doctor sucht die Domain des "
        "SMTP-Servers.",
        default="",
        check=dns_name,
    )
