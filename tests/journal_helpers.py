"""The send journal and the suppression store, read (or set up) from a second SQLite connection.

As a restart, or ``rundbrief report``, would see them. Every function takes a project folder
(its ``.rundbrief/journal.sqlite`` or ``.rundbrief/suppression.sqlite``) or the database file.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import NamedTuple


class Row(NamedTuple):
    """One recipient's row of the journal."""

    state: str
    message_id: str
    reply: str
    commit: str


def journal_file(path: Path) -> Path:
    """The journal of the project at ``path``, or ``path`` itself if it is no folder."""
    return path / ".rundbrief" / "journal.sqlite" if path.is_dir() else path


def store_file(path: Path) -> Path:
    """The suppression store of the project at ``path``, or ``path`` itself if it is no folder."""
    return path / ".rundbrief" / "suppression.sqlite" if path.is_dir() else path


def _sql(path: Path, query: str, args: tuple[object, ...]) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        return db.execute(query, args).fetchall()


def journal_sql(path: Path, query: str, *args: object) -> list[tuple]:
    """Run one statement on the journal, commit it, and return its rows."""
    return _sql(journal_file(path), query, args)


def store_sql(path: Path, query: str, *args: object) -> list[tuple]:
    """Run one statement on the suppression store, commit it, and return its rows."""
    return _sql(store_file(path), query, args)


def journal_rows(path: Path) -> dict[str, Row]:
    """recipient → its row."""
    rows = journal_sql(
        path, "SELECT recipient, state, message_id, reply, commit_sha FROM deliveries"
    )
    return {row[0]: Row(*row[1:]) for row in rows}


def journal_states(path: Path) -> dict[str, str]:
    """recipient → state."""
    return {recipient: row.state for recipient, row in journal_rows(path).items()}


def journal_runs(path: Path) -> list[dict[str, object]]:
    """Every run recorded in the journal (oldest first), as column → value."""
    with contextlib.closing(sqlite3.connect(journal_file(path))) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM runs ORDER BY id")]
