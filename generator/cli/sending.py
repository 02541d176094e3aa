"""The printing side of `rundbrief send` and `rundbrief status` (part of the CLI layer).

The send itself is ``sending.pipeline.send``: this module confirms, watches and prints.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from generator.cli.progress import Progress
from generator.core import gitinfo
from generator.core.i18n import _, ngettext, number
from generator.core.problems import RundbriefError, UsageError
from generator.core.settings import Project
from generator.feedback.suppression import last_reading
from generator.members.recipients import SHOWN, Selection
from generator.newsletter.email import sample_values
from generator.sending.delivery import Outcome
from generator.sending.journal import open_journal
from generator.sending.pipeline import SendRequest, send
from generator.sending.send import TEST_PREFIX, Plan

SHOWN_EXCLUSIONS = SHOWN
"""Exclusions printed one by one; a list of 100,000 would otherwise bury the summary."""


def sample_name(project: Project) -> str:
    """The name of the synthetic member of test copies and build outputs."""
    values = sample_values(project)
    return f"{values['first_name']} {values['last_name']}"


FEEDBACK_AGE = dt.timedelta(hours=24)


def warn_if_feedback_is_old(project: Project) -> None:
    """Unsubscribes by mail and bounces count only once `feedback` has read them."""
    newsletter = project.settings.newsletter
    if newsletter.unsubscribe_url and not newsletter.bounce_address:
        return  # neither mailto-only unsubscribes nor VERP bounces: nothing waits in a mailbox
    read = last_reading(project)
    if read is None:
        message = _("warning: the feedback mailbox has never been read")
    elif dt.datetime.now(dt.UTC) - read > FEEDBACK_AGE:
        message = _("warning: the feedback mailbox was last read on {when}").format(
            when=read.astimezone().strftime("%Y-%m-%d %H:%M")
        )
    else:
        return
    hint = _("run `rundbrief feedback` first, so that unsubscribes and bounces are honoured")
    click.echo(f"{message}; {hint}", err=True)


class SendWatch(Progress):
    """What `send` shows while it runs: the checks' findings, then one progress line."""

    def __init__(self, project: Project, request: SendRequest, *, yes: bool = False) -> None:
        super().__init__(_("Sending {done}/{total}  {rate} msg/s  ETA {eta}"))
        self.project, self.request, self.yes = project, request, yes

    def checked(self, plan: Plan) -> None:
        """Print the warnings, and for members: who is left out and how many receive it."""
        for warning in plan.warnings:
            click.echo(str(warning), err=True)
        if self.request.test_to:
            return
        if self.request.gated:
            warn_if_feedback_is_old(self.project)
        _report_exclusions(plan.selection)
        click.echo(plan.selection.summary())

    def confirm(self, plan: Plan) -> None:
        """Ask in a terminal before members are mailed; without one, only ``--yes`` goes on."""
        if self.yes:
            return
        if not sys.stdin.isatty():
            raise UsageError(
                _(
                    "nothing was sent: there is no terminal to ask in; add --yes to send to "
                    "the members without a question (scripts, CI)"
                )
            )
        click.echo(_("Subject: {subject}").format(subject=plan.newsletter.subject))
        click.echo(_("Audience: {audience}").format(audience=plan.audience.segment))
        count = plan.selection.recipients
        question = ngettext(
            "Send to {count} member now?", "Send to {count} members now?", count
        ).format(count=number(count))
        choices = _("[y/N]")  # the letters the answer below accepts, in the same language
        answer = click.prompt(
            f"{question} {choices}", default="", show_default=False, prompt_suffix=" "
        )
        if answer.strip().lower() not in {_("y"), _("yes")}:
            raise RundbriefError(_("nothing was sent (not confirmed)."))


def _report_exclusions(selection: Selection) -> None:
    for problem in selection.problems:
        click.echo(str(problem), err=True)
    shown = len(selection.problems)
    more = sum(selection.excluded.values()) - selection.excluded["audience"] - shown
    if shown >= SHOWN_EXCLUSIONS and more > 0:
        click.echo(_("… and {count} more exclusions").format(count=number(more)), err=True)


def run_send(
    project: Project,
    request: SendRequest,
    main: gitinfo.ApprovedMain | None = None,
    *,
    yes: bool = False,
) -> Outcome:
    """Send (or write the outbox, or the test copies), then print the summary.

    ``main``: the approved state, when ``send --due`` fetched it once for every newsletter;
    a send of ``--due`` never asks (``yes``), it runs unattended.
    """
    outcome = send(project, request, SendWatch(project, request, yes=yes or request.due), main)
    if request.test_to:
        _tested(project, outcome)
        return outcome
    # Only what reached the relay has a sent version: a refused login sent nothing.
    if request.gated and outcome.sent and outcome.plan is not None:
        click.echo(_approved_version(project, outcome.plan))
    _summarise(project, outcome)
    return outcome


def _tested(project: Project, outcome: Outcome) -> None:
    for address, reply in outcome.tests:
        click.echo(_("Test copy to {address}: {reply}").format(address=address, reply=reply))
    click.echo(
        ngettext(
            "Sent {count} test copy, for the sample member {name} (no member's data), "
            "subject starting with {marker}.",
            "Sent {count} test copies, for the sample member {name} (no member's data), "
            "subject starting with {marker}.",
            len(outcome.tests),
        ).format(
            count=number(len(outcome.tests)),
            name=sample_name(project),
            marker=TEST_PREFIX.strip(),
        )
    )


def _approved_version(project: Project, plan: Plan) -> str:
    """'Sent version: commit 1a2b3c4d5e6f (pull request #12)': what the founder merged."""
    rel = plan.newsletter.document.rel
    merge = gitinfo.approving_commit(project.root, rel, plan.commit) if plan.commit else None
    pull_request = gitinfo.pull_request_of(project.root, merge) if merge else None
    commit = plan.commit[:12] or "?"
    if pull_request is None:
        return _("Sent version: commit {commit}").format(commit=commit)
    return _("Sent version: commit {commit} (pull request {number})").format(
        commit=commit, number=pull_request
    )


def _summarise(project: Project, outcome: Outcome) -> None:
    folder = outcome.outbox
    for failure in outcome.failures[:SHOWN_EXCLUSIONS]:
        click.echo(_("failed: {failure}").format(failure=failure), err=True)
    if len(outcome.failures) > SHOWN_EXCLUSIONS:
        more = len(outcome.failures) - SHOWN_EXCLUSIONS
        click.echo(_("… and {count} more failures").format(count=number(more)), err=True)
    if folder is not None:
        shown = (
            folder.relative_to(project.root).as_posix()
            if folder.is_relative_to(project.root)
            else folder
        )
        click.echo(
            ngettext(
                "Dry run: wrote {count} message to {folder}/",
                "Dry run: wrote {count} messages to {folder}/",
                outcome.sent,
            ).format(count=number(outcome.sent), folder=shown)
        )
    else:
        click.echo(outcome.summary())
    if outcome.capped:
        click.echo(_("Hourly cap reached: run the same command again later to continue."))
    if outcome.stopped:
        raise RundbriefError(
            _("{reason}; stopped, run the same command again to resume.").format(
                reason=outcome.stopped
            )
        )
    if outcome.attempted and not outcome.sent:
        raise RundbriefError(
            _(
                "nothing was sent: every message of this run failed or was deferred; "
                "check the reasons above, then run the same command again."
            )
        )


def run_status(
    project: Project, newsletter: Path, journal_file: Path | None, *, release_lock: bool = False
) -> None:
    """Print the journal counts of one newsletter, who holds its lock; release it if asked."""
    slug = newsletter.stem
    journal = open_journal(project, journal_file, create=False)
    if journal is None:
        click.echo(
            _("{slug}: nothing sent yet (no journal at {path})").format(
                slug=slug, path=journal_file or project.state_dir / "journal.sqlite"
            )
        )
        return
    with journal:
        released = journal.release_lock(slug) if release_lock else []
        counts = journal.counts(slug)
        commits = journal.commits(slug)
        offline = journal.offline_runs(slug)
        audiences = journal.audiences(slug)
        locks = journal.locks(slug)
    names = {
        "pending": _("pending"),
        "sending": _("sending"),
        "sent": _("sent"),
        "failed": _("failed"),
    }
    line = ", ".join(f"{number(count)} {names[state]}" for state, count in counts.items())
    click.echo(f"{slug}: {line}")
    if counts["sending"]:
        click.echo(
            _("{count} uncertain (left in 'sending' by an interrupted run)").format(
                count=number(counts["sending"])
            )
        )
    if commits:
        click.echo(
            _("approved version: commit {commits}").format(
                commits=", ".join(c[:12] for c in commits)
            )
        )
    for audience, chosen in audiences:
        if chosen:
            click.echo(
                _("sent to the audience {audience} (chosen with --audience)").format(
                    audience=audience
                )
            )
    if offline:
        click.echo(
            ngettext(
                "{count} run checked the approval offline (--offline)",
                "{count} runs checked the approval offline (--offline)",
                offline,
            ).format(count=number(offline))
        )
    for run in released:
        click.echo(
            _("released the lock of process {pid} on {host}, started {started} UTC").format(
                pid=run.pid, host=run.host, started=run.started_at.isoformat()[:19]
            )
        )
    for run in locks:
        silent = int((dt.datetime.now(dt.UTC) - run.seen_at).total_seconds() // 60)
        click.echo(
            _(
                "locked by process {pid} on {host} since {started} UTC, last active {minutes} "
                "minutes ago{state}"
            ).format(
                pid=run.pid,
                host=run.host,
                started=run.started_at.isoformat()[:19],
                minutes=number(max(0, silent)),
                state={True: "", False: _(" (the process is gone)"), None: ""}[run.alive],
            )
        )
