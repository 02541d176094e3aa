"""Scheduled sends: which approved newsletters on the remote's main are due now.

``rundbrief send --due`` (run by the scheduled workflow every 15 minutes) asks ``schedule``
for the newsletters main holds with ``status: approved`` and a ``send_at``, and what the send
state knows of each. A newsletter is *due* when its time has passed and its send is not
complete: never started, or started with recipients still pending (interrupted, capped,
deferred). Nothing happens by itself later than ``sending.due_window`` hours after its time: a
newsletter scheduled days ago is old news. One never started is then reported as *missed*; one
with recipients still open as *stalled* (every resume also takes in whoever joined since).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from generator.core import gitinfo
from generator.core.problems import Problem
from generator.core.settings import Project
from generator.core.sources import SourceFile
from generator.newsletter.source import parse_newsletter
from generator.sending.state import SendState

Verdict = Literal["waiting", "due", "resume", "complete", "missed", "stalled"]


@dataclass(frozen=True)
class Scheduled:
    """One approved newsletter with a send time, as main holds it, and what is to be done."""

    rel: str
    slug: str
    subject: str
    at: dt.datetime
    """Its ``send_at`` in the settings' time zone."""
    line: int
    verdict: Verdict
    pending: int = 0
    """Recipients the send state still has open."""

    def path(self, project: Project) -> Path:
        """The newsletter's file in the work tree (the gate checks it is as on main)."""
        return project.root / self.rel


@dataclass
class Schedule:
    """Every scheduled newsletter on main, sorted by time, and the problems of reading them."""

    items: list[Scheduled] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def of(self, *verdicts: Verdict) -> list[Scheduled]:
        """The newsletters with one of ``verdicts``, the earliest first."""
        return [item for item in self.items if item.verdict in verdicts]


def schedule(
    project: Project, main: gitinfo.ApprovedMain, state: SendState | None, now: dt.datetime
) -> Schedule:
    """The approved newsletters with ``send_at`` on ``main`` and the verdict on each at ``now``."""
    found = Schedule()
    folder = project.newsletters_dir.relative_to(project.root).as_posix()
    for rel, text in sorted(gitinfo.texts_at(project.root, main.commit, folder, ".md").items()):
        newsletter, problems = parse_newsletter(SourceFile(project.root / rel, rel, text))
        if newsletter is None or not newsletter.approved:
            continue  # (a draft is not sent, whatever its send_at says)
        # A broken send_at (main's checks should have refused it) is not "no send_at".
        found.problems += [p for p in problems if p.message.startswith("send_at:")]
        at = newsletter.send_time(project.settings.timezone)
        if at is None:
            continue
        counts = state.counts(newsletter.slug) if state is not None else {}
        window = dt.timedelta(hours=project.settings.sending.due_window)
        pending = counts.get("pending", 0)
        found.items.append(
            Scheduled(
                rel,
                newsletter.slug,
                newsletter.subject,
                at,
                newsletter.document.line_of("send_at"),
                _verdict(at, now, window, sum(counts.values()), pending),
                pending,
            )
        )
    found.items.sort(key=lambda item: (item.at, item.rel))
    return found


def _verdict(
    at: dt.datetime, now: dt.datetime, window: dt.timedelta, rows: int, pending: int
) -> Verdict:
    if at > now:
        return "waiting"
    late = now - at > window
    if rows:
        return ("stalled" if late else "resume") if pending else "complete"
    return "missed" if late else "due"
