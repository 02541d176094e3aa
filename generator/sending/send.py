"""Sending one newsletter: approval gate, recipients, and delivery through the journal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.core import gitinfo
from generator.core.facts import FACTS_FILE, REFERENCE
from generator.core.i18n import N_, _, number
from generator.core.problems import Problem, UsageError, raise_if_errors
from generator.core.settings import Project
from generator.newsletter.email import RenderedEmail
from generator.newsletter.mime import HeaderInjection, build_message
from generator.newsletter.render import check_newsletter
from generator.newsletter.source import Newsletter, newsletter_source
from generator.sending.journal import Journal
from generator.sending.members import Member, read_members
from generator.sending.recipients import Selection, member_values, read_suppressed, select
from generator.sending.suppression import standing, store_path
from generator.sending.transport import (
    Deferred,
    Outgoing,
    RecipientFailed,
    Transport,
    TransportStopped,
    Uncertain,
)
from generator.sending.verp import return_path
from generator.site.index import read_site


def approval_problems(project: Project, newsletter: Newsletter) -> list[Problem]:
    """Why ``newsletter`` may not be sent: draft, uncommitted changes, not what main holds."""
    rel = newsletter.document.rel
    problems = []
    if not newsletter.approved:
        problems.append(
            Problem(
                rel,
                newsletter.document.line_of("status"),
                _("status is '{status}': only an approved newsletter is sent").format(
                    status=newsletter.status
                ),
            )
        )
    if gitinfo.uncommitted(project.root, rel):
        problems.append(
            Problem(rel, 1, _("the file has uncommitted changes: commit it and merge it into main"))
        )
    elif not gitinfo.same_as_on_main(project.root, rel):
        problems.append(
            Problem(
                rel,
                1,
                _(
                    "the file is not on the main branch as it is here: only what was approved "
                    "and merged into main is sent"
                ),
            )
        )
    # The facts it names are part of the message: they too must be what main holds.
    uses_facts = REFERENCE.search(newsletter.document.source.text) is not None
    facts_changed = (project.root / FACTS_FILE).is_file() and (
        gitinfo.uncommitted(project.root, FACTS_FILE)
        or not gitinfo.same_as_on_main(project.root, FACTS_FILE)
    )
    if uses_facts and facts_changed:
        problems.append(
            Problem(
                FACTS_FILE,
                1,
                _(
                    "the newsletter names facts of this file, and it is not on the main "
                    "branch as it is here: commit it and merge it into main"
                ),
            )
        )
    return problems


@dataclass(frozen=True)
class Plan:
    """Everything checked before the first message goes out."""

    project: Project
    newsletter: Newsletter
    email: RenderedEmail
    selection: Selection
    commit: str
    secret: bytes
    warnings: tuple[Problem, ...] = ()


def prepare(
    project: Project,
    newsletter_path: Path,
    members_file: Path,
    *,
    secret: bytes,
    audience: str | None = None,
    suppress: tuple[Path, ...] = (),
    gate: bool = True,
) -> Plan:
    """Gate, render, check and select; raise ProblemsFound with every problem at once.

    The email comes from the same checked render as ``build`` and ``check``: a newsletter
    with preflight errors is refused like any other problem.
    """
    source = newsletter_source(project, newsletter_path)
    index, _site_problems = read_site(project)  # links and images are checked against it
    checked = check_newsletter(project, index, source)
    problems = list(checked.errors)
    newsletter, email = checked.newsletter, checked.email
    if gate and newsletter is not None:
        problems += approval_problems(project, newsletter)
    commit = gitinfo.main_commit(project.root) or ""
    display = _display(project, members_file)
    members, member_problems = read_members(members_file, display, row_severity="warning")
    problems += member_problems
    warnings = [p for p in checked.problems if p.severity == "warning"]
    if gitinfo.is_tracked(members_file):
        warnings.append(
            Problem(
                display,
                0,
                _("the members file is tracked by git: keep member data out of git"),
                "warning",
            )
        )
    raise_if_errors(problems)
    assert newsletter is not None and email is not None  # no errors: both exist
    selection = select(
        members,
        member_problems,
        display=display,
        audience=audience or newsletter.audience,
        suppressed=dict.fromkeys(read_suppressed(suppress), "suppressed")
        | standing(store_path(project), members),
    )
    return Plan(project, newsletter, email, selection, commit, secret, tuple(warnings))


def _display(project: Project, path: Path) -> str:
    resolved = path.resolve()
    if resolved.is_relative_to(project.root):
        return resolved.relative_to(project.root).as_posix()
    return str(path)


@dataclass
class Outcome:
    """What one run did, for the summary."""

    total: int = 0
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    uncertain: int = 0
    already_sent: int = 0
    failed_before: int = 0
    stopped: str = ""
    capped: bool = False
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: sent, skipped, failed, uncertain."""
        parts = [_("{count} sent").format(count=number(self.sent))]
        for count, text in (
            (self.already_sent, N_("{count} already sent before")),
            (self.failed, N_("{count} failed")),
            (self.failed_before, N_("{count} failed in an earlier run")),
            (self.deferred, N_("{count} deferred (temporary failures, run again)")),
            (self.uncertain, N_("{count} uncertain (see --retry-uncertain)")),
        ):
            if count:
                parts.append(_(text).format(count=number(count)))
        return ", ".join(parts)


def message_id(plan: Plan) -> str:
    """A new unique Message-ID on the sender's domain."""
    domain = plan.email.from_address.rpartition("@")[2]
    return f"<{plan.newsletter.slug}.{secrets.token_hex(10)}@{domain}>"


def send_test(plan: Plan, transport: Transport, address: str) -> str:
    """One personalised copy (values of the first recipient) to ``address``; no journal."""
    if not plan.selection.recipients:
        raise UsageError(_("no recipient in the members file to personalise the test copy with"))
    member = plan.selection.recipients[0]
    values = member_values(
        plan.project, member, campaign=plan.newsletter.utm_campaign, secret=plan.secret
    )
    message = build_message(plan.email, to=address, values=values, message_id=message_id(plan))
    try:
        return str(transport.send(Outgoing.of(message)))
    finally:
        transport.close()


def deliver(
    plan: Plan,
    transport: Transport,
    journal: Journal | None,
    *,
    rate: float | None = None,
    max_per_hour: int | None = None,
    retry_uncertain: bool = False,
    progress: Callable[[int], None] = lambda n: None,
    started: Callable[[int], None] = lambda n: None,
) -> Outcome:
    """Send to every recipient not yet done; the journal is written before and after each."""
    slug = plan.newsletter.slug
    recipients = plan.selection.recipients
    outcome = Outcome(total=len(recipients))
    entries = {}
    if journal is not None:
        journal.plan(slug, ((m.key, message_id(plan)) for m in recipients), plan.commit)
        entries = journal.entries(slug)
    due: list[tuple[Member, str]] = []
    for member in recipients:
        entry = entries.get(member.key) if journal is not None else None
        state = entry.state if entry else "pending"
        if state == "sent":
            outcome.already_sent += 1
        elif state == "failed":
            outcome.failed_before += 1
        elif state == "sending" and not retry_uncertain:
            outcome.uncertain += 1
        else:
            due.append((member, entry.message_id if entry else message_id(plan)))
    started(len(due))
    budget = _hourly_budget(journal, max_per_hour)
    begin = time.monotonic()
    try:
        for number, (member, mid) in enumerate(due):
            if budget is not None and number >= budget:
                outcome.capped = True
                outcome.deferred += len(due) - number
                break
            if rate:
                pause = begin + number / rate - time.monotonic()
                if pause > 0.05 and journal is not None:
                    journal.save()  # do not leave the last 'sent' unsaved while waiting
                time.sleep(max(0.0, pause))
            _deliver_one(plan, member, mid, transport, journal, outcome)
            progress(1)
    except TransportStopped as error:
        outcome.stopped = str(error)
    finally:
        transport.close()
    return outcome


def _hourly_budget(journal: Journal | None, max_per_hour: int | None) -> int | None:
    if max_per_hour is None:
        return None
    hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    return max(0, max_per_hour - (journal.sent_since(hour_ago) if journal else 0))


def _deliver_one(
    plan: Plan,
    member: Member,
    mid: str,
    transport: Transport,
    journal: Journal | None,
    outcome: Outcome,
) -> None:
    slug = plan.newsletter.slug
    values = member_values(
        plan.project, member, campaign=plan.newsletter.utm_campaign, secret=plan.secret
    )
    try:
        message = build_message(plan.email, to=member.email, values=values, message_id=mid)
    except HeaderInjection as error:
        outcome.failed += 1
        outcome.failures.append(f"{member.email}: {error}")
        if journal:
            journal.mark(slug, member.key, "failed", f"not sent: {error}")
        return
    outgoing = Outgoing.of(message)
    # VERP: the member's own envelope sender, so a bounce names this member and newsletter.
    sender = return_path(plan.project.settings.newsletter, plan.secret, member.email, slug)
    if sender:
        outgoing = dataclasses.replace(outgoing, sender=sender)
    if journal:
        journal.mark(slug, member.key, "sending", commit=plan.commit)
    try:
        reply = transport.send(outgoing)
    except RecipientFailed as error:
        outcome.failed += 1
        outcome.failures.append(f"{member.email}: {error.reply}")
        if journal:
            journal.mark(slug, member.key, "failed", str(error.reply))
    except Deferred as error:
        outcome.deferred += 1
        if journal:
            journal.mark(slug, member.key, "pending", f"deferred: {error.reply}")
    except Uncertain:
        outcome.uncertain += 1
    except TransportStopped:
        # Stopped before the message data went out: nothing was delivered.
        if journal:
            journal.mark(slug, member.key, "pending")
        raise
    else:
        outcome.sent += 1
        if journal:
            journal.mark(slug, member.key, "sent", str(reply))
