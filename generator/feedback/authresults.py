"""Whether our own receiving server found a message's From domain to pass DMARC (RFC 8601).

Anyone can write ``From: anna@example.org`` and add an ``Authentication-Results`` header of
their own. Only the topmost such header whose authserv-id is the one configured
(``feedback.authserv_id``: the name our receiving server signs its results with) is read:
our server adds its header above everything the sender wrote. A message without it, or with
any other result, is not verified.
"""

from __future__ import annotations

import re
from email.message import Message

COMMENT = re.compile(r"\([^()]*\)")
PROPERTY = re.compile(r"([a-z0-9_.-]+)\s*=\s*(\"[^\"]*\"|[^\s;]+)", re.IGNORECASE)


def _without_comments(value: str) -> str:
    for _ in range(10):  # nested comments, a few levels: enough for every real server
        value, found = COMMENT.subn(" ", value)
        if not found:
            break
    return value


def _ours(message: Message, authserv_id: str) -> list[str] | None:
    """The resinfos of the topmost header our server (``authserv_id``) wrote; None if none."""
    for header in message.get_all("Authentication-Results", []):
        text = " ".join(_without_comments(str(header)).split())
        first, _, rest = text.partition(";")
        if first.split(" ", 1)[0].lower() != authserv_id.lower():
            continue  # another server's results (or a forged one below ours): not ours to trust
        return rest.split(";")
    return None


def dmarc_pass(message: Message, authserv_id: str, domain: str) -> bool:
    """Whether our server (``authserv_id``) says ``domain`` passed DMARC for ``message``."""
    if not authserv_id or not domain:
        return False
    results = _ours(message, authserv_id) or []
    return any(_passes(result, domain.lower()) for result in results)


def verdicts(message: Message, authserv_id: str) -> dict[str, str] | None:
    """Method → result (``spf``: ``pass``…) of our server's topmost header; None without one.

    The first result of each method counts (a message signed twice has two dkim results).
    """
    if not authserv_id:
        return None
    results = _ours(message, authserv_id)
    if results is None:
        return None
    found: dict[str, str] = {}
    for result in results:
        pairs = PROPERTY.findall(result)
        if pairs:
            method, value = pairs[0]
            found.setdefault(method.lower(), value.strip('"').lower())
    return found


def _passes(result: str, domain: str) -> bool:
    """``dmarc=pass … header.from=domain`` in one resinfo."""
    found = {key.lower(): value.strip('"').lower() for key, value in PROPERTY.findall(result)}
    return found.get("dmarc") == "pass" and found.get("header.from") == domain
