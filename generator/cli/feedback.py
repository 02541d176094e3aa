"""The printing side of `rundbrief feedback` and `rundbrief report`, and the feedback warning
of `send` (part of the CLI layer)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.cli.progress import Progress
from generator.core.i18n import _, ngettext, number
from generator.core.problems import ProblemsFound
from generator.core.settings import Project
from generator.feedback.classify import KINDS
from generator.feedback.limits import MAX_DEPTH, MAX_PARTS, MAX_SIZE
from generator.feedback.suppression import (
    REASONS,
    SuppressionStore,
    export_csv,
    open_store,
)
from generator.members.recipients import unsubscribe_secret
from generator.members.source import Member, Unreadable, members_source
from generator.sending.journal import open_journal
from generator.site.index import page_path_url, read_site

if TYPE_CHECKING:
    from generator.feedback.mailbox import FeedbackOutcome


def run_feedback(
    project: Project, *, export_file: Path | None, mailbox: bool, journal_file: Path | None
) -> None:
    """Read the mailbox into the suppression store, then export the list if asked."""
    store = open_store(project)
    assert store is not None  # created when missing
    try:
        if mailbox:
            _read(project, store, journal_file)
        rows = store.suppressions()
        counts = {reason: sum(1 for row in rows if row.reason == reason) for reason in REASONS}
        click.echo(
            _("Addresses on the suppression list: {total}{parts}.").format(
                total=number(len(rows)),
                parts=" ("
                + ", ".join(f"{_reason(reason)}: {number(n)}" for reason, n in counts.items() if n)
                + ")"
                if rows
                else "",
            )
        )
        if export_file is not None:
            count = export_csv(rows, export_file)
            click.echo(
                _("Wrote {count} suppressed addresses to {path}.").format(
                    count=number(count), path=export_file
                )
            )
    finally:
        store.close()


def _read(project: Project, store: SuppressionStore, journal_file: Path | None) -> None:
    # Imported here: `report` and `send` need none of the mailbox reading (flufl.bounce).
    from generator.feedback.classify import context_for
    from generator.feedback.mailbox import check_folders, close, connect, imap_config, read_mailbox
    from generator.feedback.sent import NothingSent

    settings = project.settings
    feedback = settings.feedback
    check_folders(feedback.folder, feedback.processed_folder, feedback.quarantine_folder)
    journal = open_journal(project, journal_file, create=False)
    try:
        sent = journal if journal is not None else NothingSent()  # no journal: nothing proven
        vote_address = settings.help_site.feedback_address or ""
        context = context_for(
            settings.newsletter,
            unsubscribe_secret(),
            sent,
            feedback,
            vote_address=vote_address,
            pages=article_paths(project) if vote_address else frozenset(),
        )
        config = imap_config()
        mailbox = connect(config)
        click.echo(
            _("Reading {folder} of {user} at {where}.").format(
                folder=settings.feedback.folder, user=config.user, where=config.where
            )
        )
        progress = Progress(_("Reading {done}/{total} messages  {rate} msg/s  ETA {eta}"))
        try:
            outcome = read_mailbox(
                mailbox,
                store,
                context,
                folder=feedback.folder,
                processed_folder=feedback.processed_folder,
                quarantine_folder=feedback.quarantine_folder,
                progress=progress.update,
            )
        finally:
            progress.end()
            close(mailbox)
        added = store.apply_soft_bounce_limit(settings.feedback.soft_bounce_limit, journal)
    finally:
        if journal is not None:
            journal.close()
    _summarise(project, outcome, len(added))


def article_paths(project: Project) -> frozenset[str]:
    """The URL paths of the site's published articles: the pages a vote may name."""
    index, _problems = read_site(project)  # a broken article still has its page
    return frozenset(
        page_path_url(article.path) for article in index.articles if not article.draft
    ) - {""}


def _reason(reason: str) -> str:
    return {
        "unsubscribed": _("unsubscribed"),
        "hard_bounce": _("hard bounce"),
        "soft_bounces": _("repeated soft bounces"),
        "complaint": _("complaint"),
    }[reason]


def _quarantine_reason(reason: str) -> str:
    return {
        "size": _("larger than {size} MB").format(size=number(MAX_SIZE // 1_000_000)),
        "parts": _("more than {count} MIME parts").format(count=number(MAX_PARTS)),
        "depth": _("nested deeper than {count} levels").format(count=number(MAX_DEPTH)),
        "unparsable": _("cannot be parsed"),
        "error": _("classifying it failed"),
    }[reason]


def _summarise(project: Project, outcome: FeedbackOutcome, soft_suppressed: int) -> None:
    kinds = outcome.kinds
    parts = [
        ngettext("{n} unsubscribe", "{n} unsubscribes", kinds["unsubscribe"]),
        ngettext("{n} hard bounce", "{n} hard bounces", kinds["hard_bounce"]),
        ngettext("{n} soft bounce", "{n} soft bounces", kinds["soft_bounce"]),
        ngettext("{n} complaint", "{n} complaints", kinds["complaint"]),
        ngettext(
            "{n} automatic reply (ignored)", "{n} automatic replies (ignored)", kinds["auto_reply"]
        ),
        ngettext("{n} vote on an article", "{n} votes on articles", kinds["vote"]),
        ngettext("{n} not verified", "{n} not verified", kinds["unverified"]),
        ngettext("{n} not recognised", "{n} not recognised", kinds["other"]),
        ngettext("{n} quarantined", "{n} quarantined", kinds["quarantined"]),
    ]
    numbers = [kinds[k] for k in (*KINDS, "quarantined")]
    shown = [part.format(n=number(n)) for part, n in zip(parts, numbers, strict=True) if n]
    click.echo(
        _("New messages: {new}, read in an earlier run: {earlier}{colon}{parts}").format(
            new=number(outcome.new),
            earlier=number(outcome.earlier),
            colon=": " if shown else ".",
            parts=", ".join(shown) + ("." if shown else ""),
        )
    )
    feedback = project.settings.feedback
    if outcome.moved or outcome.refiled:
        click.echo(
            _("Moved to {folder}: {count}.").format(
                count=number(outcome.moved + outcome.refiled), folder=feedback.processed_folder
            )
        )
    if kinds["other"]:
        click.echo(
            _("Not recognised: {count}, left unread in {folder} for a person to look at.").format(
                count=number(kinds["other"]), folder=feedback.folder
            )
        )
    if kinds["vote_ignored"]:
        click.echo(
            _(
                "Votes not counted (naming no article of the site, or not from exactly one "
                "sender): {count}."
            ).format(count=number(kinds["vote_ignored"]))
        )
    if kinds["unverified"]:
        click.echo(
            _(
                "Not verified (no signed VERP address, no quoted Message-ID of ours, no token, "
                "no DMARC pass from our server): {count}, suppressing no one, left unread in "
                "{folder} for a person to look at."
            ).format(count=number(kinds["unverified"]), folder=feedback.folder)
        )
    if kinds["quarantined"]:
        click.echo(
            _("Moved to {folder} unread: {count}:").format(
                count=number(kinds["quarantined"]), folder=feedback.quarantine_folder
            )
        )
        for uid, reason in outcome.quarantined:
            click.echo(f"  UID {uid}: {_quarantine_reason(reason)}")
        if kinds["quarantined"] > len(outcome.quarantined):
            rest = kinds["quarantined"] - len(outcome.quarantined)
            click.echo("  " + _("and {count} more").format(count=number(rest)))
    if soft_suppressed:
        click.echo(
            _("Suppressed after {limit} soft bounces in a row: {count}.").format(
                count=number(soft_suppressed), limit=feedback.soft_bounce_limit
            )
        )


def run_report(
    project: Project,
    members_file: str | None,
    journal_file: Path | None,
    signups_file: str | None = None,
    *,
    mail: bool = False,
    due: bool = False,
) -> None:
    """Gather the figures and write build/reports/; with ``mail``, send it to the founder."""
    from generator.report.figures import MemberFacts, gather
    from generator.report.page import signup_tables, write_report
    from generator.report.signups import signups_of
    from generator.report.sources import article_titles, editions
    from generator.report.votes import titled

    started = time.perf_counter()
    to: tuple[str, ...] = ()
    if mail:  # checked first: nobody to mail to, or no server, stops before anything is read
        # (imported only here: DKIM and DNS cost a report without --mail a sixth of its time)
        from generator.report.mail import recipients
        from generator.sending.transport import smtp_transport

        to = recipients(project)
        smtp_transport()
    # Read first: a bad export stops the report before anything is recorded.
    signups = signups_of(project, signups_file)
    facts = None
    source = members_source(project, members_file)
    if source is not None:
        for warning in source.warnings:
            click.echo(str(warning), err=True)
        try:
            facts = MemberFacts.of(
                (m for m in source.rows() if isinstance(m, Member)),
                with_names=project.settings.signups.referrer_names,
            )
        except Unreadable as error:
            raise ProblemsFound([error.problem]) from None
    journal = open_journal(project, journal_file, create=facts is not None)
    store = None
    try:
        if journal is not None and facts is not None:
            journal.record_member_count(facts.count)  # members over time
        store = open_store(project, create=False)
        report = gather(journal, store, facts, editions=editions(project))
    finally:
        if journal is not None:
            journal.close()
        if store is not None:
            store.close()
    if report.votes:  # the site is read only when there are votes to name
        report = replace(report, votes=titled(report.votes, article_titles(project)))
    names = facts.referrers if facts is not None and facts.referrers else None
    page = write_report(project, report, signups, names)
    shown = page.relative_to(project.root) if page.is_relative_to(project.root) else page
    click.echo(
        _("Wrote the report for {count} newsletters to {path} in {seconds} s.").format(
            count=len(report.newsletters),
            path=shown,
            seconds=f"{time.perf_counter() - started:.1f}",
        )
    )
    if mail:
        from generator.cli.reportmail import mail_report

        counted = signup_tables(report, signups, names) if signups is not None else None
        mail_report(project, report, counted, to, journal_file, due=due)
