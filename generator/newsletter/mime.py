"""One personalised email as a MIME message: text first, HTML last, headers safe."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from generator.core.headers import HeaderInjection, header_text
from generator.newsletter.email import RenderedEmail, personalise
from generator.newsletter.unsubscribe import header_mailto

WIRE = policy.SMTP.clone(max_line_length=998)
"""Fold headers only at SMTP's hard limit: a long List-Unsubscribe URL folded at 78 characters
would come out as RFC 2047 encoded words, which mail clients do not read as a URL."""


def wire_bytes(message: EmailMessage, linesep: str = "\r\n") -> bytes:
    """The message as it goes over the wire (long URL headers intact); ``linesep`` for files."""
    return message.as_bytes(policy=WIRE.clone(linesep=linesep))


__all__ = ["HeaderInjection", "build_message", "list_unsubscribe", "wire_bytes"]


def list_unsubscribe(mailto: str, unsubscribe: str) -> tuple[str, bool]:
    """The List-Unsubscribe header of a member's link, and whether it promises one click.

    Without an endpoint of the platform's the link is the prepared email alone, and no
    one-click promise is made; with one, the ``mailto:`` (with the member's token) follows it.
    """
    if unsubscribe.startswith("mailto:"):
        return f"<{unsubscribe}>", False
    return f"<{unsubscribe}>, <{header_mailto(mailto, unsubscribe)}>", True


def build_message(
    email: RenderedEmail,
    *,
    to: str,
    values: Mapping[str, str],
    message_id: str,
    date: dt.datetime | None = None,
    subject_prefix: str = "",
) -> EmailMessage:
    """The multipart/alternative message for one recipient, with one-click unsubscribe headers."""
    subject, html, text = personalise(email, values)
    subject = subject_prefix + subject
    unsubscribe = header_text("List-Unsubscribe", values["unsubscribe_url"])
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(
        display_name=header_text("From", email.from_name), addr_spec=email.from_address
    )
    message["To"] = header_text("To", to)
    message["Reply-To"] = header_text("Reply-To", email.reply_to)
    message["Subject"] = header_text("Subject", subject)
    message["Date"] = format_datetime(date or dt.datetime.now(dt.UTC))
    message_id = header_text("Message-ID", message_id)
    message["Message-ID"] = message_id if message_id.startswith("<") else f"<{message_id}>"
    message["List-Id"] = f"{header_text('List-Id', email.from_name)} <{email.list_id}>"
    header, one_click = list_unsubscribe(email.unsubscribe_mailto, unsubscribe)
    message["List-Unsubscribe"] = header
    if one_click:
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message
