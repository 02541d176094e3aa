"""The command line: the only place that prints and exits."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from generator import build as pipeline
from generator.core.problems import Problem, ProblemsFound, RundbriefError
from generator.core.settings import Project, load_project

F = TypeVar("F", bound=Callable[..., Any])


def report(problems: list[Problem] | tuple[Problem, ...]) -> None:
    """Print problems as ``path:line: message`` lines on standard error."""
    for problem in problems:
        click.echo(str(problem), err=True)


def handle_errors(command: F) -> F:
    """Turn library exceptions into messages and exit codes (1: input problems, 2: usage)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ProblemsFound as error:
            report(error.problems)
            errors = len(error.errors) or len(error.problems)
            files = len({p.path for p in error.problems})
            click.echo(
                f"{_count(errors, 'problem')} in {_count(files, 'file')}; nothing was written or sent.",
                err=True,
            )
            sys.exit(error.exit_code)
        except RundbriefError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)

    return wrapper  # type: ignore[return-value]


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


pass_project = click.make_pass_decorator(Project)


@click.group()
@click.option(
    "-C",
    "--project",
    "root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The rundbrief repository.",
)
@click.version_option(package_name="rundbrief")
@click.pass_context
def main(context: click.Context, root: Path) -> None:
    """rundbrief: help site, newsletters and promotional material from one repository."""
    try:
        context.obj = load_project(root)
    except ProblemsFound as error:
        report(error.problems)
        sys.exit(error.exit_code)


@main.command()
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--edit-links",
    is_flag=True,
    help="Show 'edit this page' buttons (for a reviewer's copy, never the published site).",
)
@pass_project
@handle_errors
def build(project: Project, strict: bool, edit_links: bool) -> None:
    """Validate everything and build site/ and build/."""
    started = time.perf_counter()
    result = pipeline.build(project, strict=strict, edit_links=edit_links)
    report(result.warnings)
    click.echo(
        f"Built {_count(result.pages, 'page')} into {project.site_dir.name}/ "
        f"in {time.perf_counter() - started:.1f} s."
    )


@main.command()
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@pass_project
@handle_errors
def check(project: Project, strict: bool) -> None:
    """Validate everything and run the email preflight checks; write nothing."""
    warnings = pipeline.check(project, strict=strict)
    report(warnings)
    suffix = f" ({_count(len(warnings), 'warning')})" if warnings else ""
    click.echo(f"All sources are valid{suffix}.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@pass_project
@handle_errors
def preview(project: Project, host: str, port: int) -> None:
    """Serve the help site with drafts and newsletters, reloading on every saved change."""
    from generator.preview import run_preview

    click.echo(f"Preview on http://{host}:{port}/ (drafts included). Stop with Ctrl+C.")
    click.echo(f"Newsletters: http://{host}:{port}/newsletter-vorschau/")
    run_preview(project, host, port, log=lambda message: click.echo(message, err=True))


@main.group()
def new() -> None:
    """Scaffold a new source file."""


@new.command("newsletter")
@click.argument("title")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Publication date (default: today).",
)
@pass_project
@handle_errors
def new_newsletter(project: Project, title: str, day: Any) -> None:
    """Create newsletters/YYYY-MM-DD-slug.md as a draft with valid front matter."""
    import datetime as dt

    from generator.newsletter.scaffold import new_newsletter as scaffold

    path = scaffold(project, title, day.date() if day else dt.date.today())
    click.echo(f"Created {path.relative_to(project.root).as_posix()} (status: draft).")


@main.command()
@click.option(
    "--members",
    "members_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Members file (CSV) with referral codes.",
)
@click.option("--member", "code", default=None, help="Write only the kit of this referral code.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for rendering (default: number of CPUs).",
)
@pass_project
@handle_errors
def kits(project: Project, members_file: Path, code: str | None, jobs: int | None) -> None:
    """Write a personal Werbemittel kit per member into build/kits/<code>/."""
    import os

    from generator.marketing.kits import kit_members, write_kits

    started = time.perf_counter()
    members = kit_members(project, members_file)
    total = 1 if code else len(members)
    with click.progressbar(length=total, label="Kits", file=sys.stderr) as bar:
        workers = jobs or os.cpu_count() or 1
        summary = write_kits(project, members, only=code, progress=bar.update, workers=workers)
    click.echo(
        f"Wrote {_count(summary.written, 'kit')}, {summary.unchanged:,} unchanged, "
        f"{summary.removed:,} removed, into "
        f"{summary.folder.relative_to(project.root).as_posix()}/ "
        f"in {time.perf_counter() - started:.1f} s."
    )


@main.command()
@click.argument("newsletter", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--members",
    "members_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Members file (CSV export, kept outside git).",
)
@click.option("--audience", default=None, help="Segment to send to (default: the newsletter's).")
@click.option(
    "--suppress",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File of addresses never to mail (bounces, complaints); repeatable.",
)
@click.option("--dry-run", is_flag=True, help="Write each message to build/outbox/<slug>/.")
@click.option("--outbox", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), help="Messages per second.")
@click.option("--max-per-hour", type=click.IntRange(min=1), help="Stop after this many an hour.")
@click.option("--test-to", metavar="ADDRESS", help="Send one personalised copy here; no journal.")
@click.option("--retry-uncertain", is_flag=True, help="Send again to recipients left uncertain.")
@click.option("--journal", "journal_file", type=click.Path(dir_okay=False, path_type=Path))
@pass_project
@handle_errors
def send(
    project: Project,
    newsletter: Path,
    members_file: Path,
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
    """Send an approved newsletter to every consenting member, exactly once."""
    from generator.cli.sending import run_send

    run_send(
        project,
        newsletter,
        members_file,
        audience=audience,
        suppress=suppress,
        dry_run=dry_run,
        outbox=outbox,
        rate=rate,
        max_per_hour=max_per_hour,
        test_to=test_to,
        retry_uncertain=retry_uncertain,
        journal_file=journal_file,
    )


@main.command()
@click.argument("newsletter", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--journal", "journal_file", type=click.Path(dir_okay=False, path_type=Path))
@pass_project
@handle_errors
def status(project: Project, newsletter: Path, journal_file: Path | None) -> None:
    """Print how many recipients of a newsletter are pending, sending, sent or failed."""
    from generator.cli.sending import run_status

    run_status(project, newsletter, journal_file)
