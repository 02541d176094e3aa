"""The send journal: the one owner of the send state, one row per newsletter and recipient.

Every statement on the journal's rows is in this module, behind the operations of
``SendState``, in the SQL that SQLite and PostgreSQL share (``core.database``); the SQLite
file is this module's, the shared PostgreSQL state ``postgres_journal``'s (its tables and its
lock only). The statements cover the send's runs, plan, claims and marks;
the exclusions and member counts each send recorded; the report's reads and the suppression
store's question "who received what, when".

Two guarantees, both kept in the database itself:

- **One run at a time per newsletter.** ``begin_run`` records the run (process, host, the
  commit it sends, its audience, its content). A second run of the same newsletter is
  refused while the first one's process lives; a run whose process died on this machine
  holds nothing; a run on another host holds its lock until ``release_lock`` (an explicit
  command) ends it. (The shared state's lock is its connection's: see ``postgres_journal``.)
- **Each recipient is claimed before it is handed over.** ``claim`` moves a row from
  'pending' to 'sending' in a committed transaction and only a run whose update changed the
  row may send it: even two runs that got past the lock could never both send to one member.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import socket
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from generator.core.database import Database, Step, migrate, state_url
from generator.core.i18n import _
from generator.core.problems import RundbriefError, UsageError
from generator.core.settings import Project
from generator.feedback.sent import HANDED_OVER, Sent
from generator.members.verp import message_token
from generator.sending.state import (
    STATES,
    AlreadySent,
    Entry,
    Run,
    RunTimes,
    SendRunning,
    State,
    lock_refusal,
    process_token,
)

__all__ = ["STATES", "AlreadySent", "Entry", "Journal", "JournalError", "SendRunning", "State"]

LEGACY_STORE = "suppression.sqlite"
"""Earlier versions kept runs, exclusions and member counts in the suppression store."""

TABLES = (
    """
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
)
""",
    """
CREATE INDEX IF NOT EXISTS deliveries_sent_at ON deliveries (sent_at)
""",
    """
CREATE INDEX IF NOT EXISTS deliveries_newsletter_state ON deliveries (newsletter, state)
""",
    """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    newsletter TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    process TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    ended_at TEXT,
    commit_sha TEXT NOT NULL DEFAULT '',
    offline INTEGER NOT NULL DEFAULT 0,
    connections INTEGER NOT NULL DEFAULT 1,
    outcome TEXT NOT NULL DEFAULT ''
)
""",
    """
CREATE INDEX IF NOT EXISTS runs_active ON runs (newsletter, ended_at)
""",
    """
CREATE TABLE IF NOT EXISTS exclusions (
    newsletter TEXT NOT NULL,
    reason TEXT NOT NULL,
    count INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (newsletter, reason)
)
""",
    """
CREATE TABLE IF NOT EXISTS member_counts (
    recorded_at TEXT PRIMARY KEY,
    members INTEGER NOT NULL
)
""",
    """
CREATE TABLE IF NOT EXISTS once (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    PRIMARY KEY (kind, key)
)
""",
)
"""The journal's first version (SQLite): ``once`` holds things done once for good, whichever
machine asks (a review mail per commit and approver, a report mail per period); the
``(newsletter, state)`` index lets the report count 1,000,000 rows in well under 2 s."""

RUN_COLUMNS = {
    "audience": "TEXT NOT NULL DEFAULT ''",
    "audience_override": "INTEGER NOT NULL DEFAULT 0",
    "content": "TEXT NOT NULL DEFAULT ''",
    "seen_at": "TEXT",
    "timed": "INTEGER NOT NULL DEFAULT 1",
}
"""Columns of ``runs`` added after the first version: a journal of then gets them on opening.

``audience``/``audience_override``: whom the run sent to, and whether ``--audience`` chose it;
``content``: the fingerprint of subject and text (a renamed newsletter is still recognised);
``seen_at``: the run's last claim (how long a lock of another host has been silent);
``timed``: whether the report counts the run's time (not for a run ended by someone else).
"""


def _add_run_columns(db: Database) -> None:
    """Give a journal of the first version the columns of ``runs`` it lacks.

    Journals from before ``schema_version`` got some of them one by one: only the missing
    ones are added, so a journal of any earlier version opens with its rows unchanged.
    """
    have = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    for name, declaration in RUN_COLUMNS.items():
        if name not in have:
            db.execute(f"ALTER TABLE runs ADD COLUMN {name} {declaration}")


TOKEN_STEP = (
    "ALTER TABLE deliveries ADD COLUMN token TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX IF NOT EXISTS deliveries_token ON deliveries (token)",
)
"""Schema step of December 2026: each row's message token (``verp.message_token``), indexed.

A bounce's VERP address carries only the token; ``sent_token`` finds the row by it.
Rows planned before the step keep '' (their bounces carry the earlier, longer addresses).
The same step runs on both backends.
"""

MIGRATIONS: tuple[Step, ...] = (TABLES, _add_run_columns, TOKEN_STEP)
"""The SQLite journal's versions, in order: ``schema_version`` says how many ran."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "deliveries": (
        "newsletter",
        "recipient",
        "state",
        "message_id",
        "reply",
        "commit_sha",
        "attempts",
        "created_at",
        "updated_at",
        "sent_at",
        "token",
    ),
    "runs": (
        "newsletter",
        "pid",
        "host",
        "process",
        "started_at",
        "ended_at",
        "commit_sha",
        "offline",
        "connections",
        "outcome",
        "audience",
        "audience_override",
        "content",
        "seen_at",
        "timed",
    ),
    "exclusions": ("newsletter", "reason", "count", "recorded_at"),
    "member_counts": ("recorded_at", "members"),
    "once": ("kind", "key", "claimed_at"),
}
"""Every table and column of the journal (both backends), as ``state import`` copies them."""

_RANK = (
    "CASE {table}.state WHEN 'sent' THEN 3 WHEN 'sending' THEN 2 WHEN 'failed' THEN 1 ELSE 0 END"
)
_ADOPT = {
    # A recipient's row only ever moves on: the copy that got further wins (sent over pending).
    "deliveries": "ON CONFLICT (newsletter, recipient) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS["deliveries"][2:])
    + f" WHERE {_RANK.format(table='excluded')} > {_RANK.format(table='deliveries')}",
    "exclusions": "ON CONFLICT (newsletter, reason) DO NOTHING",
    "member_counts": "ON CONFLICT (recorded_at) DO NOTHING",
    "once": "ON CONFLICT (kind, key) DO NOTHING",
}
"""How a copied row meets one already there (runs have no key: see ``adopt``)."""

_UPDATE = (
    "UPDATE deliveries SET state = ?, reply = ?, updated_at = ?,"
    " commit_sha = CASE WHEN ? = '' THEN commit_sha ELSE ? END,"
    " attempts = attempts + CASE WHEN ? = 'sending' THEN 1 ELSE 0 END,"
    " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
    " WHERE newsletter = ? AND recipient = ?"
)
_SENT = (
    "UPDATE deliveries SET state = 'sent', reply = v.column3, updated_at = v.column4,"
    " sent_at = v.column4,"
    " commit_sha = CASE WHEN v.column5 = '' THEN deliveries.commit_sha ELSE v.column5 END"
    " FROM (VALUES {rows}) AS v"
    " WHERE deliveries.newsletter = v.column1 AND deliveries.recipient = v.column2"
)
"""The waiting 'sent' marks, (newsletter, recipient, reply, time, commit) each: one statement."""
_CLAIM = (
    "UPDATE deliveries SET state = 'sending', reply = '', updated_at = ?, commit_sha = ?,"
    " attempts = attempts + 1 WHERE newsletter = ?"
    " AND (state = 'pending' OR (? AND state = 'sending'))"
    " AND recipient IN ({marks}) RETURNING recipient, message_id"
)
_PLAN = (
    "INSERT INTO deliveries (newsletter, recipient, state, message_id, token, commit_sha,"
    " created_at, updated_at) VALUES {rows} ON CONFLICT (newsletter, recipient) DO NOTHING"
)
ADOPTED = 1_000
"""Rows copied per transaction by ``adopt``."""
CHUNK = 500
"""Rows per statement: one round trip to PostgreSQL for a whole batch (SQLite allows 32,766
parameters per statement)."""
_ACTIVE = (
    "SELECT id, newsletter, pid, host, process, started_at, seen_at FROM runs"
    " WHERE newsletter = ? AND ended_at IS NULL ORDER BY id"
)


def now() -> str:
    """The current time in UTC, as the journal stores it."""
    return iso(dt.datetime.now(dt.UTC))


def iso(moment: dt.datetime) -> str:
    """A moment as the journal keeps it: UTC, ISO 8601, milliseconds."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def journal_path(project: Project, given: Path | None = None) -> Path:
    """The journal file: ``given`` (``--journal``), else ``.rundbrief/journal.sqlite``."""
    return given or project.state_dir / "journal.sqlite"


def open_journal(
    project: Project, given: Path | None = None, *, create: bool = True
) -> Journal | None:
    """The project's journal: the shared state of RUNDBRIEF_STATE_URL, or the SQLite file.

    The SQLite journal gets what an earlier version kept in the suppression store moved in.
    Without ``create``, None when there is neither a journal nor an earlier store to read.
    """
    url = state_url()
    if url is not None:
        if given is not None:
            raise UsageError(
                _(
                    "--journal names a journal file, but RUNDBRIEF_STATE_URL puts the state into "
                    "PostgreSQL; leave out one of them"
                )
            )
        from generator.sending.postgres_journal import PostgresJournal

        return PostgresJournal(url)
    path, legacy = journal_path(project, given), project.state_dir / LEGACY_STORE
    if not create and not path.is_file() and not _holds_legacy_state(legacy):
        return None
    return Journal(path, legacy=legacy)


def _holds_legacy_state(store: Path) -> bool:
    """Whether the suppression store still holds what an earlier version kept there (runs …).

    The store itself stays (it is feedback's); only its old send tables make a journal worth
    creating without ``create``: a mistyped ``--journal`` must not become an empty journal.
    """
    if not store.is_file():
        return False
    try:
        db = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return False
    try:
        found = db.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
            " AND name IN ('runs', 'exclusions', 'member_counts')"
        ).fetchone()
        return bool(found and found[0])
    except sqlite3.Error:
        return False
    finally:
        db.close()


class JournalError(RundbriefError):
    """The journal file cannot be used (not a database, disk full, read-only)."""


class Journal:  # implements state.SendState
    """A SQLite file in WAL mode; a message is marked 'sending' on disk before it is handed over.

    Its statements are the ones SQLite and PostgreSQL agree on: ``PostgresJournal`` adds
    only its schema and its lock.
    """

    def __init__(self, path: Path, *, legacy: Path | None = None) -> None:
        self.path = path
        try:
            self.db = Database.sqlite(path)
            migrate(self.db, "journal", MIGRATIONS)
            if legacy is not None and legacy.is_file():
                self._adopt(legacy)
        except (sqlite3.Error, OSError) as error:
            raise _journal_error(path, error) from None
        self._unsaved: list[tuple[str, str, str, str, str]] = []
        self._run: int | None = None

    @property
    def where(self) -> str:
        """What messages name the journal by: its file, or the shared state's URL (masked)."""
        return self.db.where

    def _adopt(self, legacy: Path) -> None:
        """Move runs, exclusions and member counts out of an earlier version's suppression store.

        Copied first (idempotent: a crash in between copies nothing twice), dropped from the
        store after: both databases commit on their own.
        """
        self.db.execute("ATTACH DATABASE ? AS legacy", (str(legacy),))
        try:
            tables = {
                name
                for (name,) in self.db.execute(
                    "SELECT name FROM legacy.sqlite_master WHERE type = 'table'"
                    " AND name IN ('runs', 'exclusions', 'member_counts')"
                )
            }
            if not tables:
                return
            with self.db.transaction(immediate=True):
                if "runs" in tables:
                    # The store's times are the ones the report showed: the journal's own
                    # rows of those newsletters stop counting, or each run would count twice.
                    self.db.execute(
                        "UPDATE runs SET timed = 0 WHERE process != 'migrated'"
                        " AND newsletter IN (SELECT newsletter FROM legacy.runs)"
                    )
                    self.db.execute(
                        "INSERT INTO runs (newsletter, pid, host, process, started_at, ended_at,"
                        " outcome) SELECT newsletter, 0, '', 'migrated', started_at, finished_at,"
                        " 'recorded in the suppression store by an earlier version'"
                        " FROM legacy.runs AS old WHERE NOT EXISTS (SELECT 1 FROM runs"
                        " WHERE runs.process = 'migrated' AND runs.newsletter = old.newsletter"
                        " AND runs.started_at = old.started_at)"
                    )
                if "exclusions" in tables:
                    self.db.execute(
                        "INSERT OR IGNORE INTO exclusions SELECT newsletter, reason, count,"
                        " recorded_at FROM legacy.exclusions"
                    )
                if "member_counts" in tables:
                    self.db.execute(
                        "INSERT OR IGNORE INTO member_counts SELECT recorded_at, members"
                        " FROM legacy.member_counts"
                    )
            with self.db.transaction(immediate=True):
                for name in sorted(tables):
                    self.db.execute(f"DROP TABLE legacy.{name}")
        finally:
            self.db.execute("DETACH DATABASE legacy")

    def _guard(self, error: sqlite3.Error | OSError) -> JournalError:
        return _journal_error(self.path, error)

    def close(self) -> None:
        """Save what is still waiting and close the file."""
        try:
            self.save()
        finally:
            self.db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save(self) -> None:
        """Commit the 'sent' rows still waiting for the next commit."""
        self._write([])

    def _write(self, updates: list[tuple[str, ...]]) -> None:
        """Commit waiting 'sent' rows together with ``updates`` in one transaction (one fsync)."""
        if not self._unsaved and not updates:
            return
        try:
            with self.db.transaction():
                self._mark_sent()
                self.db.executemany(_UPDATE, updates)
        except sqlite3.Error as error:
            raise self._guard(error) from None

    def _mark_sent(self) -> None:
        """Write the waiting 'sent' marks, a statement per CHUNK (inside the caller's transaction)."""
        rows, self._unsaved = self._unsaved, []
        for at in range(0, len(rows), CHUNK):
            chunk = rows[at : at + CHUNK]
            self.db.execute(
                _SENT.format(rows=", ".join(["(?, ?, ?, ?, ?)"] * len(chunk))),
                [value for row in chunk for value in row],
            )

    # -- runs and their lock ----------------------------------------------------------------

    def begin_run(
        self,
        newsletter: str,
        *,
        commit: str,
        offline: bool = False,
        connections: int = 1,
        audience: str = "",
        audience_override: bool = False,
        content: str = "",
    ) -> int:
        """Record a run of ``newsletter``; raise SendRunning while another one holds the lock.

        A run of this machine whose process died holds nothing; a run of another host holds
        the lock until ``release_lock``. With ``content``, raise AlreadySent when the same
        subject and text went out under another file name.
        """
        host, pid = socket.gethostname(), os.getpid()
        try:
            with self.db.transaction(immediate=True):  # no other run checks at the same time
                self._take_lock(newsletter)
                if content:
                    self._not_sent_as(newsletter, content)
                row = self.db.execute(
                    "INSERT INTO runs (newsletter, pid, host, process, started_at, seen_at,"
                    " commit_sha, offline, connections, audience, audience_override, content)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (
                        newsletter,
                        pid,
                        host,
                        process_token(pid),
                        now(),
                        now(),
                        commit,
                        int(offline),
                        connections,
                        audience,
                        int(audience_override),
                        content,
                    ),
                ).fetchone()
        except sqlite3.Error as error:
            raise self._guard(error) from None
        self._run = int(row[0])
        return self._run

    def _take_lock(self, newsletter: str) -> None:
        """Refuse while a run of ``newsletter`` lives; end the runs that died on this machine."""
        for run in self._active(newsletter):
            if run.alive is False:
                self._end(run.id, "ended without a word", timed=False)
                continue
            raise SendRunning(lock_refusal(run))

    def _not_sent_as(self, newsletter: str, content: str) -> None:
        row = self.db.execute(
            "SELECT runs.newsletter FROM runs WHERE runs.content = ? AND runs.newsletter != ?"
            " AND EXISTS (SELECT 1 FROM deliveries WHERE deliveries.newsletter = runs.newsletter"
            " AND deliveries.state IN ('sent', 'sending')) LIMIT 1",
            (content, newsletter),
        ).fetchone()
        if row is not None:
            raise AlreadySent(
                _(
                    "the same subject and text were already sent as {other} (a renamed "
                    "copy?); nothing was sent: members would get it twice; change subject "
                    "or text if it is meant to go out again"
                ).format(other=row[0])
            )

    def _active(self, newsletter: str) -> list[Run]:
        rows = self.db.execute(_ACTIVE, (newsletter,)).fetchall()
        return [
            Run(run_id, slug, pid, host, process, _moment(started), _moment(seen or started))
            for run_id, slug, pid, host, process, started, seen in rows
        ]

    def _end(self, run_id: int, outcome: str, *, timed: bool = True) -> None:
        self.db.execute(
            "UPDATE runs SET ended_at = ?, outcome = ?, timed = ? WHERE id = ?",
            (now(), outcome, int(timed), run_id),
        )

    def end_run(self, run_id: int, outcome: str) -> None:
        """Mark the run finished (its lock released), with one line on how it ended."""
        self.save()
        try:
            with self.db.transaction():
                self._end(run_id, outcome)
        except sqlite3.Error as error:
            raise self._guard(error) from None
        self._run = None

    def locks(self, newsletter: str) -> list[Run]:
        """The runs that hold ``newsletter``'s lock (not ended), oldest first."""
        return self._active(newsletter)

    def release_lock(self, newsletter: str) -> list[Run]:
        """End every run holding the lock whose process is not known to live; return them.

        A run of this machine that still runs is never released (SendRunning): it would send
        next to the new one. A run of another host cannot be asked: the person who releases
        it has checked that it is gone.
        """
        try:
            with self.db.transaction(immediate=True):
                runs = self._active(newsletter)
                for run in runs:
                    if run.alive:
                        raise SendRunning(lock_refusal(run))
                for run in runs:
                    self._end(
                        run.id, f"lock released by hand on {socket.gethostname()}", timed=False
                    )
        except sqlite3.Error as error:
            raise self._guard(error) from None
        return runs

    def offline_runs(self, newsletter: str) -> int:
        """How many runs of ``newsletter`` checked the approval offline (--offline)."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM runs WHERE newsletter = ? AND offline != 0", (newsletter,)
        ).fetchone()
        return int(row[0])

    def audiences(self, newsletter: str) -> list[tuple[str, bool]]:
        """(audience, chosen with --audience) of each run of ``newsletter`` that recorded one."""
        rows = self.db.execute(
            "SELECT audience, audience_override FROM runs"
            " WHERE newsletter = ? AND audience != '' ORDER BY id",
            (newsletter,),
        )
        return list(dict.fromkeys((audience, bool(override)) for audience, override in rows))

    # -- recipients -----------------------------------------------------------------------

    def plan(self, newsletter: str, recipients: Iterable[tuple[str, str]], commit: str) -> None:
        """Add (recipient, message_id) rows as pending; rows already there keep their state."""
        stamp = now()
        rows = iter(recipients)
        try:
            with self.db.transaction():
                while chunk := list(itertools.islice(rows, CHUNK)):
                    values = ", ".join(["(?, ?, 'pending', ?, ?, ?, ?, ?)"] * len(chunk))
                    self.db.execute(
                        _PLAN.format(rows=values),
                        [
                            v
                            for r, mid in chunk
                            for v in (newsletter, r, mid, message_token(mid), commit, stamp, stamp)
                        ],
                    )
        except sqlite3.Error as error:
            raise self._guard(error) from None

    def claim(
        self, newsletter: str, recipients: list[str], commit: str, *, retry_uncertain: bool = False
    ) -> dict[str, str | Entry | None]:
        """Move each recipient from 'pending' to 'sending', committed before anything is sent.

        Returns recipient → its Message-ID for every recipient this run may now send to, and
        its unchanged row for the others (sent, failed, uncertain, claimed by another run;
        None if it was never planned). Waiting 'sent' rows go into the same transaction.
        """
        stamp = now()
        result: dict[str, str | Entry | None] = {}
        chunks = [recipients[at : at + CHUNK] for at in range(0, len(recipients), CHUNK)]
        claimed: dict[str, str] = {}
        try:
            with self.db.transaction(immediate=True):
                self._mark_sent()
                # One statement per batch: a round trip per batch, not per recipient.
                cursors = [
                    self.db.execute(
                        _CLAIM.format(marks=", ".join("?" * len(chunk))),
                        (stamp, commit, newsletter, retry_uncertain, *chunk),
                    )
                    for chunk in chunks
                ]
                if self.db.dialect == "sqlite":  # SQLite hands the rows out before the commit
                    claimed = {row[0]: row[1] for cursor in cursors for row in cursor.fetchall()}
                if self._run is not None:  # a sign of life for whoever finds the lock
                    self.db.execute("UPDATE runs SET seen_at = ? WHERE id = ?", (stamp, self._run))
            # PostgreSQL sent everything, COMMIT included, in one go: the rows arrive with it.
            claimed = claimed or {row[0]: row[1] for cursor in cursors for row in cursor.fetchall()}
            rest = self._entries_of(newsletter, [r for r in recipients if r not in claimed])
        except sqlite3.Error as error:
            raise self._guard(error) from None
        for recipient in recipients:
            result[recipient] = claimed.get(recipient) or rest.get(recipient)
        return result

    def release(self, newsletter: str, recipients: Iterable[str]) -> None:
        """Return claimed recipients that were never handed over to 'pending' (Ctrl-C)."""
        stamp = now()
        rows = [(stamp, newsletter, recipient) for recipient in recipients]
        if not rows:
            return
        try:
            with self.db.transaction():
                self._mark_sent()
                self.db.executemany(
                    "UPDATE deliveries SET state = 'pending', updated_at = ?,"
                    " attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END"
                    " WHERE newsletter = ? AND recipient = ? AND state = 'sending'",
                    rows,
                )
        except sqlite3.Error as error:
            raise self._guard(error) from None

    def _entries_of(self, newsletter: str, recipients: list[str]) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        for at in range(0, len(recipients), CHUNK):
            chunk = recipients[at : at + CHUNK]
            rows = self.db.execute(
                "SELECT recipient, state, message_id, reply, attempts FROM deliveries"  # noqa: S608
                f" WHERE newsletter = ? AND recipient IN ({', '.join('?' * len(chunk))})",
                (newsletter, *chunk),
            ).fetchall()
            found.update((row[0], Entry(*row)) for row in rows)
        return found

    def states(self, newsletter: str, recipients: list[str]) -> dict[str, State]:
        """The state of each recipient that has a row."""
        self.save()
        found: dict[str, State] = {}
        for start in range(0, len(recipients), 500):
            chunk = recipients[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                self.db.execute(
                    "SELECT recipient, state FROM deliveries WHERE newsletter = ?"  # noqa: S608
                    f" AND recipient IN ({marks})",
                    (newsletter, *chunk),
                ).fetchall()
            )
        return found

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
        if state == "sent":
            # 'sent' rides on the next commit (the next claim, or close()). Lost in a crash,
            # the row stays 'sending': uncertain, never resent — exactly as after a crash
            # right behind the server's reply. One fsync per message (or batch), not two.
            self._unsaved.append((newsletter, recipient, reply, stamp, commit))
        else:
            self._write(
                [(state, reply, stamp, commit, commit, state, state, stamp, newsletter, recipient)]
            )

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

    def recipients_handed_over(self) -> Iterator[str]:
        """Every address a newsletter was (possibly) handed over for: sent or sending."""
        self.save()
        rows = self.db.execute(
            "SELECT DISTINCT recipient FROM deliveries WHERE state IN ('sent', 'sending')"
        )
        yield from (address for (address,) in rows)

    def sent(self, newsletter: str, address: str) -> Sent | None:
        """The row of ``address`` for ``newsletter`` if that message was (possibly) handed over.

        The proof a bounce or complaint in the feedback mailbox must match (``feedback.sent``).
        """
        try:
            row = self.db.execute(
                "SELECT message_id, COALESCE(sent_at, updated_at), state FROM deliveries"
                " WHERE newsletter = ? AND recipient = ?",
                (newsletter, address.lower()),
            ).fetchone()
        except sqlite3.Error:
            return None  # a journal of another shape proves nothing
        if row is None or row[2] not in HANDED_OVER:
            return None
        try:
            moment = dt.datetime.fromisoformat(row[1] or "")
        except ValueError:
            return None
        return Sent(row[0], moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))

    def sent_token(self, token: str) -> Sent | None:
        """The handed-over row whose message carried ``token`` (a bounce's VERP address)."""
        if not token:
            return None
        try:
            row = self.db.execute(
                "SELECT message_id, COALESCE(sent_at, updated_at), state, newsletter, recipient"
                " FROM deliveries WHERE token = ?",
                (token,),
            ).fetchone()
        except sqlite3.Error:
            return None  # a journal of another shape proves nothing
        if row is None or row[2] not in HANDED_OVER:
            return None
        try:
            moment = _moment(row[1] or "")
        except ValueError:
            return None
        return Sent(row[0], moment, newsletter=row[3], address=row[4])

    def sent_to(self, addresses: Iterable[str]) -> Iterator[tuple[str, str, str]]:
        """(recipient, newsletter, sent_at) of every message the relay accepted for ``addresses``."""
        self.save()
        chosen = sorted(addresses)
        for start in range(0, len(chosen), 500):
            chunk = chosen[start : start + 500]
            marks = ",".join("?" * len(chunk))
            yield from self.db.execute(
                "SELECT recipient, newsletter, sent_at FROM deliveries"  # noqa: S608
                f" WHERE state = 'sent' AND recipient IN ({marks})",
                chunk,
            )

    # -- what each send left out, and the members file's size over time -----------------------

    def record_exclusions(self, newsletter: str, counts: Mapping[str, int]) -> None:
        """How many members the latest run of a send left out, by reason."""
        stamp = now()
        try:
            with self.db.transaction(immediate=True):
                self.db.execute("DELETE FROM exclusions WHERE newsletter = ?", (newsletter,))
                self.db.executemany(
                    "INSERT INTO exclusions (newsletter, reason, count, recorded_at)"
                    " VALUES (?, ?, ?, ?)",
                    [(newsletter, reason, n, stamp) for reason, n in counts.items() if n],
                )
        except sqlite3.Error as error:
            raise self._guard(error) from None

    def record_member_count(self, members: int, when: dt.datetime | None = None) -> None:
        """How many rows the members file has now (the only history of its size there is)."""
        try:
            with self.db.transaction(immediate=True):
                self.db.execute(
                    "INSERT INTO member_counts (recorded_at, members) VALUES (?, ?)"
                    " ON CONFLICT (recorded_at) DO UPDATE SET members = excluded.members",
                    (iso(when or dt.datetime.now(dt.UTC)), members),
                )
        except sqlite3.Error as error:
            raise self._guard(error) from None

    def record_run(self, newsletter: str, started: dt.datetime, ended: dt.datetime) -> None:
        """A finished run known only by its times (an import, a test)."""
        try:
            with self.db.transaction():
                self.db.execute(
                    "INSERT INTO runs (newsletter, pid, host, process, started_at, ended_at)"
                    " VALUES (?, 0, '', 'recorded', ?, ?)",
                    (newsletter, iso(started), iso(ended)),
                )
        except sqlite3.Error as error:
            raise self._guard(error) from None

    # -- things done once ---------------------------------------------------------------------

    def claim_once(self, kind: str, key: str) -> bool:
        """Claim ``(kind, key)`` for good; false when it was claimed before (by any run)."""
        try:
            with self.db.transaction(immediate=True):
                cursor = self.db.execute(
                    "INSERT INTO once (kind, key, claimed_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (kind, key) DO NOTHING",
                    (kind, key, now()),
                )
        except sqlite3.Error as error:
            raise self._guard(error) from None
        return cursor.rowcount == 1

    def release_once(self, kind: str, key: str) -> None:
        """Give back a claim whose work failed, so that the next run does it."""
        try:
            with self.db.transaction():
                self.db.execute("DELETE FROM once WHERE kind = ? AND key = ?", (kind, key))
        except sqlite3.Error as error:
            raise self._guard(error) from None

    # -- moving the state (`rundbrief state import`) -------------------------------------------

    def rows(self, table: str) -> Iterator[tuple[object, ...]]:
        """Every row of one of the journal's tables, in the columns ``COLUMNS`` names."""
        self.save()
        columns = ", ".join(COLUMNS[table])
        yield from self.db.execute(f"SELECT {columns} FROM {table}")  # noqa: S608

    def adopt(self, table: str, rows: Iterable[Sequence[object]]) -> int:
        """Copy another journal's rows in; how many were new. Idempotent (run it again if cut short).

        A run has no key of its own across databases: it is the same run when it started at
        the same moment in the same process on the same host.
        """
        columns = COLUMNS[table]
        names, marks = ", ".join(columns), ", ".join("?" * len(columns))
        if table == "runs":
            sql = (
                f"INSERT INTO runs ({names}) SELECT {marks} WHERE NOT EXISTS"  # noqa: S608
                " (SELECT 1 FROM runs WHERE newsletter = ? AND pid = ? AND host = ?"
                " AND started_at = ?)"
            )
        else:
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) {_ADOPT[table]}"  # noqa: S608
        count, rows = 0, iter(rows)
        try:
            while chunk := list(itertools.islice(rows, ADOPTED)):
                with self.db.transaction(immediate=True):
                    cursors = [
                        self.db.execute(
                            sql,
                            (*row, *((row[0], row[1], row[2], row[4]) if table == "runs" else ())),
                        )
                        for row in chunk
                    ]
                # Counted after the commit: PostgreSQL's pipeline reports them with it.
                count += sum(max(0, cursor.rowcount) for cursor in cursors)
        except sqlite3.Error as error:
            raise self._guard(error) from None
        return count

    # -- the report's reads -------------------------------------------------------------------

    def state_counts(self) -> list[tuple[str, str, int]]:
        """(newsletter, state, count) for every newsletter, from the index alone."""
        self.save()
        return self.db.execute(
            "SELECT newsletter, state, COUNT(*) FROM deliveries GROUP BY newsletter, state"
        ).fetchall()

    def failed_replies(self, newsletter: str) -> list[tuple[str, int]]:
        """(server reply, count) of the failed recipients of ``newsletter``."""
        return self.db.execute(
            "SELECT reply, COUNT(*) FROM deliveries WHERE newsletter = ?"
            " AND state = 'failed' GROUP BY reply",
            (newsletter,),
        ).fetchall()

    def first_and_last(self, newsletter: str) -> tuple[str | None, str | None]:
        """When the first recipient of ``newsletter`` was planned and the last one touched."""
        row = self.db.execute(
            "SELECT MIN(created_at), MAX(updated_at) FROM deliveries"
            " WHERE newsletter = ? AND state != 'pending'",
            (newsletter,),
        ).fetchone()
        return row[0], row[1]

    def run_times(self) -> list[RunTimes]:
        """The finished runs whose time counts, by newsletter and start."""
        rows = self.db.execute(
            "SELECT newsletter, started_at, ended_at FROM runs"
            " WHERE ended_at IS NOT NULL AND timed != 0 ORDER BY newsletter, started_at"
        )
        return [RunTimes(*row) for row in rows]

    def exclusions(self) -> list[tuple[str, str, int]]:
        """(newsletter, reason, count) of what each send left out."""
        return self.db.execute(
            "SELECT newsletter, reason, count FROM exclusions ORDER BY newsletter, reason"
        ).fetchall()

    def member_counts(self) -> list[tuple[str, int]]:
        """(when, rows) of every count of the members file."""
        return self.db.execute("SELECT recorded_at, members FROM member_counts").fetchall()


def _moment(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _journal_error(path: Path, error: sqlite3.Error | OSError) -> JournalError:
    reason = str(error)
    if isinstance(error, sqlite3.DatabaseError) and "not a database" in reason:
        return JournalError(
            _(
                "the journal {path} is not a rundbrief journal (no SQLite database); move the "
                "file away or name another one with --journal"
            ).format(path=path)
        )
    if "disk is full" in reason or getattr(error, "errno", None) == 28:
        return JournalError(
            _("the disk holding the journal {path} is full; free space and run again").format(
                path=path
            )
        )
    return JournalError(
        _("cannot use the journal {path}: {reason}").format(path=path, reason=reason)
    )
