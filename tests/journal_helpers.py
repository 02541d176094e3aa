"""Reading the send journal from a second SQLite connection, as a restart would see it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import NamedTuple


class Row(NamedTuple):
    """One recipient's row of the journal."""

    state: str
    message_id: str
    reply: str
    commit: str


def journal_rows(path: Path) -> dict[str, Row]:
    """recipient → its row, read from the journal file at ``path`` (or a project's journal)."""
    if path.is_dir():
        path = path / ".rundbrief" / "journal.sqlite"
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT recipient, state, message_id, reply, commit_sha FROM deliveries"
        ).fetchall()
    return {row[0]: Row(*row[1:]) for row in rows}


def journal_states(path: Path) -> dict[str, str]:
    """recipient → state."""
    return {recipient: row.state for recipient, row in journal_rows(path).items()}


def journal_runs(path: Path) -> list[dict[str, object]]:
    """Every run recorded in the journal (oldest first), as column → value."""
    if path.is_dir():
        path = path / ".rundbrief" / "journal.sqlite"
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM runs ORDER BY id")]
