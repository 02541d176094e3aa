"""Where the send state lives: SQLite files on one machine, or one PostgreSQL for every machine.

``state_url()`` is the one decision: ``RUNDBRIEF_STATE_URL=postgresql://…`` puts the journal,
the send lock and the suppression store into that database; without it they are SQLite files
under ``.rundbrief/``. ``Database`` speaks one SQL to both (``?`` placeholders, statements
both dialects understand), so the journal and the suppression store keep one set of
statements; ``migrate`` brings each one's tables to its current version on opening.

The URL's password never leaves this module: messages show ``shown(url)``, and every error
text from the driver passes ``scrub`` first.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
import urllib.parse
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from generator.core.i18n import _
from generator.core.problems import RundbriefError, UsageError

STATE_URL = "RUNDBRIEF_STATE_URL"
SCHEMES = ("postgresql://", "postgres://")
MASK = "***"
LOCK_SPACE = 0x52424446
"""The first half of every advisory lock key rundbrief takes ("RBDF"): apart from other users'."""

Dialect = Literal["sqlite", "postgresql"]
Step = Sequence[str] | Callable[["Database"], None]
"""One migration step: statements to run, or a function for what SQL alone cannot decide."""


class StateUnreachable(RundbriefError):
    """The shared state named by RUNDBRIEF_STATE_URL cannot be reached or used."""


class StateTooNew(RundbriefError):
    """The state was written by a newer rundbrief (its schema version is unknown here)."""


def state_url(env: Mapping[str, str] | None = None) -> str | None:
    """The shared state's URL from RUNDBRIEF_STATE_URL, or None for the SQLite files."""
    url = (os.environ if env is None else env).get(STATE_URL, "").strip()
    if not url:
        return None
    if not url.startswith(SCHEMES):
        raise UsageError(
            _(
                "{variable} must be a PostgreSQL URL such as "
                "postgresql://rundbrief:PASSWORD@db.example.org/rundbrief?sslmode=verify-full; "
                "unset it to keep the state in .rundbrief/"
            ).format(variable=STATE_URL)
        )
    return url


def shown(url: str) -> str:
    """The URL as messages may show it: the password (in the user part or any query field
    naming one: password, sslpassword, passfile) masked. Every database URL, the shared state's
    and the platform's own, is shown through it."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return MASK
    if "@" in rest:
        # Everything between the user's ':' and the last '@' may be password (an unescaped
        # '@', '/' or '?' in it included): masking too much is harmless, too little is not.
        userinfo, host = rest.rsplit("@", 1)
        user, colon, _password = userinfo.partition(":")
        rest = f"{user}:{MASK}@{host}" if colon else rest
    path, mark, query = rest.partition("?")
    if mark:
        fields = [
            f"{name}={MASK}" if "pass" in name.lower() else f"{name}{equals}{value}"
            for name, equals, value in (part.partition("=") for part in query.split("&"))
        ]
        rest = f"{path}?{'&'.join(fields)}"
    return scrub(f"{scheme}://{rest}", url, pieces=False)


def secrets_of(url: str, *, pieces: bool = True) -> list[str]:
    """Every spelling of the URL's password: as written, percent-decoded, as libpq reads it."""
    found: set[str] = set()
    rest = url.partition("://")[2]
    authority = rest
    for mark in ("/", "?", "#"):
        authority = authority.split(mark, 1)[0]
    # Both readings of a password with an unescaped '@': up to the first and up to the last.
    for userinfo in (authority.split("@", 1)[0], authority.rsplit("@", 1)[0]):
        if "@" in authority and ":" in userinfo:
            found.add(userinfo.split(":", 1)[1])
    if "@" in rest:  # a '/' or '?' inside the password: everything before the last '@' is secret
        before = rest.rsplit("@", 1)[0]
        if ":" in before:
            found.add(before.split(":", 1)[1])
    for part in url.partition("?")[2].split("&"):
        name, _equals, value = part.partition("=")
        if name.lower() == "password":
            found.add(value)
    with contextlib.suppress(Exception):
        from psycopg.conninfo import conninfo_to_dict

        password = conninfo_to_dict(url).get("password")
        if password:
            found.add(str(password))
    # libpq ends an unescaped password at its first '@' and reads the rest as the host, which
    # its errors name: every piece between the separators is secret too.
    for secret in list(found) if pieces else ():
        found.update(piece for piece in re.split(r"[@/?#:]", secret) if piece)
    spelled = set(found)
    for secret in found:
        spelled.add(urllib.parse.unquote(secret))
        spelled.add(urllib.parse.unquote_plus(secret))
        spelled.add(urllib.parse.quote(secret, safe=""))
    return sorted((s for s in spelled if s), key=len, reverse=True)


def scrub(text: str, url: str, *, pieces: bool = True) -> str:
    """``text`` without any spelling of the URL's password (or any piece of it)."""
    for secret in secrets_of(url, pieces=pieces):
        text = text.replace(secret, MASK)
    return text


def lock_key(name: str) -> tuple[int, int]:
    """The two 32-bit halves of the advisory lock of ``name`` (a newsletter, a migration)."""
    return LOCK_SPACE, zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


def _wal(connection: sqlite3.Connection, patience: float = 30.0) -> None:
    """Switch a SQLite file to WAL, waiting while another connection does the same.

    Two processes opening a new file at once (two `send --due`) both need its exclusive lock
    for the switch; SQLite refuses one of them at once ("database is locked") instead of
    waiting, to avoid a deadlock: try again, as its busy timeout would.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class Database:
    """One connection to the state, SQLite or PostgreSQL, spoken to in one SQL (``?`` marks).

    SQLite's errors pass through (their owners word them with the file's path); PostgreSQL's
    become StateUnreachable, worded with the URL's password masked.
    """

    def __init__(self, connection: Any, dialect: Dialect, where: str, url: str = "") -> None:
        self.connection = connection
        self.dialect: Dialect = dialect
        self.where = where
        """What messages show: the file, or the URL with its password masked."""
        self._url = url

    @classmethod
    def sqlite(cls, path: Path) -> Database:
        """A SQLite file in WAL mode; a commit is on disk (FULL) before it returns."""
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None, timeout=30)
        _wal(connection)
        # FULL: a commit is on disk before the message is handed over, even if the power fails.
        connection.execute("PRAGMA synchronous=FULL")
        return cls(connection, "sqlite", str(path))

    @classmethod
    def postgresql(cls, url: str) -> Database:
        """A connection to the shared state; StateUnreachable (password masked) if it fails."""
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        try:
            conninfo_to_dict(url)
        except Exception:  # libpq's words may quote the password: none of them is shown
            raise StateUnreachable(
                _(
                    "{variable} is not a valid PostgreSQL URL; write it as "
                    "postgresql://USER:PASSWORD@HOST:5432/DATABASE?sslmode=verify-full "
                    "(special characters in the password percent-encoded, @ as %40)"
                ).format(variable=STATE_URL)
            ) from None
        try:
            connection = psycopg.connect(
                url,
                autocommit=True,
                connect_timeout=15,
                application_name="rundbrief",
                # A host that vanishes without closing the connection frees its send lock
                # within about a minute and a half.
                keepalives=1,
                keepalives_idle=30,
                keepalives_interval=10,
                keepalives_count=6,
            )
        except (psycopg.Error, UnicodeError, ValueError) as error:
            # (a host name Python cannot encode, e.g. from an unescaped @ in the password,
            # fails before libpq is asked: a UnicodeError, shown scrubbed like libpq's words)
            raise StateUnreachable(
                _(
                    "cannot reach the shared state {where} ({variable}): {reason}; check the "
                    "host, the password and the TLS settings (sslmode, sslrootcert) in "
                    "{variable}, or unset it to keep the state in .rundbrief/"
                ).format(where=shown(url), variable=STATE_URL, reason=_reason(error, url))
            ) from None
        return cls(connection, "postgresql", shown(url), url)

    def _sql(self, sql: str) -> str:
        if self.dialect == "sqlite":
            return sql
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[object] = ()) -> Any:
        """Run one statement; its cursor (rows as tuples)."""
        if self.dialect == "sqlite":
            return self.connection.execute(sql, params)
        with self._failures():
            return self.connection.execute(self._sql(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        """Run one statement for each row."""
        if self.dialect == "sqlite":
            self.connection.executemany(sql, rows)
            return
        rows = list(rows)
        if rows:
            with self._failures(), self.connection.cursor() as cursor:
                cursor.executemany(self._sql(sql), rows)

    @contextlib.contextmanager
    def transaction(self, *, immediate: bool = False) -> Iterator[None]:
        """One transaction: committed at the end, rolled back on any exception.

        ``immediate`` takes SQLite's write lock at the start (no other writer checks between
        our read and our write); PostgreSQL locks the rows a statement touches anyway.
        """
        if self.dialect == "sqlite":
            with self.connection:
                self.connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
                yield
            return
        # Pipeline mode: BEGIN, the statements and COMMIT travel together, and the client waits
        # only where it reads a result: a claim is one round trip, not five (on a network to
        # the database, each one counts).
        with self._failures(), self.connection.pipeline(), self.connection.transaction():
            yield

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        import psycopg

        try:
            yield
        except psycopg.Error as error:
            raise StateUnreachable(
                _("the shared state {where} failed: {reason}").format(
                    where=self.where, reason=_reason(error, self._url)
                )
            ) from None

    def close(self) -> None:
        """Let go of the connection (a session's advisory locks go with it)."""
        self.connection.close()


def _reason(error: BaseException, url: str) -> str:
    """The driver's words on one line, with every spelling of the password masked."""
    text = " ".join(str(error).split()) or type(error).__name__
    return scrub(text, url)


def migrate(db: Database, component: str, steps: Sequence[Step]) -> int:
    """Run the steps of ``component`` not yet run, in order and in one transaction; its version.

    ``schema_version`` holds one row per component (the journal, the suppression store):
    the number of steps that ran. A database of a newer rundbrief is refused, not altered.
    """
    if _version(db, component) == len(steps):
        return len(steps)  # the usual case: no write lock taken just to look
    with db.transaction(immediate=True):
        if db.dialect == "postgresql":  # two machines starting at once migrate one at a time
            db.execute("SELECT pg_advisory_xact_lock(?, ?)", lock_key("schema_version"))
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version"
            " (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
        row = db.execute(
            "SELECT version FROM schema_version WHERE component = ?", (component,)
        ).fetchone()
        version = int(row[0]) if row else 0
        if version > len(steps):
            raise StateTooNew(
                _(
                    "the {component} in {where} has schema version {version}, this rundbrief "
                    "knows {known}: it was written by a newer rundbrief; update rundbrief"
                ).format(component=component, where=db.where, version=version, known=len(steps))
            )
        for step in steps[version:]:
            if callable(step):
                step(db)
            else:
                for statement in step:
                    db.execute(statement)
        if version < len(steps):
            db.execute(
                "INSERT INTO schema_version (component, version) VALUES (?, ?)"
                " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                (component, len(steps)),
            )
    return len(steps)


def _version(db: Database, component: str) -> int | None:
    """The component's version, or None when there is no ``schema_version`` table yet."""
    if db.dialect == "sqlite":
        exists = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
    else:
        exists = db.execute("SELECT to_regclass('schema_version')").fetchone()
        exists = exists if exists and exists[0] else None
    if not exists:
        return None
    row = db.execute(
        "SELECT version FROM schema_version WHERE component = ?", (component,)
    ).fetchone()
    return int(row[0]) if row else 0
