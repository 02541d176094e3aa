"""One line of `rundbrief doctor`: what was checked, how it stands, and the next step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "fail", "hint", "skip"]
"""ok: fine; fail: blocks a send; hint: worth doing, does not block; skip: not configured."""

MARKS: dict[Status, str] = {"ok": "✓", "fail": "✗", "hint": "!", "skip": "–"}


@dataclass(frozen=True)
class Finding:
    """The result of one check; ``fix`` names the variable, setting or record to change."""

    status: Status
    topic: str
    message: str
    fix: str = ""

    @property
    def blocks(self) -> bool:
        """Whether a send cannot go out like this."""
        return self.status == "fail"


def ok(topic: str, message: str) -> Finding:
    """A check that passed."""
    return Finding("ok", topic, message)


def fail(topic: str, message: str, fix: str) -> Finding:
    """A check that blocks a send, with the next step."""
    return Finding("fail", topic, message, fix)


def hint(topic: str, message: str, fix: str = "") -> Finding:
    """Advice that does not block a send."""
    return Finding("hint", topic, message, fix)


def skip(topic: str, message: str) -> Finding:
    """A check with nothing to check (not configured)."""
    return Finding("skip", topic, message)
