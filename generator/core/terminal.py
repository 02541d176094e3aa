"""Text from outside made safe to print and store: no terminal escape sequences, no controls."""

from __future__ import annotations

import re

ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, screen clears
    r"|\x1b[\]P^_X][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC (titles, links, clipboard), DCS…
    r"|\x1b[ -/]*[0-~]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # CSI as one C1 character
    r"|[\x90\x9d\x9e\x9f][^\x07\x9c]*[\x07\x9c]?"  # OSC, DCS… as C1 characters
)
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def plain(text: str) -> str:
    """``text`` on one line without escape sequences or control characters.

    A relay's reply (or anything else a server sends) is printed and stored: an OSC sequence
    in it could retitle the terminal, plant a link or write the clipboard.
    """
    return " ".join(CONTROLS.sub(" ", ESCAPES.sub("", text)).split())
