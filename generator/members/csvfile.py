"""CSV records with the line each starts on: a broken record never swallows the rows after it.

Python's csv reader, fed line by line, lets a quote that never closes run on to the end of the
file. Here a record may span at most ``MAX_RECORD_LINES`` lines and ``MAX_RECORD_CHARS``
characters; a record that cannot be parsed is a message at its first line, and reading goes on
with the line after that one, so every later row is read as if the broken one were not there.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator

from generator.core.i18n import _, number
from generator.core.problems import Problem

MAX_RECORD_LINES = 20
"""A quoted field may span lines; a record running on longer has a quote that never closes."""
MAX_RECORD_CHARS = 65_536
"""Below Python's csv field limit (131,072), so a giant field is our problem at its row."""


class Unreadable(Exception):
    """The file as a whole cannot be read (missing, not UTF-8, no header, missing columns)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


class Lines:
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


def records(lines: Lines, delimiter: str) -> Iterator[tuple[int, list[str] | str]]:
    """Each CSV record with the line it starts on, or a message for a record that is broken.

    A broken record (a quote never closed, a field far too long, a NUL byte) is reported at
    its first line, and reading goes on with the line after it: nothing is swallowed. So is a
    record whose quote closes only in a later line when one of the lines it took is a whole
    row by itself (a stray quote would swallow that row); otherwise it is one value with a line
    break, as Excel writes a cell, returned whole (and refused at its row by the caller).
    """
    width = 0  # fields of the header: the first record
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
            if len(consumed) > 1 and any(_width(t, delimiter) == width for _, t in consumed[1:]):
                yield (
                    consumed[0][0],
                    _(
                        "a quote opened in this row closes only in row {row}; a value may not "
                        "span rows"
                    ).format(row=consumed[-1][0]),
                )
                lines.give_back(consumed[1:])
                break
            width = width or len(values)
            yield consumed[0][0], values


def _width(line: str, delimiter: str) -> int:
    """How many fields ``line`` has as a record of its own (0 if it is none)."""
    try:
        return len(next(csv.reader([line], delimiter=delimiter, strict=True), []))
    except csv.Error:
        return 0


def _feed(lines: Lines, consumed: list[tuple[int, str]]) -> Iterator[str]:
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
