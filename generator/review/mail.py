"""``rundbrief review --mail``: the review sent to the approvers, built from the review's records.

Each approver gets every new or changed newsletter as the sample member will receive it (the
built ``message.eml``, subject marked [FREIGABE], a banner on top) and one German summary of
everything else. The recipients are ``review.approvers`` as on the base (main): whatever a
pull request changes — the settings, a newsletter's text — it cannot add anyone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from html import unescape as html_unescape
from urllib.parse import unquote, urlsplit

import jinja2

from generator.core.activecontent import refused
from generator.core.dates import german_moment
from generator.core.headers import header_text
from generator.core.i18n import _
from generator.core.problems import Problem, ProblemsFound, raise_if_errors
from generator.core.settings import SETTINGS_FILE, Project
from generator.newsletter.inline import inline_css
from generator.newsletter.mime import wire_bytes
from generator.review.changes import Base, main_branch, settings_at
from generator.review.compare import SITE
from generator.review.facts import Use
from generator.review.github import PullRequest
from generator.review.kitsample import sample_recipient
from generator.review.model import NewsletterReview, Picture, Review, SettingReview
from generator.review.page import LABELS, NOTES
from generator.review.pipeline import FOLDER
from generator.review.sides import NewsletterSide
from generator.review.summary import counts
from generator.review.texts import Segment
from generator.sending.state import SendState
from generator.sending.teammail import Part, Sender, TeamMail, send_once, team_message
from generator.sending.transport import Deferred, Outgoing, RecipientFailed, Transport, Uncertain

KIND = "review-mail"
"""What the send state remembers a sent approval mail as (``claim_once``)."""
PREFIX = "[FREIGABE] "
SUMMARY = "zusammenfassung"
SHOWN = ("image/png", "image/jpeg", "image/gif")
"""Pictures a mail client shows (not SVG); others are named only."""
BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
SOURCE = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)(")', re.IGNORECASE)
PICTURES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}
"""Pictures a mail client shows inline (no SVG)."""
STATUS = {
    "approved": "freigegeben",
    "draft": "Entwurf – wird mit dieser Änderung nicht freigegeben",
}


@dataclass(frozen=True)
class ApprovalMail:
    """One mail to one approver, and what makes it once: ``"<commit> <approver> <what>"``."""

    to: str
    what: str
    """The newsletter's file, or ``zusammenfassung``."""
    key: str
    data: bytes


def approvers(project: Project, base: Base) -> tuple[str, ...]:
    """``review.approvers`` as main has it (the approved settings, never the pull request's).

    Main is the remote's main branch (else the local one, else ``base``). Raise a problem at
    ``rundbrief.yml`` when there are none: the mail has nobody to go to.
    """
    base = main_branch(project.root) or base
    settings = settings_at(project, base)
    found = settings.review.approvers if settings is not None else ()
    if not found:
        raise ProblemsFound(
            [
                Problem(
                    SETTINGS_FILE,
                    0,
                    _(
                        "review.approvers is empty on {base}: nobody to send the review to; "
                        "list the founder's address under review: approvers: in rundbrief.yml "
                        "and merge that first (a pull request cannot add recipients to itself)"
                    ).format(base=base.ref),
                )
            ]
        )
    return found


def send_time(newsletter: NewsletterSide) -> dt.datetime | None:
    """When the newsletter goes out by itself (``send_at``); None: sent by hand with ``send``."""
    return newsletter.send_time


def approval_mails(
    project: Project,
    review: Review,
    to: tuple[str, ...],
    commit: str,
    pull: PullRequest | None,
) -> list[ApprovalMail]:
    """Every mail of this review for every approver: the changed newsletters, then the summary."""
    mails = []
    summary = _summary(project, review, commit, pull)
    for approver in to:
        for item in review.newsletters:
            if item.message is not None:
                data = _newsletter_message(project, item, approver, pull)
                mails.append(
                    ApprovalMail(approver, item.rel, f"{commit} {approver} {item.rel}", data)
                )
        data = team_message(
            TeamMail(approver, summary.subject, summary.html, summary.text, summary.pictures),
            sender(project),
        )
        mails.append(ApprovalMail(approver, SUMMARY, f"{commit} {approver} {SUMMARY}", data))
    return mails


def sender(project: Project) -> Sender:
    """Team mails come from the newsletter's address, named as a review."""
    newsletter = project.settings.newsletter
    return Sender(f"{newsletter.from_name} – Freigabe", newsletter.from_address)


def _newsletter_message(
    project: Project, item: NewsletterReview, to: str, pull: PullRequest | None
) -> bytes:
    """The member's message with the approver as recipient, [FREIGABE] and the banner."""
    assert item.message is not None and item.new is not None
    message = message_from_bytes(item.message, policy=policy.SMTP)
    assert isinstance(message, EmailMessage)
    subject = str(message["Subject"])
    # The approver is on no list: no unsubscribe header that a click could act on.
    for name in (
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
    ):
        del message[name]
    message["To"] = header_text("To", to)
    message["Subject"] = header_text("Subject", PREFIX + subject)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    domain = project.settings.newsletter.from_address.rpartition("@")[2]
    digest = hashlib.sha256(f"{item.rel}\0{to}\0{dt.datetime.now(dt.UTC)}".encode()).hexdigest()
    message["Message-ID"] = f"<freigabe.{digest[:24]}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    banner = _banner(project, item, pull)
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    if isinstance(html, EmailMessage):
        content, pictures = _site_pictures(project, html.get_content())
        found = BODY.search(content)
        at = found.end() if found else 0
        html.set_content(
            content[:at] + banner.html + content[at:],
            subtype="html",
            charset="utf-8",
            cte="quoted-printable",
        )
        for picture in pictures:
            maintype, _slash, subtype = picture.mime.partition("/")
            html.add_related(
                picture.data,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{picture.name}>",
                disposition="inline",
            )
    if isinstance(text, EmailMessage):
        text.set_content(
            banner.text + text.get_content(),
            subtype="plain",
            charset="utf-8",
            cte="quoted-printable",
        )
    return wire_bytes(message)


def _site_pictures(project: Project, content: str) -> tuple[str, list[Part]]:
    """The email with each picture of the help site carried along as a ``cid:`` part.

    A picture the pull request adds is published only after the merge: from the site the
    review built (``build/review/site/``) the approver sees it now. Only image files inside
    that folder are taken; any other source stays as it is.
    """
    site = (project.build_dir / FOLDER / SITE).resolve()
    prefix = urlsplit(project.site_url).path
    parts: dict[str, Part] = {}

    def carried(found: re.Match[str]) -> str:
        url = html_unescape(found.group(2))
        if not project.site_url or not url.startswith(project.site_url):
            return found.group(0)
        path = unquote(urlsplit(url).path)[len(prefix) :]
        file = (site / path).resolve()
        mime = PICTURES.get(file.suffix.lower())
        if mime is None or not file.is_relative_to(site) or not file.is_file():
            return found.group(0)
        data = file.read_bytes()
        name = f"bild-{hashlib.sha256(data).hexdigest()[:20]}@rundbrief"
        parts.setdefault(name, Part(name, data, mime))
        return f"{found.group(1)}cid:{name}{found.group(3)}"

    return SOURCE.sub(carried, content), list(parts.values())


@dataclass(frozen=True)
class _Banner:
    html: str
    text: str


def _banner(project: Project, item: NewsletterReview, pull: PullRequest | None) -> _Banner:
    side = item.new
    assert side is not None
    when = send_time(side)
    send = (
        german_moment(when)
        if when is not None
        else "von Hand mit rundbrief send, sobald freigegeben und zusammengeführt"
    )
    if item.reach is None:
        reach = "Empfängerzahl unbekannt: keine Mitgliederdatei eingestellt"
    elif item.reach.recipients is None:
        reach = f"Empfängerzahl unbekannt: {item.reach.summary}"
    else:
        reach = item.reach.summary
    values = {
        "send_time": send,
        "audience": side.audience,
        "reach": reach,
        "status": STATUS.get(side.status, side.status),
        "preheader": side.preheader,
        "member": sample_recipient(project).name,
        "errors": len(item.errors),
        "pull": pull,
    }
    html = _environment().get_template("approval-banner.html.j2").render(**values)
    lines = [
        "VORSCHAU ZUR FREIGABE – NOCH NICHT VERSCHICKT",
        f"Versand: {send}",
        f"Zielgruppe: {side.audience} – {reach}",
        f"Status: {values['status']}",
        f"Personalisiert für das Beispielmitglied {values['member']}.",
    ]
    if pull is not None:
        lines.append(f"Pull Request #{pull.number} ansehen und freigeben: {pull.url}")
    return _Banner(html, "\n".join(lines) + "\n" + "=" * 60 + "\n\n")


@dataclass(frozen=True)
class Summary:
    """The summary mail's subject, HTML (CSS inlined), text and pictures."""

    subject: str
    html: str
    text: str
    pictures: tuple[Part, ...]


class _Pictures:
    """Collects the pictures a template shows and names each by its content (``cid:``)."""

    def __init__(self) -> None:
        self.parts: dict[str, Part] = {}

    def __call__(self, picture: Picture) -> str:
        name = f"bild-{hashlib.sha256(picture.data).hexdigest()[:20]}@rundbrief"
        self.parts.setdefault(name, Part(name, picture.data, picture.mime))
        return f"cid:{name}"


def _summary(project: Project, review: Review, commit: str, pull: PullRequest | None) -> Summary:
    subject = PREFIX + (
        f"Pull Request #{pull.number}: {counts(review)}"
        if pull
        else f"Änderungen: {counts(review)}"
    )
    pictures = _Pictures()
    values = {
        "review": review,
        "commit": commit,
        "pull": pull,
        "counts": counts(review),
        "labels": LABELS,
        "notes": NOTES,
        "uses": _uses,
        "subject": subject,
    }
    html = (
        _environment()
        .get_template("approval-summary.html.j2")
        .render(**values, cid=pictures, shown=SHOWN)
    )
    html = inline_css(html, project.settings.newsletter.inliner)
    raise_if_errors(refused(html, "review --mail"))
    text = _texts().get_template("approval-summary.txt.j2").render(**values, marked=_marked)
    return Summary(subject, html, text, tuple(pictures.parts.values()))


def _marked(segment: Segment) -> str:
    """A diff segment on one line, as plain text shows changes: [-removed-] [+added+]."""
    text = " ".join(segment.text.split())
    return {"added": f"[+{text}+]", "removed": f"[-{text}-]", "gap": "[…]"}.get(segment.kind, text)


def _uses(setting: SettingReview, key: str) -> tuple[Use, ...]:
    return next((uses for name, uses in setting.uses if name == key), ())


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("generator.review", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _texts() -> jinja2.Environment:
    # The text part only: plain text, nothing in it is read as HTML.
    return jinja2.Environment(  # noqa: S701 - not HTML
        loader=jinja2.PackageLoader("generator.review", "templates"),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass
class MailOutcome:
    """What ``deliver`` did with each mail."""

    sent: list[ApprovalMail]
    earlier: list[ApprovalMail]
    """Sent by an earlier run for the same commit: not again."""
    failed: list[tuple[ApprovalMail, str]]
    """Refused or deferred by the server, with its reply: the next run tries again."""


def deliver(
    state: SendState, transport: Transport, mails: list[ApprovalMail], envelope: str
) -> MailOutcome:
    """Hand each mail over once per key; a refusal is kept and the rest go on.

    A transport that stops (log-in, TLS, server gone) ends the run: what was not handed over
    stays unclaimed for the next run.
    """
    outcome = MailOutcome([], [], [])
    try:
        for mail in mails:
            outgoing = Outgoing(envelope, (mail.to,), mail.data)
            try:
                reply = send_once(state, transport, KIND, mail.key, outgoing)
            except (RecipientFailed, Deferred, Uncertain) as error:
                outcome.failed.append((mail, str(error)))
                continue
            (outcome.sent if reply is not None else outcome.earlier).append(mail)
    finally:
        transport.close()
    return outcome
