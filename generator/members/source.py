"""The members, streamed row by row into checked members, wherever they come from.

A CSV file, an HTTPS export or a SQL query (``origins.py``) is never held in memory as a whole:
``MembersFile.rows`` reads it row by row, so a
send to 200,000 members costs the memory of one row (and of the addresses seen, for the
duplicate check). Every row is checked before anything can reach a message: a value that
could break a header, a bad address or referral code, a time that is no time. Such a row is
a problem at its line and is left out; the rows after it are read as usual, even after an
unclosed quote or a field far over any limit.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from generator.core.gitinfo import is_tracked
from generator.core.headers import ENCODED_WORD, readings
from generator.core.i18n import _, number
from generator.core.platformdb import MYSQL, POSTGRES
from generator.core.problems import Problem, Severity, UsageError
from generator.core.referral import is_reserved_name, is_valid_code
from generator.core.sections.members import MEMBER_COLUMNS
from generator.core.settings import Project
from generator.members.csvfile import Unreadable
from generator.members.origins import FileOrigin, Origin, QueryOrigin, Record, UrlOrigin
from generator.members.query import URL_VARIABLE, Query
from generator.members.remote import download, is_url, shown

REQUIRED = MEMBER_COLUMNS[:-1]
OPTIONAL = MEMBER_COLUMNS[-1:]  # unsubscribed_all_at
"""Known, but an export may leave it out: the time a member refused all mail (service too)."""
FILE_VARIABLE = "RUNDBRIEF_MEMBERS_FILE"
"""The members source when a command is given none: a file or an https:// URL."""
TIMES = ("opt_in_at", "confirmed_at", "unsubscribed_at", "unsubscribed_all_at")
MAX_FIELD = 1000
"""Longer values are no names or codes; they would only bloat headers and pages."""
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

    @property
    def consented(self) -> bool:
        """Whether the row shows a valid double opt-in: signed up, confirmed after it."""
        return (
            self.opt_in_at is not None
            and self.confirmed_at is not None
            and self.confirmed_at >= self.opt_in_at
        )


@dataclass(frozen=True)
class MembersFile:
    """Where the members are and how to read them: column headers, time zone, warnings.

    ``origin`` is a CSV file, a CSV export over HTTPS or a SQL query (``members/origins.py``);
    the rows of each pass the same checks.
    """

    origin: Origin
    display: str
    columns: Mapping[str, str] = field(default_factory=dict)
    timezone: str = "Europe/Berlin"
    warnings: tuple[Problem, ...] = ()
    """What is wrong with the source as a whole but does not stop reading it (tracked by git)."""

    def header(self, name: str) -> str:
        """The column header of field ``name``."""
        return self.columns.get(name, name)

    def stamp(self) -> tuple[int, int]:
        """Size and modification time of a file: a file changed between two readings is noticed."""
        return self.origin.stamp()

    def rows(self) -> Iterator[Member | Problem]:
        """Every data row as a Member, or as a Problem (error severity) naming its line.

        A member listed more than once (the same address, in any case) comes once, at their
        first row, with the most restrictive answer of all their rows (``strictest``); each
        later row is a problem. Raises Unreadable when the file cannot be read as a whole;
        rows already yielded must then be disregarded by the caller.
        """
        twice = self._listed_twice()
        merged = self._strictest(twice) if twice else {}
        given: set[str] = set()
        for item in self._members():
            if isinstance(item, Member) and item.key in merged:
                first = merged[item.key]
                if item.key in given:
                    yield Problem(
                        self.display,
                        item.row,
                        _(
                            "duplicate address {address}, first in row {row}; the most "
                            "restrictive of its rows counts"
                        ).format(address=item.email, row=first.row),
                    )
                    continue
                given.add(item.key)
                item = first
            yield item

    def _listed_twice(self) -> set[str]:
        """The addresses in more than one row: a quick first pass that only reads addresses.

        Holds every address once (about 100 bytes each: 20 MB for 200,000 members).
        """
        records = self._records()
        header = next(records)
        assert isinstance(header, _Header)
        column = header.fields["email"]
        seen: set[str] = set()
        twice: set[str] = set()
        for item in records:
            if isinstance(item, tuple) and isinstance(item[1], list) and column < len(item[1]):
                key = item[1][column].strip().casefold()
                (twice if key in seen else seen).add(key)
        return twice

    def _strictest(self, keys: set[str]) -> dict[str, Member]:
        """Each member of ``keys`` as their first row, restricted by every other row."""
        merged: dict[str, Member] = {}
        for item in self._members():
            if isinstance(item, Member) and item.key in keys:
                known = merged.get(item.key)
                merged[item.key] = item if known is None else strictest(known, item)
        return merged

    def _members(self) -> Iterator[Member | Problem]:
        """Every row checked on its own, in file order."""
        records = self._records()
        header = next(records)
        assert isinstance(header, _Header)
        zone = zoneinfo.ZoneInfo(self.timezone)
        for item in records:
            assert isinstance(item, tuple)
            line, values = item
            if isinstance(values, str):
                yield Problem(self.display, line, values)
                continue
            if not any(value.strip() for value in values):
                continue
            member = _member(line, header.columns, header.fields, values, zone)
            if isinstance(member, str):
                yield Problem(self.display, line, member)
                continue
            yield member

    def _records(self) -> Iterator[_Header | Record]:
        """First the header, then every record with its line (or why it is broken)."""
        with self.origin.table(self.display) as table:
            yield _Header(table.columns, self._fields(table.columns, table.header_line))
            yield from table.records

    def _fields(self, columns: list[str], line: int) -> dict[str, int]:
        """Field name → column index; Unreadable if a required column is missing."""
        index = {column: number for number, column in enumerate(columns)}
        missing = [self.header(name) for name in REQUIRED if self.header(name) not in index]
        if missing:
            raise Unreadable(
                Problem(
                    self.display,
                    line,
                    _(
                        "missing columns {missing} (found: {found}); export the members file "
                        "with these columns (handbook: members file)"
                    ).format(missing=", ".join(missing), found=", ".join(columns)),
                )
            )
        return {
            name: index[self.header(name)]
            for name in (*REQUIRED, *OPTIONAL)
            if self.header(name) in index
        }


@dataclass(frozen=True)
class _Header:
    """The columns of the file, and the column index of each field rundbrief knows."""

    columns: list[str]
    fields: dict[str, int]


def strictest(first: Member, other: Member) -> Member:
    """``first`` (its row, names and code) with every restriction ``other`` adds.

    Unsubscribed in either row: unsubscribed (the earlier time); without valid consent in
    either: without consent; in a segment only if both rows say so. The order of the rows
    makes no difference to who is mailed.
    """
    return replace(
        first,
        segments=first.segments & other.segments,
        confirmed_at=first.confirmed_at if first.consented and other.consented else None,
        unsubscribed_at=_earlier(first.unsubscribed_at, other.unsubscribed_at),
        unsubscribed_all_at=_earlier(first.unsubscribed_all_at, other.unsubscribed_all_at),
    )


def _earlier(one: dt.datetime | None, other: dt.datetime | None) -> dt.datetime | None:
    if one is None or other is None:
        return one or other
    return min(one, other)


def members_source(
    project: Project, given: Path | str | None = None, env: Mapping[str, str] | None = None
) -> MembersFile | None:
    """The members source as every command reads it; None if none is configured.

    The first that is given counts: ``given`` (the command's ``--members``), then
    RUNDBRIEF_MEMBERS_FILE, then ``members.query`` (against RUNDBRIEF_MEMBERS_DATABASE_URL), then
    ``review.members_file``. A file or an ``https://`` URL each; nothing is read yet.
    """
    env = os.environ if env is None else env
    value = given if given is not None else env.get(FILE_VARIABLE, "")
    settings = project.settings
    if not value and settings.members.query:
        query = Query(settings.members.query, "members.query", env.get(URL_VARIABLE, ""))
        return _source(
            project, QueryOrigin(query), _("query {setting}").format(setting=query.setting)
        )
    value = value or settings.review.members_file or ""
    if not value:
        return None
    if isinstance(value, str) and is_url(value):
        if value.partition(":")[0].lower() in (*POSTGRES, *MYSQL):
            raise UsageError(
                _(
                    "a database is read with members.query in rundbrief.yml; put its URL into "
                    "{variable}, not into --members or {file}"
                ).format(variable=URL_VARIABLE, file=FILE_VARIABLE)
            )
        return _source(project, UrlOrigin(download(value, env)), shown(value))
    path = Path(value).expanduser()
    if not path.is_absolute() and given is None:
        path = project.root / path  # a configured path is relative to the project
    return open_members(project, path)


def open_members(
    project: Project, source: Path | str | None = None, env: Mapping[str, str] | None = None
) -> MembersFile:
    """The members source as every command reads it: the one way to open it.

    A file (``Path``) is named as the user reads it (relative to the project if it lies
    inside), with a warning if git tracks it; a string is resolved by ``members_source``.
    Applies ``members.columns`` and ``timezone`` of the settings. Nothing is read yet:
    ``rows()`` streams the source, as often as a command needs. Raises UsageError if no source
    is configured.
    """
    if not isinstance(source, Path):
        found = members_source(project, source, env)
        if found is None:
            raise UsageError(
                _(
                    "no members source: give --members FILE or an https:// URL, set {variable}, "
                    "or write members.query into rundbrief.yml"
                ).format(variable=FILE_VARIABLE)
            )
        return found
    resolved = source.resolve()
    inside = resolved.is_relative_to(project.root.resolve())
    display = resolved.relative_to(project.root.resolve()).as_posix() if inside else str(source)
    warnings: tuple[Problem, ...] = ()
    if source.exists() and is_tracked(source):
        warnings = (
            Problem(
                display,
                0,
                _("the members file is tracked by git: keep member data out of git"),
                "warning",
            ),
        )
    return _source(project, FileOrigin(source), display, warnings)


def _source(
    project: Project, origin: Origin, display: str, warnings: tuple[Problem, ...] = ()
) -> MembersFile:
    settings = project.settings
    return MembersFile(origin, display, dict(settings.members.columns), settings.timezone, warnings)


def read_members(
    path: Path,
    display: str | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    timezone: str = "Europe/Berlin",
    row_severity: Severity = "error",
) -> tuple[list[Member], list[Problem]]:
    """Read a whole members file into a list (for tests and small files; commands stream).

    Problems of single rows carry ``row_severity``; a file that cannot be read at all gives
    one error problem and no members.
    """
    source = MembersFile(FileOrigin(path), display or str(path), columns or {}, timezone)
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
    if (
        UNSAFE.search(joined)
        or BIDI.search(joined)
        or ENCODED_WORD in joined
        or len(joined) > MAX_FIELD
    ):
        for column, value in zip(columns, record, strict=True):
            problem = value_problem(column, value)
            if problem:
                return problem
    known = {name: record[index] for name, index in fields.items()}
    email = known["email"]
    # An encoded word in an address would be decoded in the To header: another address shown.
    if not ADDRESS.fullmatch(email) or len(email) > 254 or ENCODED_WORD in email:
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
    """Why ``value`` may not go into a message (empty if it may).

    Encoded words (``=?utf-8?q?…?=``) are judged by what they decode to, as a header reads them.
    """
    found = _character_problem(column, value)
    if found:
        return found
    if len(value) > MAX_FIELD:
        return _("{column}: {count} characters, at most {limit} allowed").format(
            column=column, count=number(len(value)), limit=number(MAX_FIELD)
        )
    for text in readings(value)[1:]:
        found = _character_problem(column, text)
        if found:
            return _("{problem}, hidden in an encoded word (=?…?=)").format(problem=found)
    return ""


def _character_problem(column: str, text: str) -> str:
    unsafe = UNSAFE.search(text)
    if unsafe:
        return _("{column}: a line break or control character is not allowed ({char})").format(
            column=column, char=_describe(unsafe.group(0))
        )
    bidi = BIDI.search(text)
    if bidi:
        return _(
            "{column}: a character that changes the writing direction is not allowed ({char})"
        ).format(column=column, char=_describe(bidi.group(0)))
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
