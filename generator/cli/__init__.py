"""The command line: the only place that prints and exits.

Every command runs inside ``Rundbrief.invoke``, which turns the library's exceptions into
messages and exit codes in one place: 1 with the summary line for problems in the input,
2 for usage errors (a wrong option, a missing environment variable), 0 otherwise.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import socket
import ssl
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import click

from generator.cli.click_texts import speak_our_language
from generator.core import i18n
from generator.core.i18n import N_, _, ngettext, number
from generator.core.problems import (
    AlreadySaid,
    Problem,
    ProblemsFound,
    RundbriefError,
    UsageError,
    raise_if_errors,
)
from generator.core.settings import Project, load_project

speak_our_language()  # Click's own words (Usage:, Error: …) from the same catalogue


class FileOrUrl(click.ParamType):
    """A file that exists, or an https:// URL (fetched, and checked, when it is read)."""

    name = "file_or_url"

    def __init__(self, *, exists: bool = True) -> None:
        self.exists = exists  # doctor reports a missing file as a finding, not a usage error

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        """FILE/URL in the user's language."""
        return _("FILE/URL")

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """``value`` unchanged if it is a URL; else the path of a file that exists."""
        from generator.members.remote import is_url

        if isinstance(value, str) and is_url(value):
            return value
        path = click.Path(exists=self.exists, dir_okay=False).convert(value, param, ctx)
        return os.fsdecode(path)


def report(problems: Iterable[Problem]) -> None:
    """Print problems as ``path:line: message`` lines on standard error."""
    for problem in problems:
        click.echo(str(problem), err=True)


def fail(error: RundbriefError) -> NoReturn:
    """Print what went wrong and exit with the error's code."""
    if isinstance(error, AlreadySaid):
        pass
    elif isinstance(error, ProblemsFound):
        report(error.problems)
        errors = len(error.errors) or len(error.problems)
        files = len({p.path for p in error.problems})
        click.echo(
            _("{problems} in {files}; nothing was written or sent.").format(
                problems=ngettext("{count} problem", "{count} problems", errors).format(
                    count=number(errors)
                ),
                files=ngettext("{count} file", "{count} files", files).format(count=number(files)),
            ),
            err=True,
        )
    else:
        click.echo(_("error: {message}").format(message=error), err=True)
    sys.exit(error.exit_code)


def disk_message(error: OSError) -> str:
    """What went wrong writing or reading a file, for a person (no traceback)."""
    where = error.filename or ""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return _("the disk is full ({path}); free space and run the command again").format(
            path=where
        )
    if error.errno in (errno.EACCES, errno.EPERM):
        return _(
            "no permission to write or read {path}; give your user the right to the folder, "
            "or run the command in a copy of the repository of your own"
        ).format(path=where)
    if error.errno == errno.EROFS:
        return _(
            "{path} is on a disk that can only be read; run the command in a copy of the "
            "repository on a writable disk"
        ).format(path=where)
    if not where and isinstance(
        error, ssl.SSLError | socket.gaierror | ConnectionError | TimeoutError
    ):
        return _(
            "a connection to a server failed ({reason}); check the internet connection and "
            "the RUNDBRIEF_… variables of this command, then run it again"
        ).format(reason=error.strerror or error)
    if error.errno == errno.ENOENT:
        return _("{path} does not exist; check the name and the folder").format(path=where)
    return _("{path}: {reason}; check the file or folder and run the command again").format(
        path=where or "?", reason=error.strerror or error
    )


class Localised(click.Command):
    """A command whose ``--help`` option is described in the active language too."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        # Click's placeholders in the usage line are constants, not messages: translate them.
        words = {"[OPTIONS]": _("[OPTIONS]"), "COMMAND [ARGS]...": _("COMMAND [ARGS]...")}
        return [words.get(piece, piece) for piece in super().collect_usage_pieces(ctx)]


class LocalisedGroup(Localised, click.Group):
    """A group of commands (``rundbrief new …``) in the active language."""

    command_class = Localised


class Rundbrief(LocalisedGroup):
    """The command group; every library error of every command ends here."""

    group_class = LocalisedGroup

    def invoke(self, ctx: click.Context) -> Any:
        from generator.cli.stdout import forgiving_stdout

        try:
            with forgiving_stdout():
                return super().invoke(ctx)
        except RundbriefError as error:
            fail(error)
        except OSError as error:  # a full disk, a folder without write permission: no traceback
            fail(RundbriefError(disk_message(error)))

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `--help` is answered while the arguments are parsed, before the group's callback has
        # read the project's language: read it here first.
        if any(arg in ("--help", "-h") for arg in args) or not args:
            _use_language_of(_project_argument(args))
        return super().parse_args(ctx, args)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        localise(self)
        super().format_help(ctx, formatter)


def _project_argument(args: list[str]) -> Path:
    """The folder named by ``-C``/``--project`` in ``args`` (the current folder if none)."""
    for index, arg in enumerate(args):
        if arg in ("-C", "--project") and index + 1 < len(args):
            return Path(args[index + 1])
        if arg.startswith("--project="):
            return Path(arg.partition("=")[2])
        if arg.startswith("-C") and len(arg) > 2:
            return Path(arg[2:])
    return Path()


def _use_language_of(root: Path) -> None:
    """Speak the project's language for help texts; the default if its settings are unreadable."""
    with contextlib.suppress(RundbriefError, OSError):  # the command reports bad settings
        i18n.use(load_project(root).settings.language)


def localise(command: click.Command) -> None:
    """Show help texts in the active language (they are written in English, like the code)."""
    for item in (command, *command.params):
        original = item.__dict__.setdefault("_rundbrief_help", getattr(item, "help", None))
        if original:
            setattr(item, "help", _(original))  # noqa: B010 - Command and Parameter alike
    for sub in getattr(command, "commands", {}).values():
        localise(sub)


pass_project = click.make_pass_decorator(Project)
journal_option = click.option(
    "--journal",
    "journal_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("Journal file (default: .rundbrief/journal.sqlite)."),
)


@click.group(cls=Rundbrief, help=N_("rundbrief: help site, newsletters and promotional material."))
@click.option(
    "-C",
    "--project",
    "root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help=N_("The rundbrief repository."),
)
@click.version_option(package_name="rundbrief", help=N_("Show the version and exit."))
@click.pass_context
def main(context: click.Context, root: Path) -> None:
    project = load_project(root)
    i18n.use(project.settings.language)
    localise(context.command)
    context.obj = project


@main.command(help=N_("Validate everything and build site/ and build/."))
@click.option("--strict", is_flag=True, help=N_("Treat warnings as errors."))
@click.option(
    "--edit-links",
    is_flag=True,
    help=N_("Show 'edit this page' buttons (for a reviewer's copy, never the published site)."),
)
@pass_project
def build(project: Project, strict: bool, edit_links: bool) -> None:
    started = time.perf_counter()
    from generator import build as pipeline  # (MkDocs and the renderers: only when needed)

    result = pipeline.build(project, strict=strict, edit_links=edit_links)
    report(result.warnings)
    click.echo(
        _("Built {pages} into {folder}/ in {seconds} s.").format(
            pages=ngettext("{count} page", "{count} pages", result.pages).format(
                count=number(result.pages)
            ),
            folder=project.site_dir.name,
            seconds=number(time.perf_counter() - started, 1),
        )
    )


@main.command(help=N_("Validate everything and run the email preflight checks; write nothing."))
@click.option("--strict", is_flag=True, help=N_("Treat warnings as errors."))
@pass_project
def check(project: Project, strict: bool) -> None:
    from generator import build as pipeline

    warnings = pipeline.check(project, strict=strict)
    report(warnings)
    if warnings:
        count = ngettext("{count} warning", "{count} warnings", len(warnings))
        click.echo(
            _("All sources are valid ({warnings}).").format(
                warnings=count.format(count=len(warnings))
            )
        )
    else:
        click.echo(_("All sources are valid."))


@main.command(
    help=N_(
        "Show what a change does for members in build/review/index.html, compared with BASE "
        "(default: the merge base with the main branch)."
    )
)
@click.argument("base", required=False)
@click.option(
    "--summary",
    "summary_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=N_("Append a Markdown summary to this file (e.g. $GITHUB_STEP_SUMMARY)."),
)
@click.option(
    "--mail",
    is_flag=True,
    help=N_(
        "Mail each approver (review.approvers on main) every changed newsletter as members "
        "get it, and a summary; once per commit."
    ),
)
@journal_option
@pass_project
def review(
    project: Project,
    base: str | None,
    summary_file: Path | None,
    mail: bool,
    journal_file: Path | None,
) -> None:
    from generator.cli.review import run_review

    run_review(project, base, summary_file, mail=mail, journal_file=journal_file)


@main.command(help=N_("Serve the help site with drafts and newsletters; reload on every save."))
@click.option("--host", default="127.0.0.1", show_default=True, help=N_("Address to listen on."))
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help=N_("Port to listen on."),
)
@pass_project
def preview(project: Project, host: str, port: int) -> None:
    from generator.preview import claim_port, run_preview

    claim_port(host, port)  # a busy port is said in words before any address is printed
    click.echo(
        _("Preview on http://{host}:{port}/ (drafts included). Stop with Ctrl+C.").format(
            host=host, port=port
        )
    )
    click.echo(
        _("Newsletters: http://{host}:{port}/newsletter-vorschau/").format(host=host, port=port)
    )
    run_preview(project, host, port, log=lambda message: click.echo(message, err=True))


@main.command(
    help=N_("Print where the help site is published: github-pages or sftp (for the workflow).")
)
@pass_project
def hosting(project: Project) -> None:
    # A value for scripts (the publish workflow picks its deploy job by it), never translated.
    click.echo(project.settings.hosting.provider)


@main.group(help=N_("Scaffold a new source file."))
def new() -> None:
    pass


@new.command("newsletter", help=N_("Create newsletters/YYYY-MM-DD-slug.md as a draft."))
@click.argument("title")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help=N_("Publication date (default: today)."),
)
@pass_project
def new_newsletter(project: Project, title: str, day: dt.datetime | None) -> None:
    from generator.newsletter.scaffold import new_newsletter as scaffold

    path = scaffold(project, title, day.date() if day else dt.date.today())
    click.echo(
        _("Created {path} (status: draft).").format(path=path.relative_to(project.root).as_posix())
    )


@new.command("artikel", help=N_("Create content/SECTION/slug.md as a draft help article."))
@click.argument("title")
@click.option(
    "--bereich",
    "section",
    required=True,
    help=N_("Section of the help site: a folder of content/ (e.g. zahlungen)."),
)
@pass_project
def new_article(project: Project, title: str, section: str) -> None:
    from generator.site.scaffold import new_article as scaffold

    path = scaffold(project, title, section)
    click.echo(
        _("Created {path} (draft: true).").format(path=path.relative_to(project.root).as_posix())
    )


@new.command("kampagne", help=N_("Create marketing-assets/slug.yml from a layout preset."))
@click.argument("title")
@pass_project
def new_campaign(project: Project, title: str) -> None:
    from generator.marketing.scaffold import new_campaign as scaffold

    path = scaffold(project, title)
    click.echo(
        _(
            "Created {path}: check it with 'rundbrief check', see it with 'rundbrief preview'."
        ).format(path=path.relative_to(project.root).as_posix())
    )


@main.command(help=N_("Write a personal Werbemittel kit per member into build/kits/<token>/."))
@click.option(
    "--members",
    "members_file",
    type=FileOrUrl(),
    default=None,
    help=N_("Members file (CSV) or https:// URL (default: the configured members source)."),
)
@click.option(
    "--member", "code", default=None, help=N_("Write only the kit of this referral code.")
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help=N_("Worker processes for rendering (default: number of CPUs)."),
)
@click.option(
    "--offline",
    is_flag=True,
    help=N_("Check the approval against the remote's main as fetched last (logged)."),
)
@pass_project
def kits(
    project: Project, members_file: str | None, code: str | None, jobs: int | None, offline: bool
) -> None:
    from generator.cli.progress import Progress
    from generator.marketing.approval import approve_kits, log_run
    from generator.marketing.kits import kit_members, write_kits
    from generator.members.recipients import SECRET_VARIABLE, unsubscribe_secret

    started = time.perf_counter()
    # Only approved campaigns reach members: what shapes a kit must be as on the remote's main.
    approval = approve_kits(project, offline=offline)
    report(list(approval.warnings))
    raise_if_errors(approval.problems)
    members, warnings = kit_members(project, members_file)  # bad rows: warnings, as in send
    try:  # the secret keys the kits' folder names, as send's werbemittel_url does
        secret = unsubscribe_secret()
    except UsageError:
        raise UsageError(
            _(
                "set {variable} (at least 16 characters, the secret send uses) before writing "
                "kits: it keys the names of the kits' folders"
            ).format(variable=SECRET_VARIABLE)
        ) from None
    report(warnings)
    progress = Progress(_("Kits {done}/{total}  {rate} kits/s  ETA {eta}"))
    progress.start(1 if code else len(members))
    try:
        workers = jobs or os.cpu_count() or 1
        summary = write_kits(
            project, members, secret=secret, only=code, progress=progress.step, workers=workers
        )
    finally:
        progress.end()
    report(summary.skipped)
    log_run(project, approval, summary.written)
    click.echo(
        _(
            "Wrote {kits}, {unchanged} unchanged, {removed} removed, into {folder}/ in {seconds} s."
        ).format(
            kits=ngettext("{count} kit", "{count} kits", summary.written).format(
                count=number(summary.written)
            ),
            unchanged=number(summary.unchanged),
            removed=number(summary.removed),
            folder=summary.folder.relative_to(project.root).as_posix(),
            seconds=number(time.perf_counter() - started, 1),
        )
    )
    left_out = len(warnings) + len(summary.skipped)
    if left_out:
        click.echo(
            ngettext(
                "{count} row of the members file got no kit (see the warnings above).",
                "{count} rows of the members file got no kit (see the warnings above).",
                left_out,
            ).format(count=number(left_out))
        )


@main.command(help=N_("Send an approved newsletter to every consenting member, exactly once."))
@click.argument("newsletter", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option(
    "--members",
    "members_file",
    type=FileOrUrl(),
    default=None,
    help=N_(
        "Members file (CSV export, kept outside git) or https:// URL (default: the configured "
        "members source)."
    ),
)
@click.option(
    "--due",
    is_flag=True,
    help=N_("Send every approved newsletter on main whose send_at has passed (never asks)."),
)
@click.option("--now", is_flag=True, help=N_("Send now although send_at lies ahead."))
@click.option(
    "--audience", default=None, help=N_("Segment to send to (default: the newsletter's).")
)
@click.option(
    "--suppress",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=N_("File of addresses never to mail (bounces, complaints); repeatable."),
)
@click.option("--dry-run", is_flag=True, help=N_("Write each message to build/outbox/<slug>/."))
@click.option(
    "--outbox",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=N_("Folder for --dry-run."),
)
@click.option(
    "--rate", type=click.FloatRange(min=0, min_open=True), help=N_("Messages per second.")
)
@click.option(
    "--max-per-hour", type=click.IntRange(min=1), help=N_("Stop after this many an hour.")
)
@click.option(
    "--test-to",
    metavar="ADDRESS",
    multiple=True,
    help=N_("Send a test copy (sample member, subject [TEST]) here; repeatable; no journal."),
)
@click.option(
    "--offline",
    is_flag=True,
    help=N_("Check the approval against the remote's main as fetched last (logged)."),
)
@click.option(
    "--connections",
    type=click.IntRange(min=1, max=64),
    default=None,
    help=N_("SMTP connections at once (default: sending.connections, 4)."),
)
@click.option(
    "--retry-uncertain", is_flag=True, help=N_("Send again to recipients left uncertain.")
)
@click.option(
    "--new-journal",
    is_flag=True,
    help=N_("Send although bounces or unsubscribes show a send this journal did not make."),
)
@click.option(
    "--yes", is_flag=True, help=N_("Send to the members without asking (for scripts and CI).")
)
@journal_option
@pass_project
def send(project: Project, yes: bool, **options: Any) -> None:
    from generator.cli.sending import run_send
    from generator.sending.pipeline import SendRequest

    request = SendRequest(**options)  # the options' names are SendRequest's fields
    if request.due:
        from generator.cli.due import run_due

        run_due(project, request)  # (unattended: never asks, --yes or not)
        return
    if request.newsletter is None:  # (optional only for --due: Click's own "missing" otherwise)
        context = click.get_current_context()
        argument = next(p for p in context.command.params if p.name == "newsletter")
        raise click.MissingParameter(ctx=context, param=argument)
    run_send(project, request, yes=yes)


@main.command(help=N_("Show what the journal knows about the send of one newsletter."))
@click.argument("newsletter", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--release-lock",
    is_flag=True,
    help=N_("End the lock of a run that is gone (e.g. on another machine that crashed)."),
)
@journal_option
@pass_project
def status(
    project: Project, newsletter: Path, release_lock: bool, journal_file: Path | None
) -> None:
    from generator.cli.sending import run_status

    run_status(project, newsletter, journal_file, release_lock=release_lock)


@main.group(
    help=N_(
        "Move the send state (journal and suppression list) between this clone's "
        ".rundbrief/ and the shared PostgreSQL of RUNDBRIEF_STATE_URL."
    )
)
def state() -> None:
    pass


@state.command(
    "import",
    help=N_(
        "Copy this clone's journal and suppression list into the shared state "
        "(RUNDBRIEF_STATE_URL); running it again adds nothing twice."
    ),
)
@journal_option
@pass_project
def state_import(project: Project, journal_file: Path | None) -> None:
    from generator.cli.state import run_import

    run_import(project, journal_file)


@state.command(
    "export",
    help=N_(
        "Copy the shared state (RUNDBRIEF_STATE_URL) into journal.sqlite and "
        "suppression.sqlite in FOLDER (a backup, or the way back)."
    ),
)
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def state_export(folder: Path) -> None:
    from generator.cli.state import run_export

    run_export(folder)


@main.command(
    help=N_("Read bounces, complaints and unsubscribes over IMAP into the suppression list.")
)
@click.option(
    "--export",
    "export_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("Write the suppression list as CSV for the platform's member database."),
)
@click.option("--no-mailbox", is_flag=True, help=N_("Do not read the mailbox (with --export)."))
@journal_option
@pass_project
def feedback(
    project: Project, export_file: Path | None, no_mailbox: bool, journal_file: Path | None
) -> None:
    from generator.cli.feedback import run_feedback

    run_feedback(
        project, export_file=export_file, mailbox=not no_mailbox, journal_file=journal_file
    )


@main.command(
    "report", help=N_("Write the German send report (HTML with charts, and CSV) to build/reports/.")
)
@click.option(
    "--members",
    "members_file",
    type=FileOrUrl(),
    default=None,
    help=N_(
        "Members file (CSV export) or https:// URL for members over time (default: the "
        "configured members source)."
    ),
)
@click.option(
    "--signups",
    "signups_file",
    type=FileOrUrl(),
    default=None,
    help=N_(
        "The platform's sign-up export (CSV file or https:// URL; default: signups.query): "
        "sign-ups per newsletter, campaign and code."
    ),
)
@click.option(
    "--mail",
    is_flag=True,
    help=N_("Mail the report to report.recipients (charts inline, tables as CSV)."),
)
@click.option(
    "--due",
    is_flag=True,
    help=N_(
        "With --mail: only when a report is due (monthly, and three days after each send), "
        "once each."
    ),
)
@journal_option
@pass_project
def report_command(
    project: Project,
    members_file: str | None,
    signups_file: str | None,
    mail: bool,
    due: bool,
    journal_file: Path | None,
) -> None:
    from generator.cli.feedback import run_report

    if due and not mail:
        raise click.UsageError(_("--due works with --mail only; add --mail"))
    run_report(project, members_file, journal_file, signups_file, mail=mail, due=due)


@main.command(help=N_("Check secrets, servers, members and the sender domain; say what to fix."))
@click.option(
    "--members",
    "members_file",
    type=FileOrUrl(exists=False),
    help=N_(
        "Members file or https:// URL to read (else RUNDBRIEF_MEMBERS_FILE, members.query or "
        "review.members_file)."
    ),
)
@click.option(
    "--probe",
    is_flag=True,
    help=N_("Also send one probe message to the feedback mailbox and read its results."),
)
@pass_project
def doctor(project: Project, members_file: str | None, probe: bool) -> None:
    from generator.cli.doctor import run_doctor

    run_doctor(project, members_file, probe)
