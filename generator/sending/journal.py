"""The send journal: one SQLite row per newsletter and recipient, so nothing goes out twice."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

State = Literal["pending", "sending", "sent", "failed"]
STATES: tuple[State, ...] = ("pending", "sending", "sent", "failed")

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    newsletter TEXT NOT NULL,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    message_id TEXT NOT NULL,
    reply TEXT NOT NULL DEFAULT '',
    commit_sha TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    PRIMARY KEY (newsletter, recipient)
);
CREATE INDEX IF NOT EXISTS deliveries_sent_at ON deliveries (sent_at);
-- Counts by state (status, report) from the index alone, without reading every row.
CREATE INDEX IF NOT EXISTS deliveries_newsletter_state ON deliveries (newsletter, state);
"""


_UPDATE = (
    "UPDATE deliveries SET state = ?, reply = ?, updated_at = ?,"
    " commit_sha = CASE WHEN ? = '' THEN commit_sha ELSE ? END,"
    " attempts = attempts + (? = 'sending'),"
    " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
    " WHERE newsletter = ? AND recipient = ?"
)


def now() -> str:
    """The current time in UTC, as the journal stores it."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Entry:
    """One recipient's row."""

    recipient: str
    state: State
    message_id: str
    reply: str
    attempts: int


class Journal:
    """A SQLite file in WAL mode; a message is marked 'sending' on disk before it is handed over."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before the message is handed over, even if the power fails.
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self._unsaved: list[tuple[str, ...]] = []

    def close(self) -> None:
        """Save what is still waiting and close the file."""
        self.save()
        self.db.close()

    def save(self) -> None:
        """Commit the 'sent' rows still waiting for the next commit."""
        self._write([])

    def _write(self, updates: list[tuple[str, ...]]) -> None:
        """Commit waiting 'sent' rows together with ``updates`` in one transaction (one fsync)."""
        rows, self._unsaved = self._unsaved + updates, []
        if not rows:
            return
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(_UPDATE, rows)

    def plan(self, newsletter: str, recipients: Iterable[tuple[str, str]], commit: str) -> None:
        """Add (recipient, message_id) rows as pending; rows already there keep their state."""
        stamp = now()
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR IGNORE INTO deliveries (newsletter, recipient, state, message_id,"
                " commit_sha, created_at, updated_at) VALUES (?, ?, 'pending', ?, ?, ?, ?)",
                ((newsletter, r, mid, commit, stamp, stamp) for r, mid in recipients),
            )

    def entries(self, newsletter: str) -> dict[str, Entry]:
        """Every row of ``newsletter`` by recipient."""
        self.save()
        rows = self.db.execute(
            "SELECT recipient, state, message_id, reply, attempts FROM deliveries"
            " WHERE newsletter = ?",
            (newsletter,),
        )
        return {row[0]: Entry(*row) for row in rows}

    def mark(
        self, newsletter: str, recipient: str, state: State, reply: str = "", commit: str = ""
    ) -> None:
        """Set one recipient's state; committed at once, except 'sent' (see below)."""
        stamp = now()
        row = (state, reply, stamp, commit, commit, state, state, stamp, newsletter, recipient)
        if state == "sent":
            # 'sent' rides on the next commit (the next recipient's 'sending', or close()).
            # Lost in a crash, the row stays 'sending': uncertain, never resent — exactly as
            # after a crash right behind the server's reply. One fsync per message, not two.
            self._unsaved.append(row)
        else:
            self._write([row])

    def counts(self, newsletter: str) -> dict[State, int]:
        """How many recipients are in each state."""
        self.save()
        found = dict(
            self.db.execute(
                "SELECT state, COUNT(*) FROM deliveries WHERE newsletter = ? GROUP BY state",
                (newsletter,),
            ).fetchall()
        )
        return {state: found.get(state, 0) for state in STATES}

    def commits(self, newsletter: str) -> list[str]:
        """The commits this newsletter was sent from."""
        self.save()
        rows = self.db.execute(
            "SELECT DISTINCT commit_sha FROM deliveries WHERE newsletter = ? AND commit_sha != ''",
            (newsletter,),
        )
        return [row[0] for row in rows]

    def sent_since(self, since: dt.datetime) -> int:
        """Messages of any newsletter handed over since ``since`` (for the hourly cap)."""
        self.save()
        row = self.db.execute(
            "SELECT COUNT(*) FROM deliveries WHERE sent_at >= ?"
            " OR (state = 'sending' AND updated_at >= ?)",
            (since.isoformat(timespec="milliseconds"), since.isoformat(timespec="milliseconds")),
        ).fetchone()
        return int(row[0])
