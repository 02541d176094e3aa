"""The printing side of `rundbrief report --mail [--due]` (part of the CLI layer)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from generator.core.i18n import _, ngettext, number
from generator.core.problems import AlreadySaid, RundbriefError
from generator.core.settings import Project
from generator.report.due import due_periods
from generator.report.figures import Report
from generator.report.mail import deliver_report, message_bytes
from generator.report.signups import SignupTables
from generator.sending.dkim import team_signer
from generator.sending.journal import open_journal
from generator.sending.transport import TransportStopped, smtp_transport


def mail_report(
    project: Project,
    report: Report,
    signups: SignupTables | None,
    to: tuple[str, ...],
    journal_file: Path | None,
    *,
    due: bool,
) -> None:
    """Mail the report to ``to`` (with ``due``: only for periods not mailed before); exit 1 on a refusal."""
    # Only --due needs the state (what went out before); a report mailed by hand touches none.
    journal = open_journal(project, journal_file) if due else None
    try:
        periods = due_periods(journal.run_times(), dt.datetime.now(dt.UTC)) if journal else None
        outcome = deliver_report(
            journal,
            smtp_transport(signer=team_signer(project)),
            message_bytes(project, report, signups),
            to,
            project.settings.newsletter.from_address,
            periods,
        )
    except TransportStopped as error:
        raise RundbriefError(
            _(
                "{reason}; the report was not mailed, the next run sends it (or start "
                "the same command again)"
            ).format(reason=error)
        ) from None
    finally:
        if journal is not None:
            journal.close()
    if outcome.sent:
        click.echo(
            ngettext(
                "Report mailed to {count} recipient: {to}.",
                "Report mailed to {count} recipients: {to}.",
                len(outcome.sent),
            ).format(count=number(len(outcome.sent)), to=", ".join(outcome.sent))
        )
    elif due and not outcome.failed:
        click.echo(_("No report due: this month's and every send's report went out before."))
    for recipient, reply in outcome.failed:
        click.echo(
            _(
                "the report mail to {to} was refused: {reply}; check the address in "
                "report.recipients and the SMTP server; the next run sends it again"
            ).format(to=recipient, reply=reply),
            err=True,
        )
    if outcome.failed:
        raise AlreadySaid()  # (exit 1 through the CLI's one exit place)
