"""The members file: a CSV export from the platform, streamed row by row into checked members.

The file is never held in memory as a whole: ``MembersFile.rows`` reads it line by line, so a
send to 200,000 members costs the memory of one row (and of the addresses seen, for the
duplicate check). Every row is checked before anything can reach a message: a value that
could break a header, a bad address or referral code, a time that is no time. Such a row is
a problem at its line and is left out; the rows after it are read as usual, even after an
unclosed quote or a field far over any limit.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
import zoneinfo
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from generator.core.i18n import _, number
from generator.core.problems import Problem, Severity
from generator.core.referral import is_reserved_name, is_valid_code
from generator.core.settings import MEMBER_COLUMNS

REQUIRED = MEMBER_COLUMNS[:-1]
OPTIONAL = MEMBER_COLUMNS[-1:]  # unsubscribed_all_at
"""Known, but an export may leave it out: the time a member refused all mail (service too)."""
TIMES = ("opt_in_at", "confirmed_at", "unsubscribed_at", "unsubscribed_all_at")
MAX_FIELD = 1000
"""Longer values are no names or codes; they would only bloat headers and pages."""
MAX_RECORD_LINES = 20
"""A quoted field may span lines; a record running on longer has a quote that never closes."""
MAX_RECORD_CHARS = 65_536
"""Below Python's csv field limit (131,072), so a giant field is our problem at its row."""

ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
"""A deliberately plain address: what the platform's sign-up accepts, nothing exotic."""
SEGMENT_SEPARATORS = re.compile(r"[\s,;|]+")
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Every control character (Cc) and the Unicode line and paragraph separators (Zl, Zp):
each can break a header line or a text part; Python's email package refuses some of them."""
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""Bidirectional embeddings, overrides and isolates: they make a name read backwards."""
GERMAN_TIME = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
"""TT.MM.JJJJ HH:MM[:SS] as German Excel writes it (leading zeros optional, time optional)."""


@dataclass(frozen=True)
class Member:
    """One row of the members file, checked: safe to put into a message."""

    row: int
    email: str
    first_name: str
    last_name: str
    referral_code: str
    segments: frozenset[str]
    opt_in_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    unsubscribed_at: dt.datetime | None
    unsubscribed_all_at: dt.datetime | None = None
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def key(self) -> str:
        """The address as the journal and duplicate checks compare it."""
        return self.email.lower()


class Unreadable(Exception):
    """The file as a whole cannot be read (missing, not UTF-8, no header, missing columns)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


@dataclass(frozen=True)
class MembersFile:
    """Where the members file is and how to read it: column headers and the time zone."""

    path: Path
    display: str
    columns: Mapping[str, str] = field(default_factory=dict)
    timezone: str = "Europe/Berlin"

    def header(self, name: str) -> str:
        """The column header of field ``name``."""
        return self.columns.get(name, name)

    def stamp(self) -> tuple[int, int]:
        """Size and modification time: a file changed between two readings is noticed."""
        info = self.path.stat()
        return info.st_size, info.st_mtime_ns

    def rows(self) -> Iterator[Member | Problem]:
        """Every data row as a Member, or as a Problem (error severity) naming its line.

        Raises Unreadable when the file cannot be read as a whole; rows already yielded
        must then be disregarded by the caller.
        """
        try:
            stream = self.path.open(encoding="utf-8-sig", newline="")
        except OSError as error:
            raise Unreadable(
                Problem(
                    self.display,
                    0,
                    _("cannot read the members file: {reason}").format(reason=error.strerror),
                )
            ) from None
        with stream:
            lines = _Lines(stream, self.display)
            yield from self._rows(lines)

    def _rows(self, lines: _Lines) -> Iterator[Member | Problem]:
        first = lines.peek()
        if first is None:
            raise Unreadable(Problem(self.display, 1, _("the members file is empty")))
        delimiter = ";" if first.count(";") > first.count(",") else ","
        records = _records(lines, delimiter)
        header_line, header = next(records, (1, []))
        if isinstance(header, str):
            raise Unreadable(Problem(self.display, header_line, header))
        columns = [column.strip() for column in header]
        fields = self._fields(columns, header_line)
        zone = zoneinfo.ZoneInfo(self.timezone)
        seen: dict[str, int] = {}
        for line, values in records:
            if isinstance(values, str):
                yield Problem(self.display, line, values)
                continue
            if not any(value.strip() for value in values):
                continue
            member = _member(line, columns, fields, values, zone)
            if isinstance(member, str):
                yield Problem(self.display, line, member)
                continue
            first_row = seen.setdefault(member.key, line)
            if first_row != line:
                yield Problem(
                    self.display,
                    line,
                    _("duplicate address {address}, first in row {row}").format(
                        address=member.email, row=first_row
                    ),
                )
                continue
            yield member

    def _fields(self, columns: list[str], line: int) -> dict[str, int]:
        """Field name → column index; Unreadable if a required column is missing."""
        index = {column: number for number, column in enumerate(columns)}
        missing = [self.header(name) for name in REQUIRED if self.header(name) not in index]
        if missing:
            raise Unreadable(
                Problem(
                    self.display,
                    line,
                    _("missing columns {missing} (found: {found})").format(
                        missing=", ".join(missing), found=", ".join(columns)
                    ),
                )
            )
        return {
            name: index[self.header(name)]
            for name in (*REQUIRED, *OPTIONAL)
            if self.header(name) in index
        }


def read_members(
    path: Path,
    display: str | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    timezone: str = "Europe/Berlin",
    row_severity: Severity = "error",
) -> tuple[list[Member], list[Problem]]:
    """Read a whole members file into a list (for small files: kits, tests).

    Problems of single rows carry ``row_severity``; a file that cannot be read at all gives
    one error problem and no members.
    """
    source = MembersFile(path, display or str(path), columns or {}, timezone)
    members: list[Member] = []
    problems: list[Problem] = []
    try:
        for item in source.rows():
            if isinstance(item, Member):
                members.append(item)
            else:
                problems.append(Problem(item.path, item.line, item.message, row_severity))
    except Unreadable as error:
        return [], [error.problem]
    return members, problems


class _Lines:
    """The file's lines with their numbers; lines can be given back to be read again."""

    def __init__(self, stream: Iterator[str], display: str) -> None:
        self.stream = stream
        self.display = display
        self.number = 0
        self.returned: deque[tuple[int, str]] = deque()

    def peek(self) -> str | None:
        """The first line, without consuming it."""
        item = self.next()
        if item is None:
            return None
        self.returned.appendleft(item)
        return item[1]

    def next(self) -> tuple[int, str] | None:
        """The next (line number, text), or None at the end."""
        if self.returned:
            return self.returned.popleft()
        try:
            text = next(self.stream)
        except StopIteration:
            return None
        except UnicodeDecodeError:
            raise Unreadable(
                Problem(
                    self.display,
                    self.number + 1,
                    _("not UTF-8 text; export the members file as UTF-8"),
                )
            ) from None
        self.number += 1
        return self.number, text

    def give_back(self, items: list[tuple[int, str]]) -> None:
        """Read these lines again next (after a record that could not be parsed)."""
        self.returned.extendleft(reversed(items))


class _RecordTooLong(Exception):
    pass


def _records(lines: _Lines, delimiter: str) -> Iterator[tuple[int, list[str] | str]]:
    """Each CSV record with the line it starts on, or a message for a record that is broken.

    A broken record (a quote never closed, a field far too long, a NUL byte) is reported at
    its first line, and reading goes on with the line after it: nothing is swallowed.
    """
    while True:
        consumed: list[tuple[int, str]] = []
        reader = csv.reader(_feed(lines, consumed), delimiter=delimiter, strict=True)
        while True:
            consumed.clear()
            try:
                values = next(reader)
            except StopIteration:
                return
            except (csv.Error, _RecordTooLong) as error:
                # (The reader stops only after reading a line: ``consumed`` is never empty.)
                yield consumed[0][0], _broken(consumed[0][1], consumed, error)
                lines.give_back(consumed[1:])
                break  # a new reader, from the line after the broken record's first
            yield consumed[0][0], values


def _feed(lines: _Lines, consumed: list[tuple[int, str]]) -> Iterator[str]:
    """The lines for the csv reader, noting each in ``consumed``; a runaway record stops."""
    while True:
        item = lines.next()
        if item is None:
            return
        consumed.append(item)
        if len(consumed) > MAX_RECORD_LINES or len(item[1]) > MAX_RECORD_CHARS:
            raise _RecordTooLong
        yield item[1]


def _broken(text: str, consumed: list[tuple[int, str]], error: Exception) -> str:
    if len(text) > MAX_RECORD_CHARS:
        return _("the row is {count} characters long, at most {limit} are read").format(
            count=number(len(text.rstrip("\r\n"))), limit=number(MAX_RECORD_CHARS)
        )
    if "\x00" in text:
        return _("the row holds a NUL character; export the file again")
    if isinstance(error, _RecordTooLong) or len(consumed) > 1 or text.count('"') % 2:
        return _("a quote opened in this row is never closed")
    return _("the row is not valid CSV: {reason}").format(reason=error)


def _member(
    line: int,
    columns: list[str],
    fields: dict[str, int],
    values: list[str],
    zone: zoneinfo.ZoneInfo,
) -> Member | str:
    """The checked member of one record, or the message why the row is left out."""
    if len(values) != len(columns):
        return _("expected {expected} fields, found {found}").format(
            expected=len(columns), found=len(values)
        )
    record = [value.strip() for value in values]
    joined = "".join(record)  # one search for the common case: nothing to complain about
    if UNSAFE.search(joined) or BIDI.search(joined) or len(joined) > MAX_FIELD:
        for column, value in zip(columns, record, strict=True):
            problem = value_problem(column, value)
            if problem:
                return problem
    known = {name: record[index] for name, index in fields.items()}
    email = known["email"]
    if not ADDRESS.fullmatch(email) or len(email) > 254:
        return _("invalid address {address}").format(address=repr(email))
    code = known["referral_code"]
    if not is_valid_code(code):
        if is_reserved_name(code):
            return _(
                "referral code {code} is a name Windows reserves for a device; a kit folder "
                "cannot have it"
            ).format(code=repr(code))
        return _("referral code {code} is not plain ASCII letters, digits, '-' or '_'").format(
            code=repr(code)
        )
    times: dict[str, dt.datetime | None] = {}
    for name in TIMES:
        moment = parse_time(known.get(name, ""), zone)
        if isinstance(moment, str):
            return f"{name}: {moment}"
        times[name] = moment
    taken = set(fields.values())
    extra = {
        column: value
        for index, (column, value) in enumerate(zip(columns, record, strict=True))
        if index not in taken
    }
    return Member(
        row=line,
        email=email,
        first_name=known["first_name"],
        last_name=known["last_name"],
        referral_code=code,
        segments=frozenset(s for s in SEGMENT_SEPARATORS.split(known["segments"]) if s),
        opt_in_at=times["opt_in_at"],
        confirmed_at=times["confirmed_at"],
        unsubscribed_at=times["unsubscribed_at"],
        unsubscribed_all_at=times["unsubscribed_all_at"],
        extra=MappingProxyType(extra),
    )


def value_problem(column: str, value: str) -> str:
    """Why ``value`` may not go into a message (empty if it may)."""
    unsafe = UNSAFE.search(value)
    if unsafe:
        return _("{column}: a line break or control character is not allowed ({char})").format(
            column=column, char=_describe(unsafe.group(0))
        )
    bidi = BIDI.search(value)
    if bidi:
        return _(
            "{column}: a character that changes the writing direction is not allowed ({char})"
        ).format(column=column, char=_describe(bidi.group(0)))
    if len(value) > MAX_FIELD:
        return _("{column}: {count} characters, at most {limit} allowed").format(
            column=column, count=number(len(value)), limit=number(MAX_FIELD)
        )
    return ""


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}".strip()


def parse_time(value: str, zone: dt.tzinfo) -> dt.datetime | None | str:
    """An ISO 8601 or German time (without offset: in ``zone``); None if empty; else a message."""
    if not value:
        return None
    try:
        moment: dt.datetime | None = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    german = GERMAN_TIME.fullmatch(value) if moment is None else None
    if german:
        day, month, year, hour, minute, second = (int(g) if g else 0 for g in german.groups())
        try:
            moment = dt.datetime(year, month, day, hour, minute, second)
        except ValueError:
            moment = None
    if moment is None:
        return _("not a time: {value}, expected {iso} or {german}").format(
            value=value, iso="2024-01-01 10:00", german="01.01.2024 10:00"
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
