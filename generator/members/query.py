"""A SQL query against the platform's own database, read-only and streamed row by row.

The query comes from ``rundbrief.yml`` (reviewed like code), the connection URL from the
environment (a secret). It runs in a READ ONLY transaction — PostgreSQL refuses any write in
it, a writing function or ``… RETURNING`` too; MySQL and MariaDB refuse it in ``START
TRANSACTION READ ONLY`` — and the rows are fetched as they come (psycopg's ``stream``,
PyMySQL's unbuffered ``SSCursor``), never the whole result at once. Every value becomes text
as a CSV export would hold it, and goes through the same row checks as the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from generator.core.database import shown
from generator.core.i18n import _
from generator.core.platformdb import DatabaseError, connect, kind

URL_VARIABLE = "RUNDBRIEF_MEMBERS_DATABASE_URL"
WRITE_REFUSED = ("25006", 1792)
"""PostgreSQL's SQLSTATE and MySQL's error number for a write in a READ ONLY transaction."""
SPEAKING = ("08", "0A", "25", "28", "3D", "3F", "42", "53", "57")
"""SQLSTATE classes whose messages name only the query and the server (syntax, names, rights,
connection): shown. Others, a data exception above all, quote values — member data."""
SPEAKING_MYSQL = {1044, 1045, 1046, 1049, 1054, 1064, 1142, 1143, 1146, 1149, 1792, 2003, 2013}
"""The same for MySQL's error numbers: access, unknown database, column or table, syntax."""


@dataclass(frozen=True)
class Query:
    """A query and the database it runs against (the URL is a secret: never shown whole)."""

    text: str
    setting: str
    """The setting that holds the query, for messages: members.query or signups.query."""
    url: str = field(repr=False)

    @property
    def where(self) -> str:
        """The database as messages name it: the URL without its password."""
        return shown(self.url)


@contextmanager
def rows(query: Query) -> Iterator[tuple[list[str], Iterator[list[str]]]]:
    """(column names, rows as text) of ``query``, read-only; DatabaseError in German."""
    if not query.url:
        raise DatabaseError(
            _("{setting} is set: put the database URL into {variable} (a secret)").format(
                setting=query.setting, variable=URL_VARIABLE
            )
        )
    connection = connect(query.url)  # (an unknown scheme is refused before anything connects)
    try:
        if kind(query.url) == "postgresql":
            yield _postgres(connection, query)
        else:
            yield _mysql(connection, query)
    finally:
        _close(connection)


def _postgres(connection: Any, query: Query) -> tuple[list[str], Iterator[list[str]]]:
    import psycopg

    connection.read_only = True  # BEGIN READ ONLY: the server refuses every write
    cursor = connection.cursor()
    stream = cursor.stream(query.text.encode("utf-8"))  # single-row mode: one row in memory
    try:
        first = next(stream, None)
    except psycopg.Error as error:
        raise DatabaseError(
            _refused(query, error.sqlstate or "", _postgres_reason(error))
        ) from None
    if cursor.description is None:
        raise DatabaseError(_no_rows(query))
    columns = [column.name for column in cursor.description]

    def values() -> Iterator[list[str]]:
        if first is None:
            return
        yield [text(value) for value in first]
        try:
            for row in stream:
                yield [text(value) for value in row]
        except psycopg.Error as error:
            raise DatabaseError(
                _refused(query, error.sqlstate or "", _postgres_reason(error))
            ) from None

    return columns, values()


def _postgres_reason(error: Exception) -> str:
    diagnostic = getattr(error, "diag", None)
    primary = getattr(diagnostic, "message_primary", None)
    return str(primary or error)


def _mysql(connection: Any, query: Query) -> tuple[list[str], Iterator[list[str]]]:
    import pymysql
    import pymysql.cursors

    cursor = connection.cursor(pymysql.cursors.SSCursor)  # unbuffered: rows as they come
    try:
        cursor.execute("START TRANSACTION READ ONLY")
        cursor.execute(query.text)
    except pymysql.err.MySQLError as error:
        code, reason = _mysql_error(error)
        raise DatabaseError(_refused(query, code, reason)) from None
    if cursor.description is None:
        raise DatabaseError(_no_rows(query))
    columns = [str(column[0]) for column in cursor.description]

    def values() -> Iterator[list[str]]:
        try:
            for row in cursor:
                yield [text(value) for value in row]
        except pymysql.err.MySQLError as error:
            code, reason = _mysql_error(error)
            raise DatabaseError(_refused(query, code, reason)) from None

    return columns, values()


def _mysql_error(error: Exception) -> tuple[str, str]:
    if len(error.args) > 1:
        return str(error.args[0]), str(error.args[1])
    return "", str(error)


def _refused(query: Query, code: str, reason: str) -> str:
    if _speaks(code):
        reason = " ".join(reason.split())[:300]
    else:
        reason = _("error {code}; the server's words are not shown, they may quote member data")
        reason = reason.format(code=code or "?")
    if code in {str(c) for c in WRITE_REFUSED}:
        return _(
            "{setting} tries to write ({reason}); the query runs in a read-only transaction "
            "and may only read: write a SELECT"
        ).format(setting=query.setting, reason=reason)
    return _("{setting} failed on {database}: {reason}").format(
        setting=query.setting, database=query.where, reason=reason
    )


def _speaks(code: str) -> bool:
    """Whether the server's message for ``code`` names only the query, never a value."""
    if code.isdigit() and len(code) < 5:
        return int(code) in SPEAKING_MYSQL
    return code[:2] in SPEAKING


def _no_rows(query: Query) -> str:
    return _("{setting} returns no rows: write a SELECT that names the columns").format(
        setting=query.setting
    )


def _close(connection: Any) -> None:
    # A broken connection is closed all the same; nothing was written either way.
    with contextlib.suppress(Exception):
        connection.rollback()  # end the read-only transaction
    with contextlib.suppress(Exception):
        connection.close()


def text(value: object) -> str:
    """A value as a CSV export would hold it: times in ISO 8601, lists comma-separated."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ",".join(text(item) for item in value)
    return str(value)
