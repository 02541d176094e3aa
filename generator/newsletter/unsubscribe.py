"""The unsubscribe link of a message: the platform's one-click endpoint, or a prepared email.

With ``newsletter.unsubscribe_url`` the link is that https endpoint with the member's token
(RFC 8058 one-click, as Gmail and Yahoo require of bulk senders). Without it, the link is a
``mailto:`` to ``newsletter.unsubscribe_mailto`` whose subject carries the token and whose
body is written out: the member only presses "send", and `rundbrief feedback` reads it.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

from generator.core.referral import with_query
from generator.core.sections.newsletter import NewsletterSettings

MAILTO_SUBJECT = "Newsletter abbestellen"
MAILTO_BODY = (
    "Bitte tragen Sie mich aus dem Newsletter-Verteiler aus.\n\n"
    "(Sie müssen diese E-Mail nur noch absenden. Die Zeichenfolge im Betreff ordnet die "
    "Abmeldung Ihrer Adresse zu; bitte lassen Sie sie stehen.)"
)


def one_click(settings: NewsletterSettings) -> bool:
    """Whether the platform runs a one-click endpoint (else unsubscribing is by mail)."""
    return bool(settings.unsubscribe_url)


def unsubscribe_link(settings: NewsletterSettings, token: str) -> str:
    """The member's unsubscribe link; ``token`` empty for the public archive."""
    if one_click(settings):
        return (
            with_query(settings.unsubscribe_url, {"t": token})
            if token
            else settings.unsubscribe_url
        )
    subject = f"{MAILTO_SUBJECT} {token}" if token else MAILTO_SUBJECT
    return (
        f"mailto:{settings.unsubscribe_mailto}"
        f"?subject={quote(subject, safe='')}&body={quote(MAILTO_BODY, safe='')}"
    )


def header_mailto(address: str, unsubscribe_url: str) -> str:
    """The ``mailto:`` of List-Unsubscribe beside the one-click URL, with the member's token (the
    ``t`` of that URL) in its subject, so an unsubscribe mail names the member from any address."""
    token = parse_qs(urlsplit(unsubscribe_url).query).get("t", [""])[0]
    subject = f"{MAILTO_SUBJECT} {token}" if token else MAILTO_SUBJECT
    return f"mailto:{address}?subject={quote(subject, safe='')}"
