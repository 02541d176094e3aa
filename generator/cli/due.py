"""The printing side of `rundbrief send --due`: every scheduled newsletter that is due, sent.

``sending.due.schedule`` says what main holds and what is due; each due newsletter goes
through the same send as `rundbrief send NEWSLETTER` (``cli.sending.run_send``), against the
one fetch of main. It never asks a question: the scheduled workflow runs it. With
``$GITHUB_STEP_SUMMARY`` set, a German summary of the run is appended there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import click

from generator.cli.sending import run_send
from generator.core import gitinfo
from generator.core.dates import german_moment, in_zone
from generator.core.german import number as german_number
from generator.core.i18n import _, ngettext, number
from generator.core.problems import Problem, ProblemsFound, RundbriefError, UsageError
from generator.core.settings import SETTINGS_FILE, Project
from generator.review.summary import append_summary, code, escape
from generator.sending.delivery import Outcome
from generator.sending.due import Schedule, Scheduled, schedule
from generator.sending.journal import open_journal
from generator.sending.pipeline import SendRequest
from generator.sending.state import SendRunning

ALONE = {
    "audience": "--audience",
    "dry_run": "--dry-run",
    "outbox": "--outbox",
    "test_to": "--test-to",
    "now": "--now",
    "new_journal": "--new-journal",
}
"""Options of one chosen send that make no sense for every due one."""

SILENT_MINUTES = 30
"""A lock of another host silent this long fails the run (``status --release-lock`` ends it)."""

MISSED = "missed-send"
"""The kind of ``claim_once``: a missed newsletter fails one run, not every run after it."""


@dataclass(frozen=True)
class Result:
    """What became of one due newsletter in this run."""

    item: Scheduled
    outcome: Outcome | None = None
    error: str = ""
    running: bool = False


def run_due(project: Project, request: SendRequest) -> None:
    """Send every due newsletter; print, summarise, and fail if one did not go out whole."""
    now = dt.datetime.now(dt.UTC)
    try:
        main, found, first_missed = _look(project, request, now)
    except RundbriefError as error:  # (the run's page says why nothing was looked at)
        _summarise(_refusal_markdown(project, error, now))
        raise
    for problem in found.problems:
        click.echo(str(problem), err=True)
    for item in found.of("missed", "stalled"):
        click.echo(str(_missed(project, item)), err=True)
    results = [_send_one(project, request, main, item) for item in found.of("due", "resume")]
    if not results:
        click.echo(_("nothing due"))
    for item in found.of("waiting")[:3]:
        click.echo(
            _("next: {newsletter} on {when}").format(
                newsletter=item.rel, when=german_moment(item.at)
            )
        )
    _summarise(summary_markdown(project, main, found, results, now))
    failed = [r for r in results if r.error] + first_missed
    if failed or found.problems:
        raise RundbriefError(
            ngettext(
                "{count} scheduled newsletter did not go out as planned (see above).",
                "{count} scheduled newsletters did not go out as planned (see above).",
                len(failed) + len({p.path for p in found.problems}),
            ).format(count=number(len(failed) + len({p.path for p in found.problems})))
        )


def _look(
    project: Project, request: SendRequest, now: dt.datetime
) -> tuple[gitinfo.ApprovedMain, Schedule, list[Scheduled]]:
    """Fetch main once, read what it schedules; the missed ones said for the first time."""
    _check(request)
    remote = project.settings.sending.remote
    main = gitinfo.approved_main(
        project.root, remote, command="send --due", offline=request.offline
    )
    for warning in main.warnings(SETTINGS_FILE):
        click.echo(str(warning), err=True)
    journal = open_journal(project, request.journal_file)
    assert journal is not None  # created when missing: it keeps which misses were reported
    with journal:
        found = schedule(project, main, journal, now)
        first_missed = [
            item
            for item in found.of("missed", "stalled")
            if journal.claim_once(MISSED, f"{item.verdict}:{item.slug}@{item.at.isoformat()}")
        ]
    return main, found, first_missed


def _summarise(markdown: str) -> None:
    """Append to GitHub's job summary, when there is one."""
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        append_summary(Path(summary_file), markdown)


def _check(request: SendRequest) -> None:
    """--due names no newsletter and none of the options of one chosen send; its state lasts."""
    if request.newsletter is not None:
        raise UsageError(
            _("--due sends every newsletter that is due: name none (or leave out --due)")
        )
    alone = [option for name, option in ALONE.items() if getattr(request, name)]
    if alone:
        raise UsageError(
            _("--due cannot be combined with {options}; leave them out").format(
                options=", ".join(alone)
            )
        )
    ephemeral = os.environ.get("GITHUB_ACTIONS") == "true"
    if ephemeral and not os.environ.get("RUNDBRIEF_STATE_URL") and request.journal_file is None:
        # The runner's .rundbrief/ is gone after the job: the next run would send again.
        raise UsageError(
            _(
                "in GitHub Actions the journal in .rundbrief/ is lost with the runner, and the "
                "next run would send everything again: set the secret RUNDBRIEF_STATE_URL (the "
                "shared state), or name a journal that lasts with --journal"
            )
        )


def _send_one(
    project: Project, request: SendRequest, main: gitinfo.ApprovedMain, item: Scheduled
) -> Result:
    """One due newsletter through the ordinary send; its refusal does not stop the others."""
    heading = (
        _("{newsletter}: due since {when}")
        if item.verdict == "due"
        else _("{newsletter}: resuming the send scheduled for {when}")
    )
    click.echo(heading.format(newsletter=item.rel, when=german_moment(item.at)))
    # (``due`` stays set: a send of the scheduled run, which never asks for a confirmation)
    one = dataclasses.replace(request, newsletter=item.path(project))
    try:
        return Result(item, outcome=run_send(project, one, main))
    except SendRunning as error:
        click.echo(str(error), err=True)
        if _sending_elsewhere(project, request, item.slug):
            return Result(item, running=True)  # another run sends it right now: nothing is wrong
        return Result(item, error=str(error))  # a lock nobody has touched for long: say so
    except ProblemsFound as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        return Result(item, error=(error.errors or error.problems)[0].message)
    except RundbriefError as error:
        click.echo(_("error: {message}").format(message=error), err=True)
        return Result(item, error=str(error))


def _sending_elsewhere(project: Project, request: SendRequest, slug: str) -> bool:
    """Whether the run holding ``slug``'s lock lives: here, or active lately on another host.

    A lock of a machine that crashed mid-send (a laptop, in the shared state) would otherwise
    hold a scheduled send back in silence, run after run.
    """
    journal = open_journal(project, request.journal_file, create=False)
    if journal is None:
        return False
    with journal:
        runs = journal.locks(slug)
    lately = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=SILENT_MINUTES)
    return any(run.alive or (run.alive is None and run.seen_at >= lately) for run in runs)


def _missed(project: Project, item: Scheduled) -> Problem:
    """The warning on a newsletter too late to start, or to resume, by itself."""
    hours = project.settings.sending.due_window
    when = german_moment(item.at)
    if item.verdict == "stalled":
        message = ngettext(
            "send_at {when} passed more than {hours} hours ago and {count} recipient is still "
            "open: not resumed by itself, so that nobody gets old news; resume it by hand "
            "(rundbrief send {newsletter})",
            "send_at {when} passed more than {hours} hours ago and {count} recipients are still "
            "open: not resumed by itself, so that nobody gets old news; resume it by hand "
            "(rundbrief send {newsletter})",
            item.pending,
        ).format(when=when, hours=number(hours), count=number(item.pending), newsletter=item.rel)
    else:
        message = ngettext(
            "send_at {when} passed more than {count} hour ago and it was never sent: skipped, "
            "so that members do not get old news; send it by hand (rundbrief send {newsletter}) "
            "or merge a new send_at",
            "send_at {when} passed more than {count} hours ago and it was never sent: skipped, "
            "so that members do not get old news; send it by hand (rundbrief send {newsletter}) "
            "or merge a new send_at",
            hours,
        ).format(when=when, count=number(hours), newsletter=item.rel)
    return Problem(item.rel, item.line, message, "warning")


def summary_markdown(
    project: Project,
    main: gitinfo.ApprovedMain,
    found: Schedule,
    results: list[Result],
    now: dt.datetime,
) -> str:
    """The run in German Markdown for the job summary (German whatever the CLI speaks)."""
    local = in_zone(now, project.settings.timezone)
    lines = [
        "### Geplanter Versand",
        "",
        f"Stand {german_moment(local)}, geprüft gegen {code(main.remote + '/main')} "
        f"(Commit {code(main.commit[:12])}{', offline' if main.offline else ''}).",
        "",
    ]
    rows = [(r.item, _german_result(r)) for r in results]
    hours = project.settings.sending.due_window
    rows += [
        (item, f"**verpasst**: mehr als {hours} Stunden vorbei, nie verschickt")
        for item in found.of("missed")
    ]
    rows += [
        (
            item,
            f"**angehalten**: mehr als {hours} Stunden vorbei, "
            f"{german_number(item.pending)} Empfänger noch offen; von Hand fortsetzen",
        )
        for item in found.of("stalled")
    ]
    if not rows:
        lines.append("Nichts fällig.")
    else:
        lines += ["| Newsletter | Versand | Ergebnis |", "|---|---|---|"]
        for item, outcome in rows:
            lines.append(
                f"| {escape(item.subject)} ({code(item.rel)}) | {german_moment(item.at)} | {outcome} |"
            )
    waiting = found.of("waiting")
    if waiting:
        lines += ["", "Als Nächstes geplant:", ""]
        lines += [
            f"- {german_moment(item.at)}: {escape(item.subject)} ({code(item.rel)})"
            for item in waiting[:5]
        ]
    if found.problems:
        lines += ["", "Probleme:", ""]
        lines += [f"- {code(str(problem))}" for problem in found.problems]
    return "\n".join(lines) + "\n\n"


def _refusal_markdown(project: Project, error: RundbriefError, now: dt.datetime) -> str:
    """The job summary of a run that could not even look at what is due."""
    local = in_zone(now, project.settings.timezone)
    return (
        f"### Geplanter Versand\n\nStand {german_moment(local)}: **abgebrochen**, nichts "
        f"verschickt.\n\n{code(str(error))}\n\n"
    )


def _german_result(result: Result) -> str:
    if result.running:
        return "wird gerade von einem anderen Lauf verschickt"
    if result.error:
        return f"**nicht verschickt**: {escape(result.error)}"
    outcome = result.outcome
    if outcome is None:
        return "verschickt"
    parts = [f"{german_number(outcome.sent)} verschickt"]
    for count, text in (
        (outcome.already_sent, "schon vorher verschickt"),
        (outcome.failed, "fehlgeschlagen"),
        (outcome.deferred, "zurückgestellt (nächster Lauf)"),
        (outcome.uncertain, "ungewiss"),
    ):
        if count:
            parts.append(f"{german_number(count)} {text}")
    if outcome.capped:
        parts.append("Stundengrenze erreicht, der nächste Lauf macht weiter")
    return ", ".join(parts)
