"""The printing side of `rundbrief review` (part of the CLI layer)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from generator.core.gitinfo import git
from generator.core.i18n import _, ngettext, number
from generator.core.problems import AlreadySaid, RundbriefError
from generator.core.settings import Project
from generator.review.changes import resolve_base
from generator.review.github import pull_request
from generator.review.mail import approval_mails, approvers, deliver
from generator.review.model import Review
from generator.review.pipeline import FOLDER, review
from generator.review.summary import append_summary, summary_markdown
from generator.sending.dkim import team_signer
from generator.sending.journal import open_journal
from generator.sending.transport import TransportStopped, smtp_transport


def run_review(
    project: Project,
    base: str | None,
    summary_file: Path | None,
    *,
    mail: bool = False,
    journal_file: Path | None = None,
) -> None:
    """Review the work tree against ``base``; one line of result, exit 1 on problems."""
    started = time.perf_counter()
    to: tuple[str, ...] = ()
    if mail:  # checked before the builds: a missing recipient or server stops at once
        to = approvers(project, resolve_base(project.root, base))
        smtp_transport()
    result = review(project, base)
    if summary_file is not None:
        append_summary(summary_file, summary_markdown(result))
    page = (project.build_dir / FOLDER / "index.html").relative_to(project.root).as_posix()
    if not result.relevant:
        click.echo(
            _(
                "No changes to help pages, newsletters, Werbemittel or settings since {base} ({commit})."
            ).format(base=result.base.ref, commit=result.base.short)
        )
        if mail:
            click.echo(_("Nothing members see changes: no review mail."))
        return
    for problem in result.problems:
        click.echo(str(problem), err=True)
    click.echo(
        _("Review of {changes} since {base} ({commit}): {page} in {seconds} s.").format(
            changes=ngettext(
                "{count} changed file", "{count} changed files", len(result.relevant)
            ).format(count=number(len(result.relevant))),
            base=result.base.ref,
            commit=result.base.short,
            page=page,
            seconds=number(time.perf_counter() - started, 1),
        )
    )
    failed = _mail(project, result, to, journal_file) if mail else False
    if result.errors:
        click.echo(
            ngettext(
                "{count} problem in the new version; the review page shows it at the top.",
                "{count} problems in the new version; the review page shows them at the top.",
                len(result.errors),
            ).format(count=number(len(result.errors))),
            err=True,
        )
    if result.errors or failed:
        raise AlreadySaid()  # (exit 1 through the CLI's one exit place)


def _mail(project: Project, result: Review, to: tuple[str, ...], journal_file: Path | None) -> bool:
    """Send the review to the approvers, once per commit; true if a mail was refused."""
    pull = pull_request()
    commit = (pull.head if pull else None) or (git(project.root, "rev-parse", "HEAD") or "").strip()
    mails = approval_mails(project, result, to, commit, pull)
    journal = open_journal(project, journal_file)
    assert journal is not None  # created when missing
    with journal:
        try:
            outcome = deliver(
                journal,
                smtp_transport(signer=team_signer(project)),
                mails,
                project.settings.newsletter.from_address,
            )
        except TransportStopped as error:
            raise RundbriefError(
                _(
                    "{reason}; no review mail was sent, the next run sends it (or start the"
                    " same command again)"
                ).format(reason=error)
            ) from None
    sent_to = sorted({m.to for m in outcome.sent})
    if outcome.sent:
        click.echo(
            ngettext(
                "Review mail sent: {count} mail to {to}.",
                "Review mail sent: {count} mails to {to}.",
                len(outcome.sent),
            ).format(count=number(len(outcome.sent)), to=", ".join(sent_to))
        )
    if outcome.earlier:
        click.echo(
            ngettext(
                "{count} review mail for commit {commit} was sent before: not again.",
                "{count} review mails for commit {commit} were sent before: not again.",
                len(outcome.earlier),
            ).format(count=number(len(outcome.earlier)), commit=commit[:12])
        )
    if pull is None:
        click.echo(
            _(
                "No link to approve in the summary: not a pull request run of GitHub Actions "
                "(GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_EVENT_PATH or GITHUB_REF)."
            )
        )
    for mail, reply in outcome.failed:
        click.echo(
            _(
                "the review mail to {to} was refused: {reply}; check the address in "
                "review.approvers and the SMTP server; the next run sends it again"
            ).format(to=mail.to, reply=reply),
            err=True,
        )
    return bool(outcome.failed)
