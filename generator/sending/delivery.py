"""Delivering a checked plan: each recipient claimed in the journal, then handed over.

The members file is streamed (nobody's list is held in memory). With ``connections`` > 1
several SMTP connections send at once, each in its own thread with its own transport;
the journal stays in the main thread, its single writer: a recipient is claimed there
(committed as 'sending') before it is handed to a connection, and its outcome is recorded
there when the connection reports back.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.i18n import N_, _, number
from generator.core.problems import RundbriefError, UsageError
from generator.members.recipients import recipients
from generator.members.source import Member
from generator.members.values import MemberValues
from generator.members.verp import return_path
from generator.sending.send import Plan, message_id
from generator.sending.state import SendState
from generator.sending.transport import (
    Deferred,
    Outgoing,
    RecipientFailed,
    Transport,
    TransportStopped,
    Uncertain,
)

GIVE_UP_AFTER = 600.0
"""Seconds of nothing but temporary refusals (4xx) after which a run stops: the relay is stuck."""


def give_up_after(env: dict[str, str] | None = None) -> float:
    """GIVE_UP_AFTER, or RUNDBRIEF_SMTP_GIVE_UP seconds (tests make it short)."""
    value = (os.environ if env is None else env).get("RUNDBRIEF_SMTP_GIVE_UP", str(GIVE_UP_AFTER))
    try:
        return float(value)
    except ValueError:
        raise UsageError(
            _(
                "RUNDBRIEF_SMTP_GIVE_UP: expected seconds, got '{value}'; set a number "
                "of seconds or leave it empty"
            ).format(value=value)
        ) from None


@dataclass
class Outcome:
    """What one run did, for the summary."""

    total: int = 0
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    uncertain: int = 0
    already_sent: int = 0
    failed_before: int = 0
    stopped: str = ""
    capped: bool = False
    failures: list[str] = field(default_factory=list)
    plan: Plan | None = None
    """What was sent (set by ``pipeline.send``)."""
    outbox: Path | None = None
    """The folder a dry run wrote to."""
    tests: tuple[tuple[str, str], ...] = ()
    """(address, server reply) of each test copy."""

    @property
    def attempted(self) -> int:
        """Messages this run tried to hand over."""
        return self.sent + self.failed + self.deferred

    def summary(self) -> str:
        """One line: sent, skipped, failed, uncertain."""
        parts = [_("{count} sent").format(count=number(self.sent))]
        for count, text in (
            (self.already_sent, N_("{count} already sent before")),
            (self.failed, N_("{count} failed")),
            (self.failed_before, N_("{count} failed in an earlier run")),
            (self.deferred, N_("{count} deferred (temporary failures, run again)")),
            (self.uncertain, N_("{count} uncertain (see --retry-uncertain)")),
        ):
            if count:
                parts.append(_(text).format(count=number(count)))
        return ", ".join(parts)


@dataclass(frozen=True)
class _Task:
    member: Member
    outgoing: Outgoing


@dataclass(frozen=True)
class _Result:
    member: Member
    kind: str  # sent | failed | deferred | uncertain | stopped | unsent
    reply: str = ""


def envelope_sender(plan: Plan, message_id: str) -> str:
    """The envelope sender (Return-Path) of the message ``message_id``: where bounces go.

    With ``newsletter.bounce_address`` it is the message's own VERP address (its token names
    the journal row), so that a bounce names the member and the newsletter even when the report
    itself is garbled.
    """
    settings = plan.project.settings.newsletter
    verp = return_path(settings, plan.secret, message_id)
    return verp or plan.email.from_address


class FileChanged(RundbriefError):
    """The members file changed between counting and sending."""


def deliver(
    plan: Plan,
    connect: Callable[[], Transport],
    journal: SendState | None,
    *,
    connections: int = 1,
    rate: float | None = None,
    max_per_hour: int | None = None,
    retry_uncertain: bool = False,
    give_up_after: float = GIVE_UP_AFTER,
    progress: Callable[[int], None] = lambda n: None,
    started: Callable[[int], None] = lambda n: None,
) -> Outcome:
    """Send to every recipient not yet done; the journal is written before and after each."""
    run = _Run(plan, journal, connections, rate, retry_uncertain, give_up_after, progress)
    run_id = None
    if journal is not None:
        run_id = journal.begin_run(
            plan.newsletter.slug,
            commit=plan.commit,
            offline=plan.offline,
            connections=connections,
            audience=plan.audience.segment,
            audience_override=plan.audience_override,
            content=plan.content,
        )
    try:
        if journal is not None:
            _unchanged(plan)
            journal.plan(
                plan.newsletter.slug,
                ((member.key, message_id(plan)) for member in _recipients(plan)),
                plan.commit,
            )
            counts = journal.counts(plan.newsletter.slug)
            started(counts["pending"] + (counts["sending"] if retry_uncertain else 0))
        else:
            started(plan.selection.recipients)
        run.budget = _hourly_budget(journal, max_per_hour)
        _unchanged(plan)
        if run.connections > 1:
            run.threaded(connect)
        else:
            run.inline(connect())
    except KeyboardInterrupt:
        run.outcome.stopped = _("interrupted")
        raise
    finally:
        if journal is not None and run_id is not None:
            # Claimed but never handed over (Ctrl-C while waiting for --rate or a connection):
            # nobody can have received these, they are not uncertain.
            journal.release(plan.newsletter.slug, sorted(run.waiting))
            journal.end_run(run_id, run.outcome.stopped or run.outcome.summary())
    return run.outcome


def _recipients(plan: Plan) -> Iterator[Member]:
    assert plan.source is not None
    return recipients(plan.source, plan.audience)


def _unchanged(plan: Plan) -> None:
    assert plan.source is not None
    if plan.source.stamp() != plan.stamp:
        raise FileChanged(
            _(
                "the members file {path} changed after it was checked; nothing was sent, run "
                "the command again"
            ).format(path=plan.source.display)
        )


def _hourly_budget(journal: SendState | None, max_per_hour: int | None) -> int | None:
    if max_per_hour is None:
        return None
    hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    return max(0, max_per_hour - (journal.sent_since(hour_ago) if journal else 0))


class _Run:
    """One delivery run: claims, hand-over, outcomes; all journal writes in this thread."""

    def __init__(
        self,
        plan: Plan,
        journal: SendState | None,
        connections: int,
        rate: float | None,
        retry_uncertain: bool,
        give_up_after: float,
        progress: Callable[[int], None],
    ) -> None:
        self.plan = plan
        self.slug = plan.newsletter.slug
        self.journal = journal
        # No more connections than recipients: each one is a login at the relay.
        self.connections = max(1, min(connections, plan.selection.recipients))
        self.rate = rate
        self.retry_uncertain = retry_uncertain
        self.give_up_after = give_up_after
        self.progress = progress
        self.values = MemberValues(
            plan.project.settings, campaign=plan.newsletter.utm_campaign, secret=plan.secret
        )
        self.outcome = Outcome(total=plan.selection.recipients)
        self.budget: int | None = None
        self.handed = 0
        self.paced = 0
        self.busy = 0
        self.begin = time.monotonic()
        self.last_sent = self.begin
        self.waiting: set[str] = set()
        """Recipients claimed in the journal whose message has not yet been handed over."""

    # -- the two ways of sending --------------------------------------------------------

    def inline(self, transport: Transport) -> None:
        """One connection: claim, send, record, one recipient after the other."""
        try:
            for batch in self._batches(lambda: 1):
                for task in self._claim(batch):
                    self._pace()
                    self._record(self._hand_over(transport, task))
                    if self.outcome.stopped:
                        return
        finally:
            transport.close()

    def threaded(self, connect: Callable[[], Transport]) -> None:
        """Several connections: the main thread claims and records, workers send."""
        tasks: queue.Queue[_Task | None] = queue.Queue()
        results: queue.Queue[_Result] = queue.Queue()
        stop = threading.Event()
        # The first connection is made here, before the others: a wrong password or an
        # untrusted certificate stops the run after one login, not after one per thread.
        first = connect()
        try:
            first.open()
        except TransportStopped as error:
            first.close()
            self.outcome.stopped = str(error)
            return
        transports = [first, *(connect() for _ in range(self.connections - 1))]
        workers = [
            threading.Thread(
                target=_work, args=(transport, tasks, results, stop, self.waiting), daemon=True
            )
            for transport in transports
        ]
        for worker in workers:
            worker.start()
        # Claimed and waiting: one task per connection beyond those in flight, so a connection
        # that finishes finds its next message ready instead of waiting for a claim's disk
        # sync, and claims go to disk in batches. (Under --rate each message waits for its
        # turn before it is claimed.) After a crash at most two recipients per connection
        # are uncertain: the one in flight and the one waiting.
        ahead = 0 if self.rate else self.connections
        capacity, batch_size = self.connections + ahead, max(1, ahead)
        self.busy = 0
        try:
            for batch in self._batches(lambda: capacity - self.busy):
                for task in self._claim(batch):
                    self._pace()
                    tasks.put(task)
                    self.busy += 1
                # Wait until a whole batch fits (or take whatever result is already there).
                while self.busy and (capacity - self.busy < batch_size or not results.empty()):
                    self._record(results.get())
                    self.busy -= 1
                if self.outcome.stopped:
                    stop.set()
                    break
            while self.busy:
                self._record(results.get())
                self.busy -= 1
        finally:
            stop.set()
            for _ in workers:
                tasks.put(None)
            for worker in workers:
                worker.join(timeout=120)
            # After Ctrl-C: what the connections finished is recorded, not left uncertain.
            while self.busy and not results.empty():
                self._record(results.get())
                self.busy -= 1

    # -- steps ------------------------------------------------------------------------------

    def _batches(self, room: Callable[[], int]) -> Iterator[list[Member]]:
        """The recipients in groups that fit the free connections; after the cap, counting only."""
        stream = _recipients(self.plan)
        while not self.outcome.stopped:
            if self.budget is not None and self.handed >= self.budget:
                self.outcome.capped = True
                self._count_rest(stream)
                return
            size = max(1, room())
            if self.budget is not None:
                size = min(size, self.budget - self.handed)
            batch = list(itertools.islice(stream, size))
            if not batch:
                return
            yield batch

    def _claim(self, batch: list[Member]) -> list[_Task]:
        """Claim the batch in the journal (one commit), and build each claimed message."""
        if self.journal is None:
            claimed = {member.key: message_id(self.plan) for member in batch}
        else:
            found = self.journal.claim(
                self.slug,
                [member.key for member in batch],
                self.plan.commit,
                retry_uncertain=self.retry_uncertain,
            )
            claimed = {}
            for key, state in found.items():
                if isinstance(state, str):
                    claimed[key] = state
                else:
                    self._count_state(state.state if state else "pending")
        tasks = []
        for member in batch:
            if member.key not in claimed:
                continue
            self.handed += 1
            self.waiting.add(member.key)
            try:
                outgoing = self._outgoing(member, claimed[member.key])
            except Exception as error:  # noqa: BLE001 - one member's data never stops a send
                self.waiting.discard(member.key)
                self._record(_Result(member, "failed", _not_built(error)))
                continue
            tasks.append(_Task(member, outgoing))
        return tasks

    def _hand_over(self, transport: Transport, task: _Task) -> _Result:
        """Send one claimed task; on Ctrl-C before its data went out it stays unhanded."""
        try:
            result = _attempt(transport, task)
        except KeyboardInterrupt:
            if transport.handed_over():
                self.waiting.discard(task.member.key)  # it may have arrived: uncertain
            raise
        self.waiting.discard(task.member.key)
        return result

    def _outgoing(self, member: Member, mid: str) -> Outgoing:
        """The message of one member: the only place a message and its envelope are made."""
        data = self.plan.template.render(
            to=member.email, values=self.values(member), message_id=mid
        )
        return Outgoing(envelope_sender(self.plan, mid), (member.email,), data)

    def _pace(self) -> None:
        """Wait for the next message's turn under --rate."""
        self.paced += 1
        if not self.rate:
            return
        pause = self.begin + (self.paced - 1) / self.rate - time.monotonic()
        if pause > 0.05 and self.journal is not None:
            self.journal.save()  # do not leave the last 'sent' unsaved while waiting
        time.sleep(max(0.0, pause))

    def _record(self, result: _Result) -> None:
        """Count an outcome and write it to the journal."""
        outcome, member = self.outcome, result.member
        state = {"failed": "failed", "deferred": "pending", "unsent": "pending"}.get(result.kind)
        if result.kind == "sent":
            outcome.sent += 1
            self.last_sent = time.monotonic()
            state = "sent"
        elif result.kind == "failed":
            outcome.failed += 1
            outcome.failures.append(f"{member.email}: {result.reply}")
        elif result.kind == "deferred":
            outcome.deferred += 1
            if time.monotonic() - self.last_sent > self.give_up_after:
                outcome.stopped = _(
                    "the server has refused every message temporarily for {minutes} minutes "
                    "(last reply: {reply})"
                ).format(minutes=number(self.give_up_after / 60, 1), reply=result.reply)
        elif result.kind == "uncertain":
            outcome.uncertain += 1
        elif result.kind == "stopped":
            outcome.stopped = outcome.stopped or result.reply
            state = "pending"
        if self.journal is not None and state is not None:
            reply = {"deferred": f"deferred: {result.reply}", "unsent": ""}.get(
                result.kind, result.reply
            )
            if result.kind == "stopped":
                reply = ""
            self.journal.mark(self.slug, member.key, state, reply)  # type: ignore[arg-type]
        if result.kind not in ("stopped", "unsent"):
            self.progress(1)

    def _count_state(self, state: str) -> None:
        if state == "sent":
            self.outcome.already_sent += 1
        elif state == "failed":
            self.outcome.failed_before += 1
        elif state == "sending":
            self.outcome.uncertain += 1
        else:
            self.outcome.deferred += 1

    def _count_rest(self, stream: Iterator[Member]) -> None:
        """After the hourly cap: what the rest of the recipients are waiting for."""
        while batch := list(itertools.islice(stream, 500)):
            if self.journal is None:
                self.outcome.deferred += len(batch)
                continue
            states = self.journal.states(self.slug, [member.key for member in batch])
            for member in batch:
                state = states.get(member.key, "pending")
                if state == "sending" and self.retry_uncertain:
                    state = "pending"
                self._count_state(state)


def _attempt(transport: Transport, task: _Task) -> _Result:
    """Hand one message over and say how it went; never raises."""
    member = task.member
    try:
        reply = transport.send(task.outgoing)
    except RecipientFailed as error:
        return _Result(member, "failed", str(error.reply))
    except Deferred as error:
        return _Result(member, "deferred", str(error.reply))
    except Uncertain:
        return _Result(member, "uncertain")
    except TransportStopped as error:
        # Stopped before the message data went out: nothing was delivered.
        return _Result(member, "stopped", str(error))
    except Exception as error:  # noqa: BLE001 - one message never stops the others
        return _Result(member, "failed", _("unexpected error: {error}").format(error=error))
    return _Result(member, "sent", str(reply))


def _work(
    transport: Transport,
    tasks: queue.Queue[_Task | None],
    results: queue.Queue[_Result],
    stop: threading.Event,
    waiting: set[str],
) -> None:
    """A connection's thread: send what the main thread hands over, report every outcome."""
    try:
        while (task := tasks.get()) is not None:
            if stop.is_set():
                results.put(_Result(task.member, "unsent"))
                continue
            waiting.discard(task.member.key)  # set operations are atomic under the GIL
            result = _attempt(transport, task)
            if result.kind == "stopped":
                stop.set()
            results.put(result)
    finally:
        transport.close()


def _not_built(error: Exception) -> str:
    return _("not sent: the message could not be built ({error})").format(error=error)
