"""What a message in the feedback mailbox is, and which member and newsletter it concerns.

Kinds, tried in this order (a bounce often carries ``Auto-Submitted`` too, so reports first):

1. ``complaint``: an ARF report (RFC 5965, ``multipart/report; report-type=feedback-report``);
2. ``hard_bounce`` / ``soft_bounce``: a delivery status notification (RFC 3464; status 5.x.x
   is hard, 4.x.x soft) or one of the non-standard formats flufl.bounce recognises;
3. ``auto_reply``: out-of-office and other automatic replies (RFC 3834 ``Auto-Submitted``,
   ``X-Autoreply``, ``X-Autorespond``, ``Precedence: auto_reply``): ignored;
4. ``vote``: a "War dieser Artikel hilfreich?" mail to ``help_site.feedback_address``
   (``votes``): counted if it names a page of the site, never acted on;
5. ``unsubscribe``: a message to the ``mailto:`` unsubscribe address; the member is the
   address in the token in its subject, or else its one sender, when our receiving server
   found the sender's domain to pass DMARC (``authresults``);
6. ``soft_bounce`` again: anything else sent to a member's VERP address (a bounce too garbled
   to read; soft, so that one odd message alone suppresses nobody);
7. ``unverified``: a report or unsubscribe that names someone but proves nothing: left for a
   person, suppresses no one;
8. ``other``: everything else, left unread for a person.

Every message may be forged. A bounce or complaint names a member only by proof: it arrived
at the member's signed VERP address, or it quotes the Message-ID the journal recorded for
that member's copy; either within ``verp.LIFETIME`` of the send (``sent``). What the report
text says about addresses only picks the candidate to check. Times are the arrival
(IMAP INTERNALDATE), never the sender's ``Date:``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.parser import HeaderParser
from functools import lru_cache
from typing import Literal, get_args
from urllib.parse import parse_qs, unquote, urlsplit

from flufl.bounce import all_failures

from generator.core.sections.feedback import FeedbackSettings
from generator.core.sections.newsletter import NewsletterSettings
from generator.feedback.authresults import dmarc_pass
from generator.feedback.sent import NothingSent, SentMessages
from generator.feedback.suppression import single_address
from generator.feedback.votes import SUBJECT, Vote, read_vote
from generator.members.verp import Verp, parse_verp, read_unsubscribe_token, within_lifetime

Kind = Literal[
    "unsubscribe",
    "hard_bounce",
    "soft_bounce",
    "complaint",
    "auto_reply",
    "vote",
    "unverified",
    "other",
]
KINDS: tuple[Kind, ...] = get_args(Kind)
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc")
"""Where the address a message was delivered to shows (the first four are added on delivery)."""
ADDR_SPEC = re.compile(r"[^\s<>,;:\"()\[\]]+@[^\s<>,;:\"()\[\]]+")
COMPLAINT_TYPES = ("abuse", "fraud", "virus", "other")
"""ARF Feedback-Type values that are complaints (not 'not-spam' or 'auth-failure')."""
DETAIL_LENGTH = 300
MAX_CANDIDATES = 10
"""Addresses and quoted Message-IDs tried per message (each pair is one journal lookup)."""
QUOTE_SCAN = 100_000
"""Characters of each text part searched for a quoted Message-ID of ours."""


@dataclass(frozen=True)
class Context:
    """What classification needs to know about the sender."""

    secret: bytes
    unsubscribe_address: str
    bounce_address: str
    sender_domain: str
    own_addresses: frozenset[str] = frozenset()
    """Addresses of the platform's own that a report may name but that are no members."""
    sent: SentMessages = field(default_factory=NothingSent, compare=False)
    """The send journal: what a bounce or complaint must match."""
    authserv_id: str = ""
    """The authserv-id of our receiving server's Authentication-Results ('': trust none)."""
    vote_address: str = ""
    """Where the help site's "War dieser Artikel hilfreich?" mails go ('': no votes)."""
    pages: frozenset[str] = frozenset()
    """The URL paths of the site's articles (``zahlungen/paypal/``): what a vote may name."""


def context_for(
    settings: NewsletterSettings,
    secret: bytes,
    sent: SentMessages | None = None,
    feedback: FeedbackSettings | None = None,
    *,
    vote_address: str = "",
    pages: frozenset[str] = frozenset(),
) -> Context:
    """The classification context of a project's newsletter and feedback settings."""
    own = (settings.from_address, settings.reply_to, settings.unsubscribe_mailto)
    return Context(
        secret=secret,
        unsubscribe_address=settings.unsubscribe_mailto.lower(),
        bounce_address=settings.bounce_address.lower(),
        sender_domain=settings.from_address.rpartition("@")[2].lower(),
        own_addresses=frozenset(a.lower() for a in (*own, settings.bounce_address) if a),
        sent=sent or NothingSent(),
        authserv_id=feedback.authserv_id if feedback is not None else "",
        vote_address=vote_address.lower(),
        pages=pages,
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
    """How the member was found: verp, quote, token, dmarc."""
    vote: Vote | None = None
    """The vote a ``vote`` counts (None: it names no page of the site, or no one sent it)."""


def classify(message: Message, context: Context, arrived: dt.datetime | None = None) -> Verdict:
    """Classify one message (compat32) that arrived at ``arrived`` (IMAP INTERNALDATE)."""
    evidence = " ".join(str(message.get("Message-ID", "")).split())[:DETAIL_LENGTH]
    at = arrived or dt.datetime.now(dt.UTC)
    recipients = _recipients(message)
    verp = _verp(recipients, context, at)
    report = _report_type(message)
    if report == "feedback-report":
        return _complaint(message, context, verp, evidence, at)
    automatic = is_auto_reply(message)
    if context.vote_address in recipients and context.vote_address and not report:
        subject = _subject(message)
        if not automatic and SUBJECT.fullmatch(subject):
            vote = read_vote(message, subject, context.pages, context.secret, at)
            return Verdict("vote", evidence=evidence, at=at, vote=vote)
    unsubscribe = bool(context.unsubscribe_address) and context.unsubscribe_address in recipients
    if unsubscribe and not report and not automatic:
        # Bounces go to envelope senders, never to the unsubscribe address: no need to look.
        return _unsubscribe(message, context, evidence, at)
    heuristics = _may_be_bounce(message, report, verp, automatic)
    bounce = _bounce(message, context, verp, evidence, at, heuristics)
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


def _may_be_bounce(message: Message, report: str, verp: Verp | None, automatic: bool) -> bool:
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
    if automatic and not _from_mail_system(message):  # (``is_auto_reply``, read once)
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


def _addresses(message: Message, names: tuple[str, ...]) -> list[str]:
    values = [str(value) for name in names for value in message.get_all(name, [])]
    return [spec.lower() for _, spec in email.utils.getaddresses(values) if "@" in spec]


def _recipients(message: Message) -> list[str]:
    """Every address in the recipient headers (a quick scan: only compared, never mailed)."""
    values = " ".join(
        str(value) for name in RECIPIENT_HEADERS for value in message.get_all(name, [])
    )
    return [address.lower() for address in ADDR_SPEC.findall(values)]


def _verp(recipients: list[str], context: Context, at: dt.datetime) -> Verp | None:
    """The first signed VERP address among ``recipients`` whose send the journal confirms."""
    if not context.bounce_address:
        return None
    domain = "@" + context.bounce_address.rpartition("@")[2]
    for address in dict.fromkeys(recipients):  # each once: To and Delivered-To often agree
        if address.endswith(domain):
            verp = parse_verp(context.bounce_address, context.secret, address)
            if verp is None:
                continue
            if verp.token:  # the token names the journal row, and the row names the member
                sent = context.sent.sent_token(verp.token)
                verp = Verp(sent.address, sent.newsletter, verp.token) if sent else verp
            else:
                sent = context.sent.sent(verp.newsletter, verp.address)
            if sent is not None and within_lifetime(sent.at, at):
                return verp
    return None


def _message_id(message: Message | None) -> str:
    if message is None:
        return ""
    return "".join(str(message.get("Message-ID", "")).split()).strip("<>").lower()


def _quoted(
    message: Message,
    original: Message | None,
    candidates: list[str],
    context: Context,
    at: dt.datetime,
) -> tuple[str, str] | None:
    """(address, newsletter) of the first candidate whose copy ``message`` quotes, by the journal.

    A Message-ID of ours (in the returned message, References, In-Reply-To, or quoted in the
    text) must be the one the journal recorded for that member's copy of the newsletter it
    names: 80 random bits only that member's mailbox has seen.
    """
    ids = _our_ids(message, original, context)
    for address in list(dict.fromkeys(candidates))[:MAX_CANDIDATES]:
        for newsletter, quoted in ids:
            sent = context.sent.sent(newsletter, address)
            if (
                sent is not None
                and sent.message_id.strip("<>").lower() == quoted
                and within_lifetime(sent.at, at)
            ):
                return address, newsletter
    return None


@lru_cache(maxsize=8)
def _our_id_pattern(sender_domain: str) -> re.Pattern[str]:
    """``<slug.20 hex digits@sender domain>``: a Message-ID as `rundbrief send` makes them."""
    return re.compile(
        r"<\s*([a-z0-9][a-z0-9._-]{0,200})\.([0-9a-f]{20})@" + re.escape(sender_domain) + r"\s*>",
        re.IGNORECASE,
    )


def _our_ids(message: Message, original: Message | None, context: Context) -> list[tuple[str, str]]:
    """(newsletter, message id without brackets) of Message-IDs of ours the report quotes."""
    if not context.sender_domain:
        return []
    pattern = _our_id_pattern(context.sender_domain)
    texts = [str(message.get(name, "")) for name in ("In-Reply-To", "References")]
    if original is not None:
        texts.append(str(original.get("Message-ID", "")))
    for part in message.walk():
        payload = part.get_payload() if part.get_content_maintype() == "text" else None
        if isinstance(payload, str):
            texts.append(payload[:QUOTE_SCAN])
    found: dict[tuple[str, str], None] = {}
    for text in texts:
        for match in pattern.finditer(text):
            slug, random = match.group(1).lower(), match.group(2).lower()
            found[slug, f"{slug}.{random}@{context.sender_domain}"] = None
            if len(found) >= MAX_CANDIDATES:
                return list(found)
    return list(found)


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
    message: Message, context: Context, verp: Verp | None, evidence: str, at: dt.datetime
) -> Verdict:
    report = next(_parts(message, "message/feedback-report"), None)
    fields = report.get_payload(0) if report is not None and report.is_multipart() else None
    fields = fields if isinstance(fields, Message) else Message()
    feedback_type = str(fields.get("Feedback-Type", "")).strip().lower()
    if feedback_type not in COMPLAINT_TYPES:
        return Verdict("other", evidence=evidence, at=at)
    original = _original(message)
    detail = f"ARF {feedback_type}, {str(fields.get('User-Agent', '')).strip()}".strip(", ")
    detail = detail[:DETAIL_LENGTH]
    if verp is None:
        # The report names the envelope sender of the message complained about.
        senders = _addresses(fields, ("Original-Mail-From",))
        senders += _addresses(original, ("Return-Path",)) if original is not None else []
        verp = _verp(senders, context, at)
    if verp is not None:
        finding = Finding("complaint", verp.address, verp.newsletter, detail)
        return Verdict("complaint", (finding,), evidence, at, "verp")
    # Recipients are often redacted: the token in the returned List-Unsubscribe names them.
    token = _list_unsubscribe_address(original, context)
    candidates = [token] if token else []
    candidates += _addresses(fields, ("Original-Rcpt-To",))
    candidates += _addresses(original, ("To",)) if original is not None else []
    if not candidates:
        return Verdict("other", evidence=evidence, at=at)
    proven = _quoted(message, original, candidates, context, at)
    if proven is None:
        return Verdict("unverified", evidence=evidence, at=at, how="report")
    finding = Finding("complaint", proven[0], proven[1], detail)
    return Verdict("complaint", (finding,), evidence, at, "quote")


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
    at: dt.datetime,
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
    members = [f for f in seen if single_address(f.address) and not _ours(f.address, context)]
    if not members:
        return Verdict("other", evidence=evidence, at=at)
    # Only the member whose own copy the report quotes: one Message-ID, one member.
    original = _original(message)
    proven = _quoted(message, original, [f.address for f in members], context, at)
    if proven is None:
        return Verdict("unverified", evidence=evidence, at=at, how="report")
    address, newsletter = proven
    found = next(f for f in members if f.address == address)
    finding = Finding(found.kind, address, newsletter, found.detail)
    return Verdict(found.kind, (finding,), evidence, at, "quote")


def _worst(findings: list[Finding] | tuple[Finding, ...]) -> Kind:
    return "hard_bounce" if any(f.kind == "hard_bounce" for f in findings) else "soft_bounce"


def _ours(address: str, context: Context) -> bool:
    bounce_domain = context.bounce_address.rpartition("@")[2]
    return address in context.own_addresses or (
        bool(bounce_domain) and address.rpartition("@")[2] == bounce_domain
    )


def _unsubscribe(message: Message, context: Context, evidence: str, at: dt.datetime) -> Verdict:
    address = _token_address(_subject(message), context)
    if address is not None:
        finding = Finding("unsubscribe", address.lower())
        return Verdict("unsubscribe", (finding,), evidence, at, "token")
    senders = _addresses(message, ("From",))
    if not senders:
        return Verdict("other", evidence=evidence, at=at)
    # Exactly one sender, and our own server saw its domain pass DMARC: From is not forged.
    sender = single_address(senders[0]) if len(senders) == 1 else None
    if sender is None or not dmarc_pass(message, context.authserv_id, sender.rpartition("@")[2]):
        return Verdict("unverified", evidence=evidence, at=at, how="sender")
    return Verdict("unsubscribe", (Finding("unsubscribe", sender),), evidence, at, "dmarc")
