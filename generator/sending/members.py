"""The members file: a CSV export from the platform, read into validated rows."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from generator.core.i18n import _, number
from generator.core.problems import Problem, Severity
from generator.core.referral import is_valid_code

REQUIRED = (
    "email",
    "first_name",
    "last_name",
    "referral_code",
    "segments",
    "opt_in_at",
    "confirmed_at",
    "unsubscribed_at",
)
MAX_FIELD = 1000
"""Longer values are no names or codes; they would only bloat headers and pages."""

ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
"""A deliberately plain address: what the platform's sign-up accepts, nothing exotic."""
SEGMENT_SEPARATORS = re.compile(r"[\s,;|]+")


@dataclass(frozen=True)
class Member:
    """One row of the members file, checked: safe to put into a message."""

    row: int
    email: str
    first_name: str
    last_name: str
    referral_code: str
    segments: frozenset[str]
    opt_in_at: str
    confirmed_at: str
    unsubscribed_at: str
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def key(self) -> str:
        """The address as the journal and duplicate checks compare it."""
        return self.email.lower()


def read_members(
    path: Path, display: str | None = None, *, row_severity: Severity = "error"
) -> tuple[list[Member], list[Problem]]:
    """Read and check a members file; rows with problems are left out and reported.

    A file that cannot be read as a whole (encoding, missing columns) gives error
    problems and no members. Problems of single rows carry ``row_severity``: `send`
    passes "warning" to exclude and count them, `kits` keeps "error" to stop.
    """
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return [], [
            Problem(
                name, 0, _("cannot read the members file: {reason}").format(reason=error.strerror)
            )
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return [], [Problem(name, line, _("not UTF-8 text; export the members file as UTF-8"))]
    rows = _records(text)
    if not rows:
        return [], [Problem(name, 1, _("the members file is empty"))]
    header_line, header = rows[0]
    columns = [column.strip() for column in header]
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        found = ", ".join(columns)
        return [], [
            Problem(
                name,
                header_line,
                _("missing columns {missing} (found: {found})").format(
                    missing=", ".join(missing), found=found
                ),
            )
        ]
    members: list[Member] = []
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    for line, values in rows[1:]:
        if not any(value.strip() for value in values):
            continue
        member, message = _member(line, columns, values)
        if member is not None and member.key in first_row:
            message = _("duplicate address {address}, first in row {row}").format(
                address=member.email, row=first_row[member.key]
            )
        if member is None or message:
            problems.append(Problem(name, line, message, row_severity))
            continue
        first_row[member.key] = line
        members.append(member)
    return members, problems


def _records(text: str) -> list[tuple[int, list[str]]]:
    """Each CSV record with the file line it starts on (quoted fields may span lines)."""
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for values in reader:
            records.append((start, values))
            start = reader.line_num + 1
    except csv.Error:
        # An unclosed quote swallows the rest of the file: keep what was read before it.
        records.append((start, ["\x00unclosed quote"]))
    return records


def _member(line: int, columns: list[str], values: list[str]) -> tuple[Member | None, str]:
    if values == ["\x00unclosed quote"]:
        return None, _("a quote opened in this row is never closed")
    if len(values) != len(columns):
        return None, _("expected {expected} fields, found {found}").format(
            expected=len(columns), found=len(values)
        )
    record = {column: value.strip() for column, value in zip(columns, values, strict=True)}
    for column, value in record.items():
        if any(char in value for char in "\r\n\x00"):
            return None, _("{column}: a line break or control character is not allowed").format(
                column=column
            )
        if len(value) > MAX_FIELD:
            return None, _("{column}: {count} characters, at most {limit} allowed").format(
                column=column, count=number(len(value)), limit=number(MAX_FIELD)
            )
    email = record["email"]
    if not ADDRESS.fullmatch(email) or len(email) > 254:
        return None, _("invalid address {address}").format(address=repr(email))
    code = record["referral_code"]
    if not is_valid_code(code):
        return None, _(
            "referral code {code} is not plain ASCII letters, digits, '-' or '_'"
        ).format(code=repr(code))
    extra = {column: value for column, value in record.items() if column not in REQUIRED}
    member = Member(
        row=line,
        email=email,
        first_name=record["first_name"],
        last_name=record["last_name"],
        referral_code=code,
        segments=frozenset(s for s in SEGMENT_SEPARATORS.split(record["segments"]) if s),
        opt_in_at=record["opt_in_at"],
        confirmed_at=record["confirmed_at"],
        unsubscribed_at=record["unsubscribed_at"],
        extra=MappingProxyType(extra),
    )
    return member, ""
