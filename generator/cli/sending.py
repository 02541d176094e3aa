"""The printing side of `rundbrief send` and `rundbrief status` (part of the CLI layer)."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path

import click

from generator.cli.feedback import warn_if_feedback_is_old
from generator.core import gitinfo
from generator.core.i18n import _, ngettext, number
from generator.core.output import claim_folder
from generator.core.problems import RundbriefError, UsageError
from generator.core.settings import Project
from generator.feedback.suppression import (
    record_exclusions,
    record_member_count,
    record_run,
    store_path,
)
from generator.members.recipients import SHOWN, Selection, unsubscribe_secret
from generator.newsletter.email import sample_values
from generator.sending.delivery import GIVE_UP_AFTER, Outcome, deliver
from generator.sending.journal import Journal, journal_path
from generator.sending.send import TEST_PREFIX, Plan, prepare, send_tests
from generator.sending.transport import (
    OUTBOX_FILE,
    Backoff,
    Outbox,
    SmtpTransport,
    Transport,
    smtp_config,
)

SHOWN_EXCLUSIONS = SHOWN
"""Exclusions printed one by one; a list of 100,000 would otherwise bury the summary."""


def sample_name(project: Project) -> str:
    """The name of the synthetic member of test copies and build outputs."""
    values = sample_values(project)
    return f"{values['first_name']} {values['last_name']}"


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


def _report_exclusions(selection: Selection) -> None:
    for problem in selection.problems:
        click.echo(str(problem), err=True)
    shown = len(selection.problems)
    more = sum(selection.excluded.values()) - selection.excluded["audience"] - shown
    if shown >= SHOWN_EXCLUSIONS and more > 0:
        click.echo(_("… and {count} more exclusions").format(count=number(more)), err=True)


def run_send(
    project: Project,
    newsletter: Path,
    members_file: Path | None,
    *,
    audience: str | None,
    suppress: tuple[Path, ...],
    dry_run: bool,
    outbox: Path | None,
    rate: float | None,
    max_per_hour: int | None,
    test_to: tuple[str, ...],
    retry_uncertain: bool,
    journal_file: Path | None,
    offline: bool = False,
    connections: int | None = None,
) -> None:
    """Check everything, then send (or write the outbox), then print the summary."""
    secret = unsubscribe_secret()
    if members_file is None and not test_to:
        raise UsageError(_("--members is required (only --test-to works without it)"))
    # Drafts may be tried out (outbox, test copy); only a real send needs the approval.
    gated = not (dry_run or test_to)
    plan = prepare(
        project,
        newsletter,
        None if test_to else members_file,
        secret=secret,
        audience=audience,
        suppress=suppress,
        gate=gated,
        offline=offline,
    )
    for warning in plan.warnings:
        click.echo(str(warning), err=True)
    if test_to:
        replies = send_tests(plan, smtp_transport(), test_to)
        for address, reply in zip(test_to, replies, strict=True):
            click.echo(_("Test copy to {address}: {reply}").format(address=address, reply=reply))
        click.echo(
            ngettext(
                "Sent {count} test copy, for the sample member {name} (no member's data), "
                "subject starting with {marker}.",
                "Sent {count} test copies, for the sample member {name} (no member's data), "
                "subject starting with {marker}.",
                len(test_to),
            ).format(
                count=number(len(test_to)), name=sample_name(project), marker=TEST_PREFIX.strip()
            )
        )
        return
    if gated:
        warn_if_feedback_is_old(project)
    _report_exclusions(plan.selection)
    click.echo(plan.selection.summary())
    journal = None
    folder = None
    if dry_run:
        folder = outbox or project.build_dir / "outbox" / plan.newsletter.slug
        claim_folder(folder, "outbox", OUTBOX_FILE)  # never deletes what rundbrief did not write
        outbox_transport = Outbox(folder)
        connect: Callable[[], Transport] = lambda: outbox_transport  # noqa: E731
        connections = 1
    else:
        connections = connections or project.settings.sending.connections
        smtp_transport()  # the settings are checked before the journal is touched
        connect = smtp_transport
        journal = Journal(journal_path(project, journal_file))
        # For `rundbrief report`: who was left out, and when the run began and ended.
        record_exclusions(store_path(project), plan.newsletter.slug, plan.selection.excluded)
        record_member_count(store_path(project), plan.selection.members)  # as `report` counts
    began = dt.datetime.now(dt.UTC)
    progress = Progress()
    try:
        outcome = deliver(
            plan,
            connect,
            journal,
            connections=connections,
            rate=rate,
            max_per_hour=max_per_hour,
            retry_uncertain=retry_uncertain,
            give_up_after=_give_up_after(),
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
    _summarise(project, outcome, folder)


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


def _give_up_after() -> float:
    value = os.environ.get("RUNDBRIEF_SMTP_GIVE_UP", str(GIVE_UP_AFTER))
    try:
        return float(value)
    except ValueError:
        raise UsageError(
            _("RUNDBRIEF_SMTP_GIVE_UP: expected seconds, got '{value}'").format(value=value)
        ) from None


def _summarise(project: Project, outcome: Outcome, folder: Path | None) -> None:
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
            _("nothing was sent: every message of this run failed or was deferred (see above).")
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
        offline = journal.offline_runs(slug)
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
    if offline:
        click.echo(
            ngettext(
                "{count} run checked the approval offline (--offline)",
                "{count} runs checked the approval offline (--offline)",
                offline,
            ).format(count=number(offline))
        )
