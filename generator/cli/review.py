"""The printing side of `rundbrief review` (part of the CLI layer)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from generator.core.i18n import _, ngettext, number
from generator.core.problems import AlreadySaid
from generator.core.settings import Project
from generator.review.pipeline import FOLDER, review
from generator.review.summary import append_summary, summary_markdown


def run_review(project: Project, base: str | None, summary_file: Path | None) -> None:
    """Review the work tree against ``base``; one line of result, exit 1 on problems."""
    started = time.perf_counter()
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
    if result.errors:
        click.echo(
            ngettext(
                "{count} problem in the new version; the review page shows it at the top.",
                "{count} problems in the new version; the review page shows them at the top.",
                len(result.errors),
            ).format(count=number(len(result.errors))),
            err=True,
        )
        raise AlreadySaid()  # (exit 1 through the CLI's one exit place)
