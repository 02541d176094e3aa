"""The send on one screen: prepare, journal, deliver, record.

``send`` is the whole walk from `rundbrief send` to the SMTP hand-off; the CLI only collects
a ``SendRequest``, prints what ``progress`` is told and the ``Outcome`` it gets back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from generator.core.gitinfo import ApprovedMain
from generator.core.i18n import _
from generator.core.output import claim_folder
from generator.core.problems import RundbriefError, UsageError
from generator.core.settings import Project
from generator.feedback.suppression import open_store
from generator.members.recipients import unsubscribe_secret
from generator.members.source import open_members
from generator.sending.delivery import Outcome, deliver, give_up_after
from generator.sending.dkim import dkim_signer
from generator.sending.journal import Journal, open_journal
from generator.sending.send import Plan, prepare, send_tests
from generator.sending.transport import OUTBOX_FILE, Outbox, Transport, smtp_transport


@dataclass(frozen=True)
class SendRequest:
    """What the command line collected for one send (each option spelled here once)."""

    newsletter: Path | None = None
    """None with ``due``: every newsletter that is due."""
    members_file: str | None = None
    """``--members``: a file or an https:// URL; None: the configured source (members_source)."""
    audience: str | None = None
    suppress: tuple[Path, ...] = ()
    dry_run: bool = False
    outbox: Path | None = None
    rate: float | None = None
    max_per_hour: int | None = None
    test_to: tuple[str, ...] = ()
    retry_uncertain: bool = False
    journal_file: Path | None = None
    offline: bool = False
    connections: int | None = None
    new_journal: bool = False
    """Send although the feedback mailbox knows replies to a send this journal never made."""
    due: bool = False
    """Send every approved newsletter on main whose ``send_at`` has passed (``sending.due``);
    with ``newsletter`` set, one of those sends: unattended, it never asks."""
    now: bool = False
    """Send now although the newsletter's ``send_at`` lies ahead."""

    @property
    def gated(self) -> bool:
        """Only a real send needs the approval: drafts may be tried out (outbox, test copy)."""
        return not (self.dry_run or self.test_to)


class SendProgress(Protocol):
    """Who watches a send: told what was checked, then how far the delivery has got."""

    def checked(self, plan: Plan) -> None:
        """Everything is checked; nothing is sent yet (warnings, exclusions, the count)."""
        ...

    def confirm(self, plan: Plan) -> None:
        """Members are about to be mailed: the last moment to stop (by raising)."""
        ...

    def start(self, total: int) -> None:
        """Delivery begins towards ``total`` messages."""
        ...

    def step(self, count: int) -> None:
        """``count`` more messages are done."""
        ...

    def end(self) -> None:
        """Delivery is over (also after an error)."""
        ...


class SentElsewhere(RundbriefError):
    """The feedback mailbox knows a send of this newsletter that this journal does not."""


def send(
    project: Project,
    request: SendRequest,
    progress: SendProgress,
    main: ApprovedMain | None = None,
) -> Outcome:
    """Prepare, journal, deliver, record: one newsletter to its members, an outbox or testers.

    ``main``: the approved state fetched already (``send --due`` fetches once for all).
    """
    if request.newsletter is None:
        raise UsageError(_("name the newsletter to send, or send every one that is due: --due"))
    # Raises UsageError when no source is configured: only --test-to works without one.
    members = None if request.test_to else open_members(project, request.members_file)
    plan = prepare(
        project,
        request.newsletter,
        members,
        secret=unsubscribe_secret(),
        audience=request.audience,
        suppress=request.suppress,
        gate=request.gated,
        offline=request.offline,
        main=main,
        early=request.now,
    )
    progress.checked(plan)
    signer = dkim_signer(project.settings.newsletter.dkim_selector, plan.email.from_address)
    if request.test_to:
        replies = send_tests(plan, smtp_transport(signer=signer), request.test_to)
        return Outcome(plan=plan, tests=tuple(zip(request.test_to, replies, strict=True)))
    if request.dry_run:
        folder = request.outbox or project.build_dir / "outbox" / plan.newsletter.slug
        claim_folder(folder, "outbox", OUTBOX_FILE)  # never deletes what rundbrief did not write
        outbox = Outbox(folder)
        outcome = _deliver(plan, request, lambda: outbox, None, progress, connections=1)
        outcome.outbox = folder
        return outcome
    smtp_transport()  # the settings are checked before the journal is touched
    journal = open_journal(project, request.journal_file)
    assert journal is not None  # created when missing
    with journal:
        if not request.new_journal:
            _not_sent_elsewhere(project, journal, plan)
        progress.confirm(plan)  # after every check that could refuse, before the first message
        connections = request.connections or project.settings.sending.connections
        outcome = _deliver(
            plan, request, lambda: smtp_transport(signer=signer), journal, progress, connections
        )
        # For `rundbrief report`: who was left out, and the members file's size over time.
        journal.record_exclusions(plan.newsletter.slug, plan.selection.excluded)
        journal.record_member_count(plan.selection.members)
    return outcome


def _deliver(
    plan: Plan,
    request: SendRequest,
    connect: Callable[[], Transport],
    journal: Journal | None,
    progress: SendProgress,
    connections: int,
) -> Outcome:
    try:
        outcome = deliver(
            plan,
            connect,
            journal,
            connections=connections,
            rate=request.rate,
            max_per_hour=request.max_per_hour,
            retry_uncertain=request.retry_uncertain,
            give_up_after=give_up_after(),
            progress=progress.step,
            started=progress.start,
        )
    finally:
        progress.end()
    outcome.plan = plan
    return outcome


def _not_sent_elsewhere(project: Project, journal: Journal, plan: Plan) -> None:
    """Refuse when bounces or unsubscribes name this newsletter but this journal never sent it.

    Two clones with journals of their own cannot see each other's sends; the feedback
    mailbox is shared, and its signed VERP addresses name the newsletter a bounce belongs to.
    """
    slug = plan.newsletter.slug
    if sum(journal.counts(slug).values()):
        return
    store = open_store(project, create=False)
    if store is None:
        return
    with store:
        mentions = store.mentions(slug)
    if mentions:
        raise SentElsewhere(
            _(
                "the feedback mailbox holds {count} replies to {slug} (bounces, unsubscribes), "
                "but this journal ({path}) never sent it: it was probably sent from another "
                "clone with a journal of its own, or the journal was lost; send there, or with "
                "that clone's journal (--journal); --new-journal sends anyway"
            ).format(count=mentions, slug=slug, path=journal.where)
        )
