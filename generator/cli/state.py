"""The printing side of `rundbrief state import|export` (part of the CLI layer)."""

from __future__ import annotations

from pathlib import Path

import click

from generator.core.database import shown, state_url
from generator.core.i18n import _, number
from generator.core.settings import Project
from generator.sending.statecopy import Copied, export_state, import_state


def run_import(project: Project, journal_file: Path | None) -> None:
    """Copy this clone's SQLite state into the shared state; print what each table got."""
    moved = import_state(project, journal_file)
    click.echo(_("Copied into {where}:").format(where=shown(state_url() or "")))
    _print(moved)


def run_export(folder: Path) -> None:
    """Copy the shared state into SQLite files in ``folder``; print what each table got."""
    moved = export_state(folder)
    click.echo(_("Copied into {folder}:").format(folder=folder))
    _print(moved)


def _print(moved: list[Copied]) -> None:
    for copied in moved:
        click.echo(
            "  "
            + _("{table}: {rows} rows, {new} of them new").format(
                table=copied.table, rows=number(copied.rows), new=number(copied.new)
            )
        )
    if not any(copied.new for copied in moved):
        click.echo(_("Nothing new: everything was there already."))
