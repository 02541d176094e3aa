"""The one door for header values that can hold member data: nothing in them may break a line.

Python's ``email`` package decodes RFC 2047 encoded words (``=?utf-8?q?…?=``, any charset,
any case, even glued to other text) when a header value is set, and writes what they decode
to: a first name ``=?utf-8?q?X=0D=0ABcc=3A…?=`` would become a real ``Bcc:`` line. So a value
is judged as the email package reads it, after decoding, not as it was typed.
"""

from __future__ import annotations

import re
from email import policy
from email.header import Header

from generator.core.i18n import _
from generator.core.problems import RundbriefError

BREAKING = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
"""Control characters (a tab excepted: it is folding white space) and the Unicode line and
paragraph separators: each can end a header line somewhere between here and a mail client."""
ENCODED_WORD = "=?"
"""What every encoded word starts with; a value without it is read as it is."""
MAX_READINGS = 4
"""Decoded text may hold encoded words again; a few rounds show everything any reader sees."""


class HeaderInjection(RundbriefError):
    """A header value holds a line break: the message is refused, never built."""


def readings(value: str, name: str = "subject") -> list[str]:
    """``value`` as typed, and as each further round of decoding its encoded words reads it."""
    found = [value]
    while ENCODED_WORD in found[-1] and len(found) < MAX_READINGS:
        try:
            decoded = str(policy.SMTP.header_factory(name, found[-1]))
        except Exception:  # noqa: BLE001 - a value the email package cannot read is refused
            decoded = "\x00"
        if decoded == found[-1]:
            break
        found.append(decoded)
    return found


def hidden_break(value: str, name: str = "subject") -> str | None:
    """The first line-breaking character in ``value`` or in what it decodes to, or None."""
    for text in readings(value, name):
        found = BREAKING.search(text)
        if found:
            return found.group(0)
    return None


def header_text(name: str, value: str) -> str:
    """``value`` for header ``name``; HeaderInjection if it could break a line.

    Returned unchanged, unless it holds something that reads as an encoded word the email
    package cannot fold back (``¡=?x-unbekannt?q?=C3=A4?=`` in a member's name): then as
    UTF-8 encoded words of its own, which every reader shows as the literal text.
    """
    if hidden_break(value, name) is not None:
        raise HeaderInjection(
            _(
                "refusing a line break in the {name} header; remove the line break from"
                " the value (subject, name or address)"
            ).format(name=name)
        )
    if ENCODED_WORD in value and not _folds(name, value):
        return Header(value, "utf-8", header_name=name).encode().replace("\n ", " ")
    return value


def _folds(name: str, value: str) -> bool:
    """Whether the email package can write ``value`` as header ``name`` (it raises on some)."""
    try:
        policy.SMTP.fold_binary(name, policy.SMTP.header_store_parse(name, value)[1])
    except (UnicodeError, ValueError, LookupError, IndexError, TypeError):
        return False
    return True
