"""What a message in the feedback mailbox is, and which member and newsletter it concerns.

Kinds, tried in this order (a bounce often carries ``Auto-Submitted`` too, so reports first):

1. ``complaint``: an ARF report (RFC 5965, ``multipart/report; report-type=feedback-report``);
2. ``hard_bounce`` / ``soft_bounce``: a delivery status notification (RFC 3464; status 5.x.x
   is hard, 4.x.x soft) or one of the non-standard formats flufl.bounce recognises;
3. ``auto_reply``: out-of-office and other automatic replies (RFC 3834 ``Auto-Submitted``,
   ``X-Autoreply``, ``X-Autorespond``, ``Precedence: auto_reply``): ignored;
4. ``unsubscribe``: a message to the ``mailto:`` unsubscribe address; the member is the
   address in the token in its subject, or else its sender (a plain message there is taken
   as one at once: bounces go to envelope senders, never to that address);
5. ``soft_bounce`` again: anything else sent to a member's VERP address (a bounce too garbled
   to read; soft, so that one odd message alone suppresses nobody);
6. ``other``: everything else, left unread for a person.

A VERP address in the recipient headers names the member and newsletter of a bounce or
complaint better than its report does; it is used whenever its signature holds.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from email.parser import HeaderParser
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from flufl.bounce import all_failures

from generator.core.settings import NewsletterSettings
from generator.members.verp import Verp, parse_verp, read_unsubscribe_token

Kind = Literal["unsubscribe", "hard_bounce", "soft_bounce", "complaint", "auto_reply", "other"]
KINDS: tuple[Kind, ...] = (
    "unsubscribe",
    "hard_bounce",
    "soft_bounce",
    "complaint",
    "auto_reply",
    "other",
)
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc")
"""Where the address a message was delivered to shows (the first four are added on delivery)."""
ADDR_SPEC = re.compile(r"[^\s<>,;:\"()\[\]]+@[^\s<>,;:\"()\[\]]+")
COMPLAINT_TYPES = ("abuse", "fraud", "virus", "other")
"""ARF Feedback-Type values that are complaints (not 'not-spam' or 'auth-failure')."""
DETAIL_LENGTH = 300


@dataclass(frozen=True)
class Context:
    """What classification needs to know about the sender."""

    secret: bytes
    unsubscribe_address: str
    bounce_address: str
    sender_domain: str
    own_addresses: frozenset[str] = frozenset()
    """Addresses of the platform's own that a report may name but that are no members."""


def context_for(settings: NewsletterSettings, secret: bytes) -> Context:
    """The classification context of a project's newsletter settings."""
    own = (settings.from_address, settings.reply_to, settings.unsubscribe_mailto)
    return Context(
        secret=secret,
        unsubscribe_address=settings.unsubscribe_mailto.lower(),
        bounce_address=settings.bounce_address.lower(),
        sender_domain=settings.from_address.rpartition("@")[2].lower(),
        own_addresses=frozenset(a.lower() for a in (*own, settings.bounce_address) if a),
    )


@dataclass(frozen=True)
class Finding:
    """One member address a message names, and what happened to it."""

    kind: Kind
    address: str
    newsletter: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Verdict:
    """What one message is."""

    kind: Kind
    findings: tuple[Finding, ...] = ()
    evidence: str = ""
    at: dt.datetime | None = None
    how: str = ""
    """How the member was found: verp, token, report, sender."""


def classify(message: Message, context: Context) -> Verdict:
    """Classify one message (as parsed by the email package with the compat32 policy)."""
    evidence = " ".join(str(message.get("Message-ID", "")).split())
    at = _date(message)
    recipients = _recipients(message)
    verp = _verp(recipients, context)
    report = _report_type(message)
    if report == "feedback-report":
        return _complaint(message, context, verp, evidence, at)
    automatic = is_auto_reply(message)
    unsubscribe = bool(context.unsubscribe_address) and context.unsubscribe_address in recipients
    if unsubscribe and not report and not automatic:
        # Bounces go to envelope senders, never to the unsubscribe address: no need to look.
        return _unsubscribe(message, context, evidence, at)
    bounce = _bounce(message, context, verp, evidence, at, _may_be_bounce(message, report, verp))
    if bounce is not None:
        return bounce
    if automatic:
        return Verdict("auto_reply", evidence=evidence, at=at)
    if unsubscribe:
        return _unsubscribe(message, context, evidence, at)
    if verp is not None:
        detail = "unrecognised report sent to the member's bounce address"
        finding = Finding("soft_bounce", verp.address, verp.newsletter, detail)
        return Verdict("soft_bounce", (finding,), evidence, at, "verp")
    return Verdict("other", evidence=evidence, at=at)


def is_auto_reply(message: Message) -> bool:
    """An automatic reply (RFC 3834 and the common non-standard headers)."""
    submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if submitted and not submitted.startswith(("no", "auto-generated")):
        return True
    if message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return True
    return str(message.get("Precedence", "")).strip().lower() == "auto_reply"


def _may_be_bounce(message: Message, report: str, verp: Verp | None) -> bool:
    """Whether the bounce heuristics could find anything (they read the whole body 40 times).

    Mail systems send delivery failures from the null reverse-path (RFC 5321, 4.5.5) and never
    mark them X-Autoreply, X-Autorespond or Precedence: auto_reply. Anything sent to a VERP
    address of ours is looked at in any case (a forwarder may have rewritten Return-Path).
    """
    if message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return False
    if str(message.get("Precedence", "")).strip().lower() == "auto_reply":
        return False
    if report == "delivery-status":
        return True
    if is_auto_reply(message) and not _from_mail_system(message):
        # An out-of-office reply (to the VERP address, often from the null reverse-path): a
        # person's mailbox answered, so the address works. DSNs come from the mail system.
        return False
    if verp is not None:
        return True
    return_path = message.get("Return-Path")
    return return_path is None or str(return_path).strip() in ("", "<>")


MAIL_SYSTEM = re.compile(
    r"mailer-daemon|postmaster|mail ?delivery|mailadmin|mail administrator|"
    r"delivery (?:status|subsystem)|mdaemon|nobody@|noreply-dmarc",
    re.IGNORECASE,
)
"""Senders of delivery reports (the From of a bounce), as MTAs and providers name them."""


def _from_mail_system(message: Message) -> bool:
    return MAIL_SYSTEM.search(str(message.get("From", ""))) is not None


def _report_type(message: Message) -> str:
    if message.get_content_type() != "multipart/report":
        return ""
    return str(message.get_param("report-type", "") or "").lower()


def _date(message: Message) -> dt.datetime | None:
    try:
        moment = email.utils.parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if moment > dt.datetime.now(dt.UTC) + dt.timedelta(days=1):
        return None  # a clock far in the future would distort every statistic
    return moment


def _addresses(message: Message, names: tuple[str, ...]) -> list[str]:
    values = [str(value) for name in names for value in message.get_all(name, [])]
    return [spec.lower() for _, spec in email.utils.getaddresses(values) if "@" in spec]


def _recipients(message: Message) -> list[str]:
    """Every address in the recipient headers (a quick scan: only compared, never mailed)."""
    values = " ".join(
        str(value) for name in RECIPIENT_HEADERS for value in message.get_all(name, [])
    )
    return [address.lower() for address in ADDR_SPEC.findall(values)]


def _verp(recipients: list[str], context: Context) -> Verp | None:
    if not context.bounce_address:
        return None
    domain = "@" + context.bounce_address.rpartition("@")[2]
    for address in dict.fromkeys(recipients):  # each once: To and Delivered-To often agree
        if address.endswith(domain):
            verp = parse_verp(context.bounce_address, context.secret, address)
            if verp is not None:
                return verp
    return None


def _parts(message: Message, content_type: str) -> Iterator[Message]:
    for part in message.walk():
        if part.get_content_type() == content_type:
            yield part


def _original(message: Message) -> Message | None:
    """The returned message (or its headers) inside a report."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822" and part.is_multipart():
            inner = part.get_payload(0)
            return inner if isinstance(inner, Message) else None
        if kind == "text/rfc822-headers":
            payload = part.get_payload()
            if isinstance(payload, str):
                return HeaderParser().parsestr(payload)
    return None


def _newsletter_of(original: Message | None, context: Context) -> str:
    """The newsletter slug in a Message-ID of ours, ``<slug.hex20@sender-domain>``."""
    if original is None:
        return ""
    local, _, domain = str(original.get("Message-ID", "")).strip().strip("<>").rpartition("@")
    slug, _, random = local.rpartition(".")
    if domain.lower() != context.sender_domain or len(random) != 20 or not slug:
        return ""
    return slug if all(c in "0123456789abcdef" for c in random) else ""


def _tokens(text: str) -> Iterator[str]:
    for word in text.split():
        yield word.strip("()[]<>{}:;,\"'")


def _subject(message: Message) -> str:
    raw = str(message.get("Subject", ""))
    try:
        return str(make_header(decode_header(raw)))
    except (ValueError, LookupError):
        return raw


def _token_address(text: str, context: Context) -> str | None:
    for word in _tokens(text):
        address = read_unsubscribe_token(context.secret, word)
        if address:
            return address
    return None


def _list_unsubscribe_address(original: Message | None, context: Context) -> str | None:
    """The member whose token is in the List-Unsubscribe header of a returned message of ours."""
    if original is None:
        return None
    for url in str(original.get("List-Unsubscribe", "")).replace(",", " ").split():
        parts = urlsplit(url.strip("<>"))
        query = parse_qs(parts.query)
        for value in (*query.get("t", []), *query.get("subject", [])):
            address = _token_address(unquote(value), context)
            if address:
                return address
    return None


def _complaint(
    message: Message, context: Context, verp: Verp | None, evidence: str, at: dt.datetime | None
) -> Verdict:
    report = next(_parts(message, "message/feedback-report"), None)
    fields = report.get_payload(0) if report is not None and report.is_multipart() else None
    fields = fields if isinstance(fields, Message) else Message()
    feedback_type = str(fields.get("Feedback-Type", "")).strip().lower()
    if feedback_type not in COMPLAINT_TYPES:
        return Verdict("other", evidence=evidence, at=at)
    original = _original(message)
    detail = f"ARF {feedback_type}, {str(fields.get('User-Agent', '')).strip()}".strip(", ")
    if verp is None:
        # The report names the envelope sender of the message complained about.
        senders = _addresses(fields, ("Original-Mail-From",))
        senders += _addresses(original, ("Return-Path",)) if original is not None else []
        verp = _verp(senders, context)
    if verp is not None:
        return Verdict(
            "complaint",
            (Finding("complaint", verp.address, verp.newsletter, detail),),
            evidence,
            at,
            "verp",
        )
    newsletter = _newsletter_of(original, context)
    address, how = _list_unsubscribe_address(original, context), "token"
    if address is None:
        named = _addresses(fields, ("Original-Rcpt-To",)) or (
            _addresses(original, ("To",)) if original is not None else []
        )
        address, how = (named[0], "report") if named else (None, "")
    if address is None:
        return Verdict("other", evidence=evidence, at=at)
    return Verdict(
        "complaint", (Finding("complaint", address, newsletter, detail),), evidence, at, how
    )


def _status_blocks(message: Message) -> Iterator[tuple[str, str, str, str]]:
    """(recipient, action, status, diagnostic) of each recipient block of a DSN."""
    for part in _parts(message, "message/delivery-status"):
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks:
            if not isinstance(block, Message) or block.get("Action") is None:
                continue
            recipient = ""
            for name in ("Original-Recipient", "Final-Recipient"):
                kind, _, value = str(block.get(name, "")).partition(";")
                found = ADDR_SPEC.search(value)
                if kind.strip().lower() == "rfc822" and found:
                    recipient = found.group(0).lower()
                    break
            yield (
                recipient,
                str(block.get("Action", "")).strip().lower(),
                str(block.get("Status", "")).strip(),
                " ".join(str(block.get("Diagnostic-Code", "")).split()),
            )


def _severity(action: str, status: str) -> Kind | None:
    if status.startswith("5"):
        return "hard_bounce"
    if status.startswith("4") or action.startswith("delayed"):
        return "soft_bounce"
    if action.startswith(("failed", "error")):
        return "hard_bounce"
    return None  # delivered, relayed, expanded: not a bounce


def _flufl(message: Message) -> tuple[set[str], set[str]]:
    _settle_payloads(message)
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # noqa: BLE001 - a detector choking on one message must not stop the run
        return set(), set()
    decode = lambda found: {a.decode("ascii", "replace").lower() for a in found}  # noqa: E731
    return decode(temporary), decode(permanent)


def _settle_payloads(message: Message) -> None:
    """Store 8-bit text parts decoded, once.

    The email package keeps undecoded 8-bit bodies with surrogates and decodes them again on
    every ``get_payload()``; the bounce detectors read the body some forty times. The text
    they see does not change.
    """
    for part in message.walk():
        if not part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, str):
                part.set_payload(payload)


def _bounce(
    message: Message,
    context: Context,
    verp: Verp | None,
    evidence: str,
    at: dt.datetime | None,
    heuristics: bool = True,
) -> Verdict | None:
    # The report's own recipient blocks say hard or soft; flufl.bounce finds the addresses
    # of the formats that have none (and of DSNs too).
    seen: list[Finding] = []
    for recipient, action, status, diagnostic in _status_blocks(message):
        kind = _severity(action, status)
        if kind is not None:
            seen.append(Finding(kind, recipient, "", f"{status} {diagnostic}"[:DETAIL_LENGTH]))
    # A standard report that names its recipients needs no heuristics.
    needed = heuristics and not any(f.address for f in seen)
    temporary, permanent = _flufl(message) if needed else (set(), set())
    named = {f.address for f in seen}
    seen += [
        Finding("hard_bounce" if address in permanent else "soft_bounce", address)
        for address in sorted(temporary | permanent)
        if address not in named
    ]
    if not seen:
        return None
    worst = _worst(seen)
    if verp is not None:
        detail = next(f.detail for f in seen if f.kind == worst)
        finding = Finding(worst, verp.address, verp.newsletter, detail)
        return Verdict(worst, (finding,), evidence, at, "verp")
    newsletter = _newsletter_of(_original(message), context)
    findings = tuple(
        Finding(f.kind, f.address, newsletter, f.detail)
        for f in seen
        if "@" in f.address and not _ours(f.address, context)
    )
    if not findings:
        return Verdict("other", evidence=evidence, at=at)
    return Verdict(_worst(findings), findings, evidence, at, "report")


def _worst(findings: list[Finding] | tuple[Finding, ...]) -> Kind:
    return "hard_bounce" if any(f.kind == "hard_bounce" for f in findings) else "soft_bounce"


def _ours(address: str, context: Context) -> bool:
    bounce_domain = context.bounce_address.rpartition("@")[2]
    return address in context.own_addresses or (
        bool(bounce_domain) and address.rpartition("@")[2] == bounce_domain
    )


def _unsubscribe(
    message: Message, context: Context, evidence: str, at: dt.datetime | None
) -> Verdict:
    address = _token_address(_subject(message), context)
    how = "token"
    if address is None:
        senders = _addresses(message, ("From",))
        if not senders:
            return Verdict("other", evidence=evidence, at=at)
        address, how = senders[0], "sender"
    return Verdict("unsubscribe", (Finding("unsubscribe", address.lower()),), evidence, at, how)
