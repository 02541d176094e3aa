"""Opening one mailbox message within limits: size, MIME depth and part count.

Anyone can write to the feedback mailbox, so a message is read only when it is small and
flat enough to be harmless: the email package parses nested parts recursively (a 68 KB
message nested 1,000 levels deep raises RecursionError) and the bounce detectors read every
part dozens of times. A message over a limit is not parsed at all; it goes to quarantine.
"""

from __future__ import annotations

import email
import re
from email.message import Message
from typing import Literal

MAX_SIZE = 10_000_000
"""Bytes (RFC822.SIZE): a real bounce returns at most the headers or a truncated message."""
MAX_DEPTH = 12
"""MIME nesting levels: a DSN quoting a forwarded message is about five deep."""
MAX_PARTS = 200
"""MIME parts of all levels together."""
CONTAINER = re.compile(rb"^content-type:[ \t]*(?:multipart|message)/", re.IGNORECASE | re.MULTILINE)
"""A header line opening a nested part (counted before parsing, so parsing stays bounded)."""
_SHORTEST = len(b"content-type:message/")
"""The fewest bytes a CONTAINER line takes: a message shorter than MAX_PARTS of them cannot hold
more (most bounces are 2 KB: the count, a tenth of parsing them, is skipped)."""


QuarantineReason = Literal["size", "parts", "depth", "unparsable", "error"]
"""Why a message went to quarantine: over a limit, not parseable, or classification failed."""


class Refused(Exception):
    """The message is over a limit or cannot be parsed."""

    def __init__(self, reason: QuarantineReason) -> None:
        super().__init__(reason)
        self.reason: QuarantineReason = reason


def open_message(raw: bytes) -> Message:
    """Parse ``raw`` (compat32) if it is within the limits; raise Refused otherwise."""
    if len(raw) > MAX_SIZE:
        raise Refused("size")
    # Every nested level needs its own Content-Type line: counting them bounds the parser.
    if len(raw) > MAX_PARTS * _SHORTEST and len(CONTAINER.findall(raw)) > MAX_PARTS:
        raise Refused("parts")
    try:
        message = email.message_from_bytes(raw)
    except Exception as error:  # noqa: BLE001 - the parser's failures are the sender's doing
        raise Refused("unparsable") from error
    check_shape(message)
    return message


def check_shape(message: Message) -> None:
    """Raise Refused when ``message`` is nested deeper or has more parts than allowed."""
    parts = 0
    stack: list[tuple[Message, int]] = [(message, 1)]
    while stack:  # by hand, not walk(): walk() recurses
        part, depth = stack.pop()
        parts += 1
        if depth > MAX_DEPTH:
            raise Refused("depth")
        if parts > MAX_PARTS:
            raise Refused("parts")
        if part.is_multipart():  # (a leaf's get_payload() would read its headers and body)
            children = part.get_payload()
            stack.extend((child, depth + 1) for child in children if isinstance(child, Message))
