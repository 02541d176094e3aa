"""The suppression store: who is not mailed again, why, since when, and the evidence.

A SQLite file beside the send journal (``.rundbrief/suppression.sqlite``), or the shared
PostgreSQL of RUNDBRIEF_STATE_URL (``postgres_store``: its schema; the statements are this
module's, in the SQL both understand), holds

- ``events``: every unsubscribe, bounce and complaint `rundbrief feedback` read, one row per
  address a report names, with the Message-ID of the report as evidence;
- ``suppressions``: one row per address that must not be mailed, with the reason
  (``unsubscribed``, ``hard_bounce``, ``soft_bounces``, ``complaint``) and the latest event
  that caused it;
- ``mailbox``: the IMAP messages already read (folder, UIDVALIDITY, UID), written in the same
  transaction as their events, so a message is never counted twice;
- ``readings``: when each mailbox folder was last read to the end (`send` warns if long ago);
- ``votes``: the help site's "War dieser Artikel hilfreich?" votes, one row per page, sender
  (a keyed hash, never the address) and day (``votes``); only counted, never acted on.

What each send left out, its runs and the members file's size are the send journal's
(``sending/journal.py``); so is who was sent what, which this store asks through ``Deliveries``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from generator.core.database import Database, Step, migrate, state_url
from generator.core.output import write_atomic
from generator.core.settings import Project
from generator.feedback.votes import Vote
from generator.members.recipients import Suppressed

STORE_FILE = "suppression.sqlite"
SOFT_BOUNCE_GRACE = dt.timedelta(days=5)
"""A newsletter counts as delivered once it went out this long ago without a bounce (Postfix
gives up on a message after 5 days by default, so a later bounce is unlikely)."""

Reason = Literal["unsubscribed", "hard_bounce", "soft_bounces", "complaint"]
REASONS: tuple[Reason, ...] = ("unsubscribed", "hard_bounce", "soft_bounces", "complaint")
EventKind = Literal["unsubscribe", "hard_bounce", "soft_bounce", "complaint"]
SUPPRESSING: dict[str, Reason] = {
    "unsubscribe": "unsubscribed",
    "hard_bounce": "hard_bounce",
    "complaint": "complaint",
}
EXCLUSION_KEYS: dict[str, str] = {
    "unsubscribed": "unsubscribed_by_mail",
    "hard_bounce": "hard_bounce",
    "soft_bounces": "soft_bounces",
    "complaint": "complaint",
}
"""Store reason → the reason key `recipients.select` counts exclusions under."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Spreadsheets run a cell starting with one of these as a formula (CSV injection)."""
ESCAPE = "'"
"""Spreadsheets show a cell starting with it as text and drop it (and so does ``restore``)."""
SEPARATED_FORMULA = re.compile(r"([,;\t|])(\s*)(?=[=+\-@\t\r'])")
"""A field boundary for readers that split on ',' ';' tab or '|', followed by a formula start."""
SINGLE_ADDRESS = re.compile(r"[^\s@<>,;:\"()\[\]\\]+@[^\s@<>,;:\"()\[\]\\]+")
"""Exactly one plain addr-spec: no list, no display name, no separator another reader splits on."""

TABLES = (
    "CREATE TABLE IF NOT EXISTS events ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL"
    " CHECK (kind IN ('unsubscribe', 'hard_bounce', 'soft_bounce', 'complaint')),"
    " address TEXT NOT NULL,"
    " newsletter TEXT NOT NULL DEFAULT '',"
    " detail TEXT NOT NULL DEFAULT '',"
    " evidence TEXT NOT NULL,"
    " at TEXT NOT NULL,"
    " recorded_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS events_address ON events (address)",
    "CREATE INDEX IF NOT EXISTS events_newsletter ON events (newsletter)",
    "CREATE TABLE IF NOT EXISTS suppressions ("
    " address TEXT PRIMARY KEY,"
    " reason TEXT NOT NULL"
    " CHECK (reason IN ('unsubscribed', 'hard_bounce', 'soft_bounces', 'complaint')),"
    " since TEXT NOT NULL,"
    " newsletter TEXT NOT NULL DEFAULT '',"
    " evidence TEXT NOT NULL DEFAULT '',"
    " detail TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS mailbox ("
    " folder TEXT NOT NULL,"
    " uidvalidity INTEGER NOT NULL,"
    " uid INTEGER NOT NULL,"
    " kind TEXT NOT NULL,"
    " evidence TEXT NOT NULL DEFAULT '',"
    " read_at TEXT NOT NULL,"
    " PRIMARY KEY (folder, uidvalidity, uid))",
    "CREATE TABLE IF NOT EXISTS readings (folder TEXT PRIMARY KEY, read_at TEXT NOT NULL)",
)
"""The store's first version (SQLite)."""

VOTES_STEP = (
    "CREATE TABLE IF NOT EXISTS votes ("
    " page TEXT NOT NULL,"
    " voter TEXT NOT NULL,"
    " day TEXT NOT NULL,"
    " helpful INTEGER NOT NULL,"
    " PRIMARY KEY (page, voter, day))",
)
"""Schema step of December 2026: the help site's votes (the same on both backends)."""

MIGRATIONS: tuple[Step, ...] = (TABLES, VOTES_STEP)
"""The SQLite store's versions, in order: ``schema_version`` says how many ran."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "events": ("kind", "address", "newsletter", "detail", "evidence", "at", "recorded_at"),
    "suppressions": ("address", "reason", "since", "newsletter", "evidence", "detail"),
    "mailbox": ("folder", "uidvalidity", "uid", "kind", "evidence", "read_at"),
    "readings": ("folder", "read_at"),
    "votes": ("page", "voter", "day", "helpful"),
}
"""Every table and column of the store (both backends), as ``state import`` copies them."""

_SUPPRESS = (
    "INSERT INTO suppressions (address, reason, since, newsletter, evidence, detail)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET"
    " reason = excluded.reason, since = excluded.since, newsletter = excluded.newsletter,"
    " evidence = excluded.evidence, detail = excluded.detail"
    " WHERE excluded.since >= suppressions.since"
)
_ADOPT = {
    # An event is the same event when the same report named the same address the same way.
    "events": "INSERT INTO events (kind, address, newsletter, detail, evidence, at, recorded_at)"
    " SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM events WHERE kind = ?"
    " AND address = ? AND newsletter = ? AND evidence = ? AND at = ?)",
    "suppressions": _SUPPRESS.replace("since >= suppressions", "since > suppressions"),
    "mailbox": "INSERT INTO mailbox (folder, uidvalidity, uid, kind, evidence, read_at)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (folder, uidvalidity, uid) DO NOTHING",
    "readings": "INSERT INTO readings (folder, read_at) VALUES (?, ?) ON CONFLICT (folder)"
    " DO UPDATE SET read_at = excluded.read_at WHERE excluded.read_at > readings.read_at",
    "votes": "INSERT INTO votes (page, voter, day, helpful) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (page, voter, day) DO NOTHING",
}
"""How a copied row meets the rows already there: nothing twice, the latest wins."""


def iso(moment: dt.datetime) -> str:
    """A moment as the store keeps it: UTC, ISO 8601, milliseconds."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def instant(value: str | dt.datetime | None) -> dt.datetime | None:
    """An ISO time from the store or the journal, or a member's time; naive means UTC."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(value or "")
        except (TypeError, ValueError):
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def store_path(project: Project) -> Path:
    """``.rundbrief/suppression.sqlite``, beside the send journal."""
    return project.state_dir / STORE_FILE


def open_store(project: Project, *, create: bool = True) -> SuppressionStore | None:
    """The project's store: the shared state of RUNDBRIEF_STATE_URL, or the SQLite file.

    Without ``create``, None when there is no SQLite file yet (nothing was ever filed).
    """
    url = state_url()
    if url is not None:
        return SuppressionStore.shared(url)
    path = store_path(project)
    return SuppressionStore(path) if create or path.is_file() else None


def single_address(text: str) -> str | None:
    """``text`` lower-cased if it is exactly one plain address, else None (never a list)."""
    return text.lower() if SINGLE_ADDRESS.fullmatch(text) else None


class Deliveries(Protocol):
    """Who was sent what: the send journal's answer (``sending.journal.Journal``)."""

    def sent_to(self, addresses: Iterable[str]) -> Iterator[tuple[str, str, str]]:
        """(recipient, newsletter, sent_at) of every message the relay accepted."""
        ...


@dataclass(frozen=True)
class Event:
    """One address named by one report: unsubscribed, bounced or complained."""

    kind: EventKind
    address: str
    newsletter: str
    detail: str
    evidence: str
    at: str


@dataclass(frozen=True)
class Suppression:
    """An address not to be mailed, and the latest event that says so."""

    address: str
    reason: Reason
    since: str
    newsletter: str
    evidence: str
    detail: str


@dataclass(frozen=True)
class Read:
    """One mailbox message as filed: its UID, what it was, and the events it gave."""

    uid: int
    kind: str
    evidence: str
    events: tuple[Event, ...]
    vote: Vote | None = None


class SuppressionStore:
    """The SQLite file (WAL mode: `send` reads it while `feedback` writes), or the shared state."""

    def __init__(self, path: Path, *, db: Database | None = None) -> None:
        self.path = path
        self.db = db or Database.sqlite(path)
        if db is None:
            migrate(self.db, "suppression", MIGRATIONS)

    @classmethod
    def shared(cls, url: str) -> SuppressionStore:
        """The store in the PostgreSQL every sending machine shares."""
        from generator.feedback.postgres_store import MIGRATIONS as SHARED

        db = Database.postgresql(url)
        try:
            migrate(db, "suppression", SHARED)
        except BaseException:
            db.close()
            raise
        return cls(Path(db.where), db=db)

    @property
    def where(self) -> str:
        """What messages name the store by: its file, or the shared state's URL (masked)."""
        return self.db.where

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    def __enter__(self) -> SuppressionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def note_reading(self, folder: str) -> None:
        """Remember that ``folder`` was read to the end just now."""
        with self.db.transaction(immediate=True):
            self.db.execute(
                "INSERT INTO readings (folder, read_at) VALUES (?, ?)"
                " ON CONFLICT (folder) DO UPDATE SET read_at = excluded.read_at",
                (folder, iso(dt.datetime.now(dt.UTC))),
            )

    def last_reading(self) -> dt.datetime | None:
        """When a mailbox folder was last read to the end; None if never."""
        row = self.db.execute("SELECT MAX(read_at) FROM readings").fetchone()
        return instant(row[0]) if row and row[0] else None

    def seen(self, folder: str, uidvalidity: int) -> dict[int, str]:
        """UID → kind of every message of ``folder`` already read under ``uidvalidity``."""
        rows = self.db.execute(
            "SELECT uid, kind FROM mailbox WHERE folder = ? AND uidvalidity = ?",
            (folder, uidvalidity),
        )
        return dict(rows.fetchall())

    def record(self, folder: str, uidvalidity: int, messages: Iterable[Read]) -> None:
        """File messages and their events in one transaction: all of them or none."""
        stamp = iso(dt.datetime.now(dt.UTC))
        with self.db.transaction(immediate=True):
            for message in messages:
                self.db.execute(
                    "INSERT INTO mailbox (folder, uidvalidity, uid, kind, evidence, read_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (folder, uidvalidity, message.uid, message.kind, message.evidence, stamp),
                )
                for event in message.events:
                    self._add(event, stamp)
                if message.vote is not None:
                    self._vote(message.vote)

    def _vote(self, vote: Vote) -> None:
        """One vote per page, sender and day: a second one that day replaces the first."""
        self.db.execute(
            "INSERT INTO votes (page, voter, day, helpful) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (page, voter, day) DO UPDATE SET helpful = excluded.helpful",
            (vote.page, vote.voter, vote.day, int(vote.helpful)),
        )

    def add_votes(self, votes: Iterable[Vote]) -> None:
        """Record votes that did not come from a mailbox (tests, imports)."""
        with self.db.transaction(immediate=True):
            for vote in votes:
                self._vote(vote)

    def vote_counts(self) -> list[tuple[str, int, int]]:
        """(page, yes, no) of every page with a vote."""
        return self.db.execute(
            "SELECT page, SUM(helpful), SUM(1 - helpful) FROM votes GROUP BY page ORDER BY page"
        ).fetchall()

    def add(self, events: Iterable[Event]) -> None:
        """Record events that did not come from a mailbox (tests, imports)."""
        stamp = iso(dt.datetime.now(dt.UTC))
        with self.db.transaction(immediate=True):
            for event in events:
                self._add(event, stamp)

    def _add(self, event: Event, stamp: str) -> None:
        if single_address(event.address) is None:
            return  # a line naming several addresses (or none) suppresses none of them
        self.db.execute(
            "INSERT INTO events (kind, address, newsletter, detail, evidence, at, recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                event.kind,
                event.address.lower(),
                event.newsletter,
                event.detail,
                event.evidence,
                event.at,
                stamp,
            ),
        )
        reason = SUPPRESSING.get(event.kind)
        if reason:
            self._suppress(
                Suppression(
                    event.address.lower(),
                    reason,
                    event.at,
                    event.newsletter,
                    event.evidence,
                    event.detail,
                )
            )

    def _suppress(self, row: Suppression) -> None:
        # The latest event wins: a suppression is lifted only by a consent confirmed after it.
        self.db.execute(
            _SUPPRESS,
            (row.address, row.reason, row.since, row.newsletter, row.evidence, row.detail),
        )

    def apply_soft_bounce_limit(
        self, limit: int, journal: Deliveries | None, now: dt.datetime | None = None
    ) -> list[Suppression]:
        """Suppress addresses with ``limit`` soft bounces in a row; return the new ones.

        "In a row" means distinct newsletters (or reports, when the newsletter is unknown)
        since the member last received a newsletter: one the journal shows as sent more than
        SOFT_BOUNCE_GRACE ago without any bounce coming back. Recomputed from the events on
        every run, so an interrupted run loses nothing.
        """
        now = now or dt.datetime.now(dt.UTC)
        existing = {row.address: row for row in self.suppressions()}
        streaks: dict[str, list[tuple[dt.datetime, str, str, str, str]]] = {}
        for address, newsletter, evidence, at, detail in self.db.execute(
            "SELECT address, newsletter, evidence, at, detail FROM events"
            " WHERE kind = 'soft_bounce' ORDER BY at, id"
        ).fetchall():
            moment = instant(at)
            if moment is not None:
                streaks.setdefault(address, []).append(
                    (moment, newsletter or f"report {evidence}", newsletter, evidence, detail)
                )
        candidates = {a: s for a, s in streaks.items() if len({key for _, key, *_ in s}) >= limit}
        reached = self._last_delivered(set(candidates), journal, now - SOFT_BOUNCE_GRACE)
        added = []
        for address, bounces in candidates.items():
            since = reached.get(address)
            recent = [b for b in bounces if since is None or b[0] > since]
            if len({key for _, key, *_ in recent}) < limit:
                continue
            moment, _, newsletter, evidence, _ = recent[-1]
            row = Suppression(
                address,
                "soft_bounces",
                iso(moment),
                newsletter,
                evidence,
                f"{len({key for _, key, *_ in recent})} soft bounces in a row",
            )
            before = existing.get(address)
            if before is not None and (instant(before.since) or moment) >= moment:
                continue  # already suppressed by this or a later event
            with self.db.transaction(immediate=True):
                self._suppress(row)
            added.append(row)
        return added

    def _last_delivered(
        self, addresses: set[str], journal: Deliveries | None, before: dt.datetime
    ) -> dict[str, dt.datetime]:
        """address → when the newest newsletter reached it (sent before ``before``, no bounce)."""
        if not addresses or journal is None:
            return {}
        bounced = {
            (address, newsletter)
            for address, newsletter in self.db.execute(
                "SELECT address, newsletter FROM events"
                " WHERE kind IN ('hard_bounce', 'soft_bounce') AND newsletter != ''"
            ).fetchall()
        }
        found: dict[str, dt.datetime] = {}
        for recipient, newsletter, sent_at in journal.sent_to(addresses):
            moment = instant(sent_at or "")
            if moment is None or moment > before or (recipient, newsletter) in bounced:
                continue
            if recipient not in found or moment > found[recipient]:
                found[recipient] = moment
        return found

    def event_times(self) -> list[tuple[str, str, str, str]]:
        """(kind, address, newsletter, at) of every event: what the report counts."""
        return self.db.execute("SELECT kind, address, newsletter, at FROM events").fetchall()

    def counts_by_reason(self) -> list[tuple[str, int]]:
        """(reason, suppressed addresses) for every reason in use."""
        return self.db.execute(
            "SELECT reason, COUNT(*) FROM suppressions GROUP BY reason"
        ).fetchall()

    def mentions(self, newsletter: str) -> int:
        """How many events name ``newsletter`` (its signed VERP address or evidence)."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM events WHERE newsletter = ?", (newsletter,)
        ).fetchone()
        return int(row[0])

    def suppressions(self) -> list[Suppression]:
        """Every suppressed address, in address order."""
        rows = self.db.execute(
            "SELECT address, reason, since, newsletter, evidence, detail FROM suppressions"
            " ORDER BY address"
        )
        return [Suppression(*row) for row in rows]

    # -- moving the state (`rundbrief state import`) -------------------------------------------

    def rows(self, table: str) -> Iterator[tuple[object, ...]]:
        """Every row of one of the store's tables, in the columns ``COLUMNS`` names."""
        columns = ", ".join(COLUMNS[table])
        order = " ORDER BY id" if table == "events" else ""
        yield from self.db.execute(f"SELECT {columns} FROM {table}{order}")  # noqa: S608

    def adopt(self, table: str, rows: Iterable[Sequence[object]]) -> int:
        """Copy another store's rows in; how many were new. Idempotent (run it again if cut short)."""
        count, rows = 0, iter(rows)
        while chunk := list(itertools.islice(rows, 1_000)):
            with self.db.transaction(immediate=True):
                cursors = [
                    self.db.execute(_ADOPT[table], (*row, *_event_key(table, row))) for row in chunk
                ]
            # Counted after the commit: PostgreSQL's pipeline reports them with it.
            count += sum(max(0, cursor.rowcount) for cursor in cursors)
        return count


def _event_key(table: str, row: Sequence[object]) -> tuple[object, ...]:
    """What tells an event apart across stores: kind, address, newsletter, evidence, time."""
    return (row[0], row[1], row[2], row[4], row[5]) if table == "events" else ()


def read_suppressions(project: Project) -> dict[str, Suppressed]:
    """Address → why and since when it is suppressed, from the project's store (see below)."""
    store = open_store(project, create=False)
    if store is None:
        return {}
    with store:
        return suppressed_in(store)


def suppressions(path: Path) -> dict[str, Suppressed]:
    """Address → why and since when it is suppressed, for every address in the store.

    ``recipients.exclusion`` lifts one for a member who confirmed consent (double opt-in)
    again after the event that caused it: the new confirmation proves the address works and
    wants mail.
    """
    if not path.is_file():
        return {}
    with SuppressionStore(path) as store:
        return suppressed_in(store)


def suppressed_in(store: SuppressionStore) -> dict[str, Suppressed]:
    """Address → why and since when it is suppressed, for every address in ``store``."""
    rows = store.suppressions()
    return {row.address: Suppressed(EXCLUSION_KEYS[row.reason], instant(row.since)) for row in rows}


def last_reading(project: Project) -> dt.datetime | None:
    """When the feedback mailbox was last read to the end; None if never."""
    store = open_store(project, create=False)
    if store is None:
        return None
    with store:
        return store.last_reading()


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text, also when a reader splits it on ',' or ';'.

    A leading formula character (after blanks, too, or an escape already there) gets one
    ``'`` in front, which ``restore`` takes off again: an address such as
    ``-anna@example.org`` comes back unchanged. Inside free text, a formula character after
    a separator gets one too.
    """
    cell = SEPARATED_FORMULA.sub(r"\1\2" + ESCAPE, cell)
    return ESCAPE + cell if _starts_formula(cell) else cell


def restore(cell: str) -> str:
    """The value ``neutralise`` was given for a cell (an address read back from the export)."""
    rest = cell[len(ESCAPE) :]
    return rest if cell.startswith(ESCAPE) and _starts_formula(rest) else cell


def _starts_formula(cell: str) -> bool:
    starts = (*FORMULA_START, ESCAPE)
    return cell.startswith(starts) or cell.lstrip().startswith(starts)


EXPORT_COLUMNS = ("email", "reason", "since", "newsletter", "evidence", "detail")


def export_csv(rows: Iterable[Suppression], path: Path) -> int:
    """Write the suppression list for the platform's member database; return the row count."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for row in rows:
        values = (row.address, row.reason, row.since, row.newsletter, row.evidence, row.detail)
        writer.writerow([neutralise(value) for value in values])
        count += 1
    write_atomic(path, buffer.getvalue().encode("utf-8"))
    return count
