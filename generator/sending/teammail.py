"""Mails to the team (approvers, the founder): HTML with inline pictures, attachments, once each.

A team mail is not a newsletter: no merge fields, no unsubscribe, one recipient from the
settings on main. Pictures travel as ``cid:`` parts of a multipart/related (mail clients
block remote images and do not show SVG); each mail is claimed in the send state before it
is handed over and given back when delivery fails, so the next run sends it and no run
sends it twice.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from generator.core.headers import header_text
from generator.newsletter.mime import wire_bytes
from generator.sending.state import SendState
from generator.sending.transport import (
    Deferred,
    Outgoing,
    RecipientFailed,
    Reply,
    Transport,
    TransportStopped,
    Uncertain,
)


@dataclass(frozen=True)
class Part:
    """A picture shown inline (``cid``) or a file attached (``filename``)."""

    name: str
    """The Content-ID of an inline picture (without <>), or the file name of an attachment."""
    data: bytes
    mime: str


@dataclass(frozen=True)
class TeamMail:
    """One mail to one person of the team."""

    to: str
    subject: str
    html: str
    text: str
    pictures: tuple[Part, ...] = ()
    attachments: tuple[Part, ...] = ()


@dataclass(frozen=True)
class Sender:
    """Who team mails come from (the newsletter's sender address)."""

    name: str
    address: str


def team_message(mail: TeamMail, sender: Sender, *, date: dt.datetime | None = None) -> bytes:
    """The mail as wire bytes: text and HTML (with its pictures related), then attachments."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(
        display_name=header_text("From", sender.name), addr_spec=sender.address
    )
    message["To"] = header_text("To", mail.to)
    message["Subject"] = header_text("Subject", mail.subject)
    message["Date"] = format_datetime(date or dt.datetime.now(dt.UTC))
    domain = sender.address.rpartition("@")[2]
    message["Message-ID"] = f"<team.{secrets.token_hex(10)}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a robot
    message.set_content(mail.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(mail.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if mail.pictures:
        html = message.get_body(("html",))
        assert isinstance(html, EmailMessage)  # (the alternative just added)
        for picture in mail.pictures:
            maintype, _slash, subtype = picture.mime.partition("/")
            html.add_related(
                picture.data,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{picture.name}>",
                disposition="inline",
            )
    for attachment in mail.attachments:
        maintype, _slash, subtype = attachment.mime.partition("/")
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.name,
            params={"charset": "utf-8"} if maintype == "text" else {},
        )
    return wire_bytes(message)


DELIVERY_FAILED = (RecipientFailed, Deferred, TransportStopped, Uncertain)
"""What leaves a team mail unsent (or maybe sent: an approval mail twice is the lesser harm)."""


def send_once(
    state: SendState, transport: Transport, kind: str, key: str, outgoing: Outgoing
) -> Reply | None:
    """Hand ``outgoing`` over unless ``(kind, key)`` was claimed before; None if it was.

    A failed delivery gives the claim back (and raises): the next run tries again.
    """
    if not state.claim_once(kind, key):
        return None
    try:
        return transport.send(outgoing)
    except (*DELIVERY_FAILED, OSError):
        state.release_once(kind, key)
        raise
