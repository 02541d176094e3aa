"""Where the members come from: a CSV file, a CSV export over HTTPS, or a SQL query.

Each origin gives the same thing, a table: the column names, then every record with its
number (the line of a CSV; the row of a query's result) or the message why it is broken.
``MembersFile`` checks the records the same way whatever their origin.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from generator.core.files import RefusedFile, open_named_file
from generator.core.i18n import _
from generator.core.platformdb import DatabaseError
from generator.core.problems import Problem
from generator.members import query as sql
from generator.members.csvfile import Lines, Unreadable
from generator.members.csvfile import records as records_of
from generator.members.remote import Download, DownloadError, fetch

Record = tuple[int, list[str] | str]
"""A record's line (or row) and its values, or the message why it cannot be read."""


@dataclass(frozen=True)
class Table:
    """The column names (at ``header_line``), then the records, streamed."""

    columns: list[str]
    header_line: int
    records: Iterator[Record]


class Origin(Protocol):
    """One place the members live."""

    @property
    def kind(self) -> str:
        """'file', 'url' or 'query'."""
        ...

    def table(self, display: str) -> AbstractContextManager[Table]:
        """The table, open while the caller reads it (a context manager); raises Unreadable."""
        ...

    def stamp(self) -> tuple[int, int]:
        """What changes when the members change, if it can be known without reading them."""
        ...


@dataclass(frozen=True)
class FileOrigin:
    """A CSV file, through the guarded door for a file the user named."""

    path: Path
    kind: str = "file"

    @contextmanager
    def table(self, display: str) -> Iterator[Table]:
        """The file's table (see ``Origin.table``)."""
        try:
            # The door's one named exception: anywhere, but a regular file (a pipe would hang).
            raw = open_named_file(self.path)
        except OSError as error:
            raise Unreadable(
                Problem(
                    display,
                    0,
                    _(
                        "cannot read the members file: {reason}; check the path given with --members"
                    ).format(reason=error.strerror),
                )
            ) from None
        except RefusedFile as refused:
            raise Unreadable(Problem(display, 0, refused.reason)) from None
        with raw:
            yield csv_table(raw, display)

    def stamp(self) -> tuple[int, int]:
        """Size and modification time: a file changed between two readings is noticed."""
        info = self.path.stat()
        return info.st_size, info.st_mtime_ns


@dataclass(frozen=True)
class UrlOrigin:
    """A CSV export at an HTTPS URL, fetched anew for each reading, streamed."""

    download: Download
    kind: str = "url"

    @contextmanager
    def table(self, display: str) -> Iterator[Table]:
        """The export's table (see ``Origin.table``)."""
        try:
            raw = fetch(self.download)
        except DownloadError as error:
            raise Unreadable(Problem(display, 0, error.message)) from None
        with raw:
            try:
                yield csv_table(raw, display)
            except DownloadError as error:  # too large, too slow, broken off: midway
                raise Unreadable(Problem(display, 0, error.message)) from None

    def stamp(self) -> tuple[int, int]:
        """Unknown without fetching it: each reading fetches the export anew."""
        return (0, 0)


@dataclass(frozen=True)
class QueryOrigin:
    """The result of ``members.query`` in the platform's database, read-only, streamed."""

    query: sql.Query
    kind: str = "query"

    @contextmanager
    def table(self, display: str) -> Iterator[Table]:
        """The query's table: row 1 is the first row of its result (see ``Origin.table``)."""
        try:
            with sql.rows(self.query) as (columns, values):
                yield Table(columns, 0, ((n, row) for n, row in enumerate(values, start=1)))
        except DatabaseError as error:
            raise Unreadable(Problem(display, 0, error.message)) from None

    def stamp(self) -> tuple[int, int]:
        """Unknown without reading: each reading runs the query anew."""
        return (0, 0)


def csv_table(raw: IO[bytes], display: str) -> Table:
    """The table of a CSV byte stream (UTF-8, with or without BOM; ',' or ';')."""
    stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    lines = Lines(stream, display)
    first = lines.peek()
    if first is None:
        raise Unreadable(
            Problem(display, 1, _("the members file is empty; export it again from the platform"))
        )
    delimiter = ";" if first.count(";") > first.count(",") else ","
    records = records_of(lines, delimiter)
    header_line, header = next(records, (1, []))
    if isinstance(header, str):
        raise Unreadable(Problem(display, header_line, header))
    return Table([column.strip() for column in header], header_line, records)
