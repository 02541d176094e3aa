"""Sending one newsletter: the approval gate and everything checked before the first message.

``prepare`` renders the newsletter through the one checked render, checks the approval
against the remote's main branch, reads the suppression files and counts the members file
(streamed), and refuses — with every problem at once — before anything is written or sent.
``delivery.deliver`` then sends the plan through the journal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from generator.core import gitinfo
from generator.core.dates import german_moment
from generator.core.facts import FACTS_FILE, REFERENCE
from generator.core.i18n import _
from generator.core.problems import (
    Problem,
    ProblemsFound,
    UsageError,
    raise_if_errors,
)
from generator.core.settings import SETTINGS_FILE, Project
from generator.feedback.suppression import read_suppressions
from generator.members.recipients import (
    EVERYONE,
    Audience,
    Selection,
    Suppressed,
    read_suppressed,
    select,
)
from generator.members.source import MembersFile, Unreadable
from generator.members.verp import new_message_id
from generator.newsletter.checks import image_sources
from generator.newsletter.email import RenderedEmail, sample_values
from generator.newsletter.mime import build_message, wire_bytes
from generator.newsletter.render import check_newsletter
from generator.newsletter.source import Newsletter, newsletter_source
from generator.sending.message import MessageTemplate
from generator.sending.transport import Outgoing, Transport
from generator.site.index import SiteIndex, read_site

TEST_PREFIX = "[TEST] "


@dataclass(frozen=True)
class Approval:
    """What the gate compared with: the remote's main commit, and whether it was fetched now."""

    commit: str
    offline: bool = False
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()


def shaping_files(
    project: Project, index: SiteIndex, newsletter: Newsletter, email: RenderedEmail
) -> list[str]:
    """Every file of the repository that shapes the message: what the approval must cover.

    The newsletter, the settings (sender, Reply-To, unsubscribe link, Impressum), the facts it
    names (``fakten.yml``), the site
    configuration (the help-site URL of every link) and the images of the email that are
    files in ``content/`` (the logo too). The package's own templates are code, reviewed
    and released with rundbrief.
    """
    files = [newsletter.document.rel, SETTINGS_FILE, project.mkdocs_file.name]
    # The facts it names are part of the message: they too must be what main holds.
    if REFERENCE.search(newsletter.document.source.text) and (project.root / FACTS_FILE).is_file():
        files.append(FACTS_FILE)
    for src in image_sources(email.html):
        rel = index.source_of_url(src)
        if rel is not None and (project.root / rel).is_file() and rel not in files:
            files.append(rel)
    return files


def approval(
    project: Project,
    index: SiteIndex,
    newsletter: Newsletter,
    email: RenderedEmail,
    *,
    offline: bool = False,
    main: gitinfo.ApprovedMain | None = None,
) -> Approval:
    """Compare everything that shapes the message with the remote's main branch.

    The remote is fetched first (``core.gitinfo.approved_main``, the gate kits pass too);
    ``offline`` compares with the state fetched last, and says so. ``main``: the approved
    state fetched already (``send --due`` fetches once for every newsletter it sends).
    """
    if main is None:
        remote = project.settings.sending.remote
        main = gitinfo.approved_main(project.root, remote, command="send", offline=offline)
    problems: list[Problem] = []
    if not newsletter.approved:
        problems.append(
            Problem(
                newsletter.document.rel,
                newsletter.document.line_of("status"),
                _("status is '{status}': only an approved newsletter is sent").format(
                    status=newsletter.status
                ),
            )
        )
    problems += main.differences(project.root, shaping_files(project, index, newsletter, email))
    return Approval(main.commit, main.offline, tuple(problems), tuple(main.warnings(SETTINGS_FILE)))


@dataclass(frozen=True)
class Plan:
    """Everything checked before the first message goes out."""

    project: Project
    newsletter: Newsletter
    email: RenderedEmail
    template: MessageTemplate
    source: MembersFile | None
    audience: Audience
    selection: Selection
    commit: str
    secret: bytes
    offline: bool = False
    stamp: tuple[int, int] = (0, 0)
    warnings: tuple[Problem, ...] = ()
    content: str = ""
    """The fingerprint of subject and text: a renamed copy is still the same newsletter."""
    audience_override: bool = False
    """Whether ``--audience`` chose another segment than the newsletter's ``audience``."""


def prepare(
    project: Project,
    newsletter_path: Path,
    members: MembersFile | None,
    *,
    secret: bytes,
    audience: str | None = None,
    suppress: tuple[Path, ...] = (),
    gate: bool = True,
    offline: bool = False,
    guard: bool = True,
    main: gitinfo.ApprovedMain | None = None,
    early: bool = False,
) -> Plan:
    """Gate, render, check and count; raise ProblemsFound with every problem at once.

    The email comes from the same checked render as ``build`` and ``check``: a newsletter
    with preflight errors is refused like any other problem. ``guard`` refuses a send that
    nobody, or too small a share of the audience, would receive. ``early`` sends a newsletter
    before its ``send_at`` (``--now``); ``main`` is the approved state if fetched already.
    """
    source = newsletter_source(project, newsletter_path)
    index, _site_problems = read_site(project)  # links and images are checked against it
    checked = check_newsletter(project, index, source)
    problems = list(checked.errors)
    warnings = [p for p in checked.problems if p.severity == "warning"]
    newsletter, email = checked.newsletter, checked.email
    segment = audience or (newsletter.audience if newsletter else EVERYONE)
    if audience is not None:
        _check_segment(project, audience)
        if gate and newsletter is not None:
            problems += _audience_not_approved(newsletter, audience)
    commit = ""
    if gate and newsletter is not None and not early:
        problems += _not_yet(project, newsletter)
    if gate and newsletter is not None and email is not None:
        approved = approval(project, index, newsletter, email, offline=offline, main=main)
        problems += approved.problems
        warnings += approved.warnings
        commit = approved.commit
    listed, unreadable = read_suppressed(suppress)
    problems += unreadable
    # Suppressed by --suppress files, and by what `rundbrief feedback` filed (with the reason).
    suppressed = {address: Suppressed("suppressed") for address in listed}
    suppressed |= read_suppressions(project)
    selection = Selection(0, 0)
    kind = newsletter.kind if newsletter else "newsletter"
    target = Audience(segment, kind, suppressed)
    if members is not None:
        warnings += members.warnings
        try:
            selection = select(members, target)
        except Unreadable as error:
            problems.append(error.problem)
    raise_if_errors(problems)
    assert newsletter is not None and email is not None  # no errors: both exist
    if members is not None and guard:
        shortfall = selection.shortfall(project.settings.sending.min_share)
        if shortfall:
            raise ProblemsFound([*selection.problems, Problem(members.display, 0, shortfall)])
    return Plan(
        project,
        newsletter,
        email,
        MessageTemplate(email),
        members,
        target,
        selection,
        commit,
        secret,
        offline=offline and gate,
        stamp=members.stamp() if members is not None else (0, 0),
        warnings=tuple(warnings),
        content=content_fingerprint(newsletter),
        audience_override=segment != newsletter.audience,
    )


def content_fingerprint(newsletter: Newsletter) -> str:
    """SHA-256 of the subject and the text (front matter aside): what members would see twice."""
    text = f"{newsletter.subject}\n{newsletter.document.body.strip()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _not_yet(project: Project, newsletter: Newsletter) -> list[Problem]:
    """A newsletter whose ``send_at`` lies ahead goes out then (``send --due``), not by hand now.

    The founder approved it for that time; sending it early by mistake cannot be undone.
    """
    at = newsletter.send_time(project.settings.timezone)
    if at is None or at <= dt.datetime.now(dt.UTC):
        return []
    return [
        Problem(
            newsletter.document.rel,
            newsletter.document.line_of("send_at"),
            _(
                "send_at is {when}: the scheduled send (send --due) sends it then; to send it "
                "now instead, add --now"
            ).format(when=german_moment(at)),
        )
    ]


def _audience_not_approved(newsletter: Newsletter, audience: str) -> list[Problem]:
    """``--audience`` names a segment the approved newsletter does not: the founder did not."""
    if audience == newsletter.audience or audience in newsletter.other_audiences:
        return []
    document = newsletter.document
    return [
        Problem(
            document.rel,
            document.line_of("audience"),
            _(
                "--audience {segment}: the approved newsletter is for '{audience}'; list "
                "'{segment}' in other_audiences (approved like the rest) to send it there"
            ).format(segment=audience, audience=newsletter.audience),
        )
    ]


def known_segments(project: Project) -> tuple[str, ...]:
    """The segments an audience may name: ``alle`` and ``members.segments`` of the settings."""
    return (EVERYONE, *project.settings.members.segments)


def _check_segment(project: Project, segment: str) -> None:
    known = known_segments(project)
    if segment not in known:
        raise UsageError(
            _("--audience: unknown segment '{segment}'; known: {known}; choose one of them").format(
                segment=segment, known=", ".join(known)
            )
        )


def message_id(plan: Plan) -> str:
    """A new unique Message-ID on the sender's domain."""
    return new_message_id(plan.newsletter.slug, plan.email.from_address.rpartition("@")[2])


def send_tests(plan: Plan, transport: Transport, addresses: tuple[str, ...]) -> list[str]:
    """A test copy to each address: for the sample member, subject marked [TEST]; no journal.

    Never a real member's name, referral code or live unsubscribe link: a copy forwarded
    from the test inbox must not unsubscribe or credit anyone.
    """
    values = sample_values(plan.project)
    replies = []
    try:
        for address in addresses:
            message = build_message(
                plan.email,
                to=address,
                values=values,
                message_id=message_id(plan),
                date=dt.datetime.now(dt.UTC),
                subject_prefix=TEST_PREFIX,
            )
            data = wire_bytes(message)
            replies.append(str(transport.send(Outgoing(plan.email.from_address, (address,), data))))
    finally:
        transport.close()
    return replies
