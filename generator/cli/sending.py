"""The printing side of `rundbrief send` and `rundbrief status` (part of the CLI layer)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import click

from generator.core import gitinfo
from generator.core.i18n import _, ngettext, number
from generator.core.problems import Problem, RundbriefError, UsageError
from generator.core.settings import Project
from generator.sending.journal import Journal
from generator.sending.recipients import unsubscribe_secret
from generator.sending.send import Outcome, Plan, deliver, prepare, send_test
from generator.sending.suppression import record_exclusions, record_run, store_path
from generator.sending.transport import Backoff, Outbox, SmtpTransport, Transport, smtp_config

SHOWN_EXCLUSIONS = 50
"""Exclusions printed one by one; a list of 100,000 would otherwise bury the summary."""


def journal_path(project: Project, given: Path | None) -> Path:
    """The journal file: --journal, else .rundbrief/journal.sqlite."""
    return given or project.state_dir / "journal.sqlite"


def smtp_transport() -> SmtpTransport:
    """An SMTP transport configured from RUNDBRIEF_SMTP_*."""
    delay = os.environ.get("RUNDBRIEF_SMTP_RETRY_DELAY", "2")
    try:
        backoff = Backoff(first_delay=float(delay), max_delay=max(60.0, float(delay)))
    except ValueError:
        raise UsageError(
            _("RUNDBRIEF_SMTP_RETRY_DELAY: expected seconds, got '{value}'").format(value=delay)
        ) from None
    return SmtpTransport(smtp_config(), backoff=backoff)


class Progress:
    """A one-line progress display on stderr: count, rate and time left."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.begin = time.monotonic()
        self.shown = 0.0

    def start(self, total: int) -> None:
        """Begin counting towards ``total``."""
        self.total, self.begin = total, time.monotonic()
        self._show()

    def step(self, count: int) -> None:
        """``count`` more messages are done."""
        self.done += count
        if time.monotonic() - self.shown > 0.2 or self.done == self.total:
            self._show()

    def _show(self) -> None:
        self.shown = time.monotonic()
        elapsed = max(self.shown - self.begin, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0
        eta = time.strftime("%H:%M:%S", time.gmtime(left)) if self.done else "--:--:--"
        click.echo(
            "\r"
            + _("Sending {done}/{total}  {rate} msg/s  ETA {eta}").format(
                done=number(self.done), total=number(self.total), rate=number(rate, 1), eta=eta
            ),
            err=True,
            nl=False,
        )

    def end(self) -> None:
        """Finish the line."""
        if self.total:
            click.echo("", err=True)


def _report_exclusions(problems: tuple[Problem, ...]) -> None:
    for problem in problems[:SHOWN_EXCLUSIONS]:
        click.echo(str(problem), err=True)
    if len(problems) > SHOWN_EXCLUSIONS:
        more = len(problems) - SHOWN_EXCLUSIONS
        click.echo(_("… and {count} more exclusions").format(count=number(more)), err=True)


def run_send(
    project: Project,
    newsletter: Path,
    members_file: Path,
    *,
    audience: str | None,
    suppress: tuple[Path, ...],
    dry_run: bool,
    outbox: Path | None,
    rate: float | None,
    max_per_hour: int | None,
    test_to: str | None,
    retry_uncertain: bool,
    journal_file: Path | None,
) -> None:
    """Check everything, then send (or write the outbox), then print the summary."""
    secret = unsubscribe_secret()
    # Drafts may be tried out (outbox, test copy); only a real send needs the approval.
    gated = not (dry_run or test_to)
    plan = prepare(
        project,
        newsletter,
        members_file,
        secret=secret,
        audience=audience,
        suppress=suppress,
        gate=gated,
    )
    for warning in plan.warnings:
        click.echo(str(warning), err=True)
    if gated:
        from generator.cli.feedback import warn_if_feedback_is_old

        warn_if_feedback_is_old(project)
    _report_exclusions(plan.selection.problems)
    click.echo(plan.selection.summary())
    if test_to:
        reply = send_test(plan, smtp_transport(), test_to)
        click.echo(_("Sent a test copy to {address}: {reply}").format(address=test_to, reply=reply))
        return
    transport: Transport
    journal = None
    if dry_run:
        folder = outbox or project.build_dir / "outbox" / plan.newsletter.slug
        shutil.rmtree(folder, ignore_errors=True)
        transport = Outbox(folder)
    else:
        transport = smtp_transport()
        journal = Journal(journal_path(project, journal_file))
        record_exclusions(store_path(project), plan.newsletter.slug, plan.selection.excluded)
    progress = Progress()
    began = dt.datetime.now(dt.UTC)
    try:
        outcome = deliver(
            plan,
            transport,
            journal,
            rate=rate,
            max_per_hour=max_per_hour,
            retry_uncertain=retry_uncertain,
            progress=progress.step,
            started=progress.start,
        )
    finally:
        progress.end()
        if journal is not None:
            journal.close()
            record_run(store_path(project), plan.newsletter.slug, began, dt.datetime.now(dt.UTC))
    if gated:
        click.echo(_approved_version(project, plan))
    _summarise(project, outcome, dry_run, folder if dry_run else None)


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


def _summarise(project: Project, outcome: Outcome, dry_run: bool, folder: Path | None) -> None:
    for failure in outcome.failures:
        click.echo(_("failed: {failure}").format(failure=failure), err=True)
    if dry_run and folder is not None:
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


def run_status(project: Project, newsletter: Path, journal_file: Path | None) -> None:
    """Print the journal counts of one newsletter."""
    slug = newsletter.stem
    path = journal_path(project, journal_file)
    if not path.is_file():
        click.echo(
            _("{slug}: nothing sent yet (no journal at {path})").format(slug=slug, path=path)
        )
        return
    journal = Journal(path)
    try:
        counts = journal.counts(slug)
        commits = journal.commits(slug)
    finally:
        journal.close()
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
