"""One newsletter's message serialised once; per recipient only its values are filled in.

Building every message through Python's ``email`` package costs milliseconds (header
objects, folding, quoted-printable of the whole body); at 100,000 members that is the whole
send. ``MessageTemplate`` asks the ``email`` package once per newsletter for the bytes of a
message whose varying parts are stand-ins, keeps everything else as it is, and per
recipient produces only what changes: the To, Subject, Date, Message-ID and
List-Unsubscribe lines, and the body lines that hold a merge field, each encoded exactly as
the ``email`` package encodes it (quoted-printable works line by line; header lines that
need folding or RFC 2047 go through the ``email`` package itself). The bytes are the same
as ``build_message`` would give: a test parses and compares both for hostile values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy, quoprimime
from email.utils import format_datetime
from functools import lru_cache

from generator.core.headers import header_text
from generator.newsletter import merge
from generator.newsletter.email import RenderedEmail
from generator.newsletter.mime import (
    WIRE,
    build_message,
    list_unsubscribe,
    wire_bytes,
)

MAX_LINE = 78
"""Quoted-printable line length of the body parts (``policy.SMTP.max_line_length``)."""
_HEADER_LIMIT = WIRE.max_line_length or 998
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_PLAIN = re.compile(r"[!-~]+(?: [!-~]+)*")
"""Printable ASCII words separated by single spaces: a header value the email package leaves
as it is (unless it looks like an RFC 2047 encoded word)."""
_LINE_BREAK = re.compile(r"[\r\n]")

_STAND_IN = {
    "to": "rbftox@rundbrief.invalid",
    "subject": "rbfsubjectx",
    "message_id": "<rbfmidx@rundbrief.invalid>",
    "unsubscribe": "https://rundbrief.invalid/rbfunsubx?t=rbftokenx",
    "unsubscribe_mail": "mailto:rbfunsubx@rundbrief.invalid?subject=rbftokenx",
    "text": "rbftextbodyx",
    "html": "rbfhtmlbodyx",
}
_FIXED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def new_boundary() -> str:
    """A MIME boundary like the email package's; '==' never occurs in quoted-printable."""
    return "=" * 15 + str(secrets.randbelow(10**19)).rjust(19, "0") + "=="


@dataclass(frozen=True)
class _Line:
    """A body line that holds merge fields: quoted literals at even positions, field names at
    odd ones. Per recipient only the values are quoted, and the joined line is wrapped."""

    pieces: tuple[str, ...]
    last: bool


Chunk = bytes | _Line


_QUOTE = {
    byte: (quoprimime.quote(chr(byte)) if quoprimime.body_check(byte) else chr(byte))
    for byte in range(256)
}
"""Quoted-printable of each byte of a body, as ``quoprimime.body_encode`` quotes it."""
_QUOTE[ord("\r")], _QUOTE[ord("\n")] = "\r", "\n"


def _quote(text: str) -> str:
    return text.encode("utf-8").decode("latin-1").translate(_QUOTE)


class MessageTemplate:
    """The wire bytes of one newsletter for any recipient, built from a skeleton made once."""

    def __init__(self, email: RenderedEmail, boundary: str | None = None) -> None:
        self.email = email
        self.boundary = boundary or new_boundary()
        self.fast = not any("\r" in part for part in (*email.html_parts, *email.text_parts))
        self._text = _compile_body(email.text_parts)
        self._html = _compile_body(email.html_parts)
        # One skeleton per way of unsubscribing (one-click endpoint, or the prepared email):
        # their List-Unsubscribe and List-Unsubscribe-Post headers differ.
        self._frames = {
            True: self._skeleton(_STAND_IN["unsubscribe"]),
            False: self._skeleton(_STAND_IN["unsubscribe_mail"]),
        }

    def _skeleton(self, unsubscribe: str) -> tuple[bytes, ...]:
        """The message with stand-ins, cut around them: 8 static pieces of bytes."""
        stand_in = dataclasses.replace(
            self.email,
            subject_parts=(_STAND_IN["subject"],),
            text_parts=(_STAND_IN["text"],),
            html_parts=(_STAND_IN["html"],),
        )
        data = self._slow(
            stand_in,
            to=_STAND_IN["to"],
            values={"unsubscribe_url": unsubscribe},
            message_id=_STAND_IN["message_id"],
            date=_FIXED_DATE,
        )
        cuts = [
            f"To: {_STAND_IN['to']}\r\n",
            f"Subject: {_STAND_IN['subject']}\r\n",
            f"Date: {format_datetime(_FIXED_DATE)}\r\n",
            f"Message-ID: {_STAND_IN['message_id']}\r\n",
            f"List-Unsubscribe: {list_unsubscribe(self.email.unsubscribe_mailto, unsubscribe)[0]}\r\n",
            f"{_STAND_IN['text']}\r\n",
            f"{_STAND_IN['html']}\r\n",
        ]
        pieces = []
        rest = data
        for cut in cuts:
            before, found, rest = rest.partition(cut.encode("ascii"))
            if not found:  # the email package wrote it differently: build these slowly
                return ()
            pieces.append(before)
        pieces.append(rest)
        return tuple(pieces)

    def render(
        self,
        *,
        to: str,
        values: Mapping[str, str],
        message_id: str,
        date: dt.datetime | None = None,
    ) -> bytes:
        """The message for one recipient, byte for byte what ``build_message`` gives."""
        date = date or dt.datetime.now(dt.UTC)
        message_id = message_id if message_id.startswith("<") else f"<{message_id}>"
        used = [values[name] for name in self.email.fields]
        if not self.fast or any(_LINE_BREAK.search(value) for value in (to, message_id, *used)):
            # Rare (or hostile) values: the email package decides, and refuses line breaks.
            return self._slow(self.email, to=to, values=values, message_id=message_id, date=date)
        subject = merge.fill(self.email.subject_parts, values, escape=False)
        unsubscribe, one_click = list_unsubscribe(
            self.email.unsubscribe_mailto, values["unsubscribe_url"]
        )
        escaped = {name: html.escape(values[name], quote=True) for name in self.email.fields}
        frame = self._frames[one_click]
        if not frame:  # (the email package wrote this kind differently: build it slowly)
            return self._slow(self.email, to=to, values=values, message_id=message_id, date=date)
        return b"".join(
            (
                frame[0],
                _address_line("To", to),
                frame[1],
                _header_line("Subject", subject),
                frame[2],
                _header_line("Date", format_datetime(date)),
                frame[3],
                _header_line("Message-ID", message_id),
                frame[4],
                _header_line("List-Unsubscribe", unsubscribe),
                frame[5],
                _body(self._text, values),
                frame[6],
                _body(self._html, escaped),
                frame[7],
            )
        )

    def _slow(
        self,
        email: RenderedEmail,
        *,
        to: str,
        values: Mapping[str, str],
        message_id: str,
        date: dt.datetime,
    ) -> bytes:
        message = build_message(email, to=to, values=values, message_id=message_id, date=date)
        message.set_boundary(self.boundary)
        return wire_bytes(message)


def _compile_body(parts: merge.Parts) -> tuple[Chunk, ...]:
    """The body as encoded static lines and lines to fill in, as ``_encode_text`` splits it.

    The email package encodes ``"\\n".join(lines) + "\\n"`` line by line: a line without a
    merge field comes out the same for everyone and is encoded here, once.
    """
    lines: list[list[str]] = [[""]]
    for index, part in enumerate(parts):
        if index % 2:
            lines[-1] += [part, ""]
            continue
        first, *others = part.split("\n")
        lines[-1][-1] += first
        lines += [[other] for other in others]
    if len(lines) > 1 and lines[-1] == [""]:
        lines.pop()  # a body ending in a line break has no empty last line
    chunks: list[Chunk] = []
    for number, pieces in enumerate(lines):
        if len(pieces) == 1:
            encoded = _encode_line(pieces[0])
            if chunks and isinstance(chunks[-1], bytes):
                chunks[-1] += encoded
            else:
                chunks.append(encoded)
        else:
            quoted = (p if index % 2 else _quote(p) for index, p in enumerate(pieces))
            chunks.append(_Line(tuple(quoted), last=number == len(lines) - 1))
    return tuple(chunks)


def _body(chunks: tuple[Chunk, ...], values: Mapping[str, str]) -> bytes:
    out = []
    quoted: dict[str, str] = {}
    for chunk in chunks:
        if isinstance(chunk, bytes):
            out.append(chunk)
            continue
        pieces = list(chunk.pieces)
        for index in range(1, len(pieces), 2):
            name = pieces[index]
            if name not in quoted:
                quoted[name] = _quote(values[name])
            pieces[index] = quoted[name]
        line = "".join(pieces)
        if not (chunk.last and not line and len(chunks) > 1):
            out.append(_wrap(line))
    return b"".join(out)


def _encode_line(line: str) -> bytes:
    """One body line in quoted-printable at 78 characters, with CRLF line ends."""
    return _wrap(_quote(line))


def _wrap(line: str) -> bytes:
    """A quoted line broken into lines of at most 78 characters, as ``body_encode`` does.

    The same steps as ``email.quoprimime.body_encode`` after quoting (a test holds the bytes
    equal to the email package's): soft breaks never split an ``=XX``, and a space or tab at
    the end of the line is quoted or moved behind a soft break.
    """
    out = []
    start = 0
    last_start = len(line) - 1 - MAX_LINE
    width = MAX_LINE - 1
    while start <= last_start:
        stop = start + width
        if line[stop - 2] == "=":
            out.append(line[start : stop - 1])
            start = stop - 2
        elif line[stop - 1] == "=":
            out.append(line[start:stop])
            start = stop - 1
        else:
            out.append(line[start:stop] + "=")
            start = stop
    if line and line[-1] in " \t":
        room = start - last_start
        if room >= 3:
            rest = quoprimime.quote(line[-1])
        elif room == 2:
            rest = line[-1] + "=\r\n"
        else:
            rest = "=\r\n" + quoprimime.quote(line[-1])
        out.append(line[start:-1] + rest)
    else:
        out.append(line[start:])
    return ("\r\n".join(out) + "\r\n").encode("ascii")


def _header_line(name: str, value: str) -> bytes:
    value = header_text(name, value)  # the one check, before any fast path
    if (
        value.isascii()
        and _PLAIN.fullmatch(value)
        and "=?" not in value
        and len(name) + 2 + len(value) <= _HEADER_LIMIT
    ):
        return f"{name}: {value}\r\n".encode("ascii")
    return _folded(name, value)


def _address_line(name: str, address: str) -> bytes:
    address = header_text(name, address)
    if _DOT_ATOM_ADDRESS.fullmatch(address) and len(name) + 2 + len(address) <= _HEADER_LIMIT:
        return f"{name}: {address}\r\n".encode("ascii")
    return _folded(name, address)


@lru_cache(maxsize=4096)
def _folded(name: str, value: str) -> bytes:
    """A header line as the email package folds and encodes it (cached: names repeat)."""
    header = policy.SMTP.header_store_parse(name, value)[1]
    return WIRE.fold_binary(name, header)
