"""The send state as its users see it: runs and their locks, recipients and their states.

``SendState`` is the seam between the send (and the report, and the suppression store) and the
database that keeps the state: ``journal.Journal`` keeps it in SQLite on one machine,
``postgres_journal.PostgresJournal`` in the PostgreSQL every sending machine shares.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from generator.core.i18n import _
from generator.core.output import process_running
from generator.core.problems import RundbriefError
from generator.feedback.sent import Sent

State = Literal["pending", "sending", "sent", "failed"]
STATES: tuple[State, ...] = ("pending", "sending", "sent", "failed")


class SendRunning(RundbriefError):
    """Another run of the same newsletter is sending right now."""


class AlreadySent(RundbriefError):
    """The same subject and text went out before under another file name."""


@dataclass(frozen=True)
class Entry:
    """One recipient's row."""

    recipient: str
    state: State
    message_id: str
    reply: str
    attempts: int


@dataclass(frozen=True)
class Run:
    """A run that holds the lock of its newsletter (not ended)."""

    id: int
    newsletter: str
    pid: int
    host: str
    process: str
    started_at: dt.datetime
    seen_at: dt.datetime
    holding: bool | None = None
    """Whether the run's database session holds the lock (the shared state knows; SQLite not)."""

    @property
    def here(self) -> bool:
        """Whether the run was started on this machine."""
        return self.host == socket.gethostname()

    @property
    def alive(self) -> bool | None:
        """Whether it still runs; None when it runs on another host and nobody can tell."""
        if self.holding is not None:
            return self.holding
        return process_alive(self.pid, self.process) if self.here else None


@dataclass(frozen=True)
class RunTimes:
    """When one run of a send started and ended, for the report's send durations."""

    newsletter: str
    started_at: str
    ended_at: str


class SendState(Protocol):
    """What the send, `status`, the report and the suppression store ask of the send state."""

    # -- runs and their lock --
    def begin_run(
        self,
        newsletter: str,
        *,
        commit: str,
        offline: bool = False,
        connections: int = 1,
        audience: str = "",
        audience_override: bool = False,
        content: str = "",
    ) -> int:
        """Take the newsletter's lock and record the run (SendRunning, AlreadySent)."""
        ...

    def end_run(self, run_id: int, outcome: str) -> None:
        """Release the lock, with one line on how the run ended."""
        ...

    def locks(self, newsletter: str) -> list[Run]:
        """The runs holding the newsletter's lock."""
        ...

    def release_lock(self, newsletter: str) -> list[Run]:
        """End the runs holding the lock that are not known to live; return them."""
        ...

    def offline_runs(self, newsletter: str) -> int:
        """How many runs checked the approval offline."""
        ...

    def audiences(self, newsletter: str) -> list[tuple[str, bool]]:
        """(audience, chosen with --audience) of the runs."""
        ...

    # -- recipients --
    def plan(self, newsletter: str, recipients: Iterable[tuple[str, str]], commit: str) -> None:
        """Add (recipient, Message-ID) rows as pending."""
        ...

    def claim(
        self, newsletter: str, recipients: list[str], commit: str, *, retry_uncertain: bool = False
    ) -> dict[str, str | Entry | None]:
        """Claim recipients for sending, committed before anything is sent."""
        ...

    def release(self, newsletter: str, recipients: Iterable[str]) -> None:
        """Return claimed recipients that were never handed over to pending."""
        ...

    def mark(
        self, newsletter: str, recipient: str, state: State, reply: str = "", commit: str = ""
    ) -> None:
        """Set one recipient's state."""
        ...

    def save(self) -> None:
        """Make every mark durable."""
        ...

    def states(self, newsletter: str, recipients: list[str]) -> dict[str, State]:
        """The state of each recipient that has a row."""
        ...

    def entries(self, newsletter: str) -> dict[str, Entry]:
        """Every row of the newsletter by recipient."""
        ...

    def counts(self, newsletter: str) -> dict[State, int]:
        """How many recipients are in each state."""
        ...

    def commits(self, newsletter: str) -> list[str]:
        """The commits the newsletter was sent from."""
        ...

    def sent_since(self, since: dt.datetime) -> int:
        """Messages of any newsletter handed over since ``since``."""
        ...

    def sent_to(self, addresses: Iterable[str]) -> Iterator[tuple[str, str, str]]:
        """(recipient, newsletter, sent_at) of every message that reached the relay."""
        ...

    # -- things done once (a review mail per commit and approver, a report mail per period) --
    def claim_once(self, kind: str, key: str) -> bool:
        """Claim ``(kind, key)`` for good, atomically; false when any run claimed it before."""
        ...

    def release_once(self, kind: str, key: str) -> None:
        """Give back a claim whose work failed, so that the next run does it."""
        ...

    # -- what each send left out, the members file's size, and the report's reads --
    def record_exclusions(self, newsletter: str, counts: Mapping[str, int]) -> None:
        """How many members the latest run left out, by reason."""
        ...

    def record_member_count(self, members: int, when: dt.datetime | None = None) -> None:
        """How many rows the members file has now."""
        ...

    def state_counts(self) -> list[tuple[str, str, int]]:
        """(newsletter, state, count) for every newsletter."""
        ...

    def failed_replies(self, newsletter: str) -> list[tuple[str, int]]:
        """(server reply, count) of the failed recipients."""
        ...

    def recipients_handed_over(self) -> Iterator[str]:
        """Every address a newsletter was (possibly) handed over for: sent or sending."""
        ...

    def sent(self, newsletter: str, address: str) -> Sent | None:
        """The row of ``address`` for ``newsletter`` if that message was handed over."""
        ...

    def sent_token(self, token: str) -> Sent | None:
        """The handed-over row whose message carried the VERP token ``token``."""
        ...

    def first_and_last(self, newsletter: str) -> tuple[str | None, str | None]:
        """When the first recipient was planned and the last one touched."""
        ...

    def run_times(self) -> list[RunTimes]:
        """The finished runs whose time counts."""
        ...

    def exclusions(self) -> list[tuple[str, str, int]]:
        """(newsletter, reason, count) of what each send left out."""
        ...

    def member_counts(self) -> list[tuple[str, int]]:
        """(when, rows) of every count of the members file."""
        ...

    def close(self) -> None:
        """Save and let go."""
        ...


def lock_refusal(run: Run) -> str:
    """Why a run is refused: who holds the lock, where, since when, how to release it."""
    if run.here or run.holding:
        return _(
            "another send of this newsletter is running (process {pid} on {host}, started "
            "{started} UTC); wait until it has finished, then run the command again: it sends "
            "only to whoever is left"
        ).format(pid=run.pid, host=run.host, started=run.started_at.isoformat()[:19])
    silent = dt.datetime.now(dt.UTC) - run.seen_at
    return _(
        "a send of this newsletter on {host} (process {pid}, started {started} UTC) holds the "
        "lock and has been silent for {minutes} minutes; if that run is gone for good, release "
        "the lock with `rundbrief status newsletters/{newsletter}.md --release-lock` and run again"
    ).format(
        host=run.host,
        pid=run.pid,
        started=run.started_at.isoformat()[:19],
        minutes=max(0, int(silent.total_seconds() // 60)),
        newsletter=run.newsletter,
    )


def process_token(pid: int) -> str:
    """What tells this process apart from a later one with the same id (its start time)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


def process_alive(pid: int, token: str) -> bool:
    """Whether the process that recorded ``token`` still runs."""
    if token and Path("/proc").is_dir():
        return process_token(pid) == token
    return process_running(pid)
