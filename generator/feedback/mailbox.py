"""Reading the feedback mailbox over IMAP: every message classified once, filed, resumable.

For each batch of new messages: fetch sizes and arrival times (INTERNALDATE), then the
messages within ``limits.MAX_SIZE`` in chunks of at most ``FETCH_BYTES`` (``BODY.PEEK``, so
nothing is marked read by looking), classify, then record the events together with the
messages' UIDs and the folder's UIDVALIDITY in one transaction, then move the recognised ones
to the processed folder. A message over a limit, unparseable, or one whose classification
fails goes to the quarantine folder, named in the summary; the run goes on. A connection
lost anywhere in between costs nothing: a message recorded but not yet moved is moved (not
counted) on the next run, one not yet recorded is read again. Messages nobody recognises, or
that prove nothing (``unverified``), stay unread where they are, counted once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import os
import re
import ssl
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from imap_tools import MailBox, MailMessageFlags
from imap_tools.errors import (
    MailboxFetchError,
    MailboxLoginError,
    UnexpectedCommandStatusError,
)
from imap_tools.utils import check_command_status

from generator.core.connection import Server, ca_file, explain, port
from generator.core.i18n import _
from generator.core.problems import RundbriefError, UsageError
from generator.feedback.classify import Context, Verdict, classify
from generator.feedback.limits import MAX_SIZE, QuarantineReason, Refused, open_message
from generator.feedback.suppression import Event, Read, SuppressionStore, iso

RECORDED_KINDS = ("unsubscribe", "hard_bounce", "soft_bounce", "complaint")
STAYING_KINDS = ("other", "unverified")
"""Left unread in the folder for a person."""
QUARANTINED = "quarantined"
BATCH = 200
"""Messages per transaction (and at most per FETCH round trip)."""
FETCH_BYTES = 8_000_000
"""Bytes of messages per FETCH round trip: memory stays bounded however large the mailbox."""
QUARANTINE_NAMED = 20
"""Quarantined messages named in the summary (the rest are counted)."""
FETCHED = re.compile(rb"UID (\d+)")
SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
ARRIVED = re.compile(rb'INTERNALDATE "([^"]+)"')
MONTHS = tuple(b"jan feb mar apr may jun jul aug sep oct nov dec".split())
INTERNALDATE = re.compile(
    rb"(?P<day>[0-9]{1,2})-(?P<month>[A-Za-z]{3})-(?P<year>[0-9]{4}) "
    rb"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2}) "
    rb"(?P<sign>[+-])(?P<hours>[0-9]{2})(?P<minutes>[0-9]{2})"
)


@dataclass(frozen=True)
class ImapConfig:
    """Where the feedback mailbox is; the password is never part of repr()."""

    host: str
    port: int
    user: str
    password: str
    ca_file: str | None = None

    def __repr__(self) -> str:
        return f"ImapConfig(host={self.host!r}, port={self.port}, user={self.user!r})"

    @property
    def where(self) -> str:
        """host:port for messages."""
        return f"{self.host}:{self.port}"


def imap_config(env: Mapping[str, str] | None = None) -> ImapConfig:
    """Read RUNDBRIEF_IMAP_* from the environment (IMAP over TLS, port 993 by default)."""
    env = os.environ if env is None else env
    host = env.get("RUNDBRIEF_IMAP_HOST", "")
    if not host:
        raise UsageError(
            _("set RUNDBRIEF_IMAP_HOST (and _PORT, _USER, _PASSWORD) to read the feedback mailbox")
        )
    return ImapConfig(
        host=host,
        port=port(env, "RUNDBRIEF_IMAP", 993),
        user=env.get("RUNDBRIEF_IMAP_USER", ""),
        password=env.get("RUNDBRIEF_IMAP_PASSWORD", ""),
        ca_file=ca_file(env, "RUNDBRIEF_IMAP"),
    )


class FeedbackStopped(RundbriefError):
    """Reading cannot go on (login, TLS, connection lost): what was recorded stays recorded."""


@dataclass
class Timings:
    """Where the time of a run went, in seconds."""

    fetch: float = 0.0
    classify: float = 0.0
    store: float = 0.0


@dataclass
class FeedbackOutcome:
    """What one run read, for the summary."""

    total: int = 0
    new: int = 0
    earlier: int = 0
    refiled: int = 0
    moved: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    quarantined: list[tuple[int, QuarantineReason]] = field(default_factory=list)
    """(UID, why) of the first ``QUARANTINE_NAMED`` messages moved to quarantine."""
    timings: Timings = field(default_factory=Timings)


def connect(config: ImapConfig, timeout: float = 60.0) -> MailBox:
    """Log in over TLS, certificate checked; raise FeedbackStopped without the password."""
    context = ssl.create_default_context(cafile=config.ca_file)
    try:
        mailbox = MailBox(config.host, config.port, timeout=timeout, ssl_context=context)
    except OSError as error:  # DNS, refused, timeout, TLS (ssl.SSLError is an OSError)
        server = Server(config.host, config.port, "RUNDBRIEF_IMAP")
        raise FeedbackStopped(explain(error, server)) from None
    try:
        mailbox.login(config.user, config.password, initial_folder=None)
    except (MailboxLoginError, imaplib.IMAP4.error):
        with contextlib.suppress(Exception):
            mailbox.client.shutdown()
        raise FeedbackStopped(
            _(
                "login as '{user}' at {where} failed; check RUNDBRIEF_IMAP_USER and "
                "RUNDBRIEF_IMAP_PASSWORD"
            ).format(user=config.user, where=config.where)
        ) from None
    return mailbox


def _same_folder(one: str, other: str) -> bool:
    """IMAP folder names compare exactly, except INBOX in any case (RFC 3501, 5.1)."""
    return one == other or one.upper() == other.upper() == "INBOX"


def check_folders(folder: str, processed_folder: str, quarantine_folder: str) -> None:
    """Refuse settings that would file messages back where they are read from."""
    for name, value in (
        ("feedback.processed_folder", processed_folder),
        ("feedback.quarantine_folder", quarantine_folder),
    ):
        if _same_folder(value, folder):
            raise UsageError(
                _(
                    "{setting} must differ from feedback.folder ('{folder}'); change it in "
                    "rundbrief.yml"
                ).format(setting=name, folder=folder)
            )
    if _same_folder(quarantine_folder, processed_folder):
        raise UsageError(
            _(
                "feedback.quarantine_folder must differ from feedback.processed_folder "
                "('{folder}'); change one of them in rundbrief.yml"
            ).format(folder=processed_folder)
        )


def read_mailbox(
    mailbox: MailBox,
    store: SuppressionStore,
    context: Context,
    *,
    folder: str,
    processed_folder: str,
    quarantine_folder: str = "Quarantäne",
    batch: int = BATCH,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> FeedbackOutcome:
    """Classify every message of ``folder`` not read before; file events and move messages."""
    check_folders(folder, processed_folder, quarantine_folder)
    outcome = FeedbackOutcome()
    try:
        for name in (processed_folder, quarantine_folder):
            if not mailbox.folder.exists(name):
                mailbox.folder.create(name)
        mailbox.folder.set(folder)
        uidvalidity = int(mailbox.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"])
        uids = [int(uid) for uid in mailbox.uids("ALL")]
        seen = store.seen(folder, uidvalidity)
        outcome.total = len(uids)
        outcome.earlier = sum(1 for uid in uids if uid in seen)
        # Recorded by a run that lost its connection before moving them: move, do not count.
        earlier = [(uid, seen[uid]) for uid in uids if uid in seen]
        outcome.refiled = _file_all(mailbox, earlier, processed_folder, quarantine_folder)
        new = [uid for uid in uids if uid not in seen]
        outcome.new = len(new)
        progress(0, len(new))
        done = 0
        for start in range(0, len(new), batch):
            reads = _read_batch(mailbox, new[start : start + batch], context, folder, outcome)
            begin = time.perf_counter()
            store.record(folder, uidvalidity, reads)
            filed = [(r.uid, r.kind) for r in reads]
            outcome.moved += _file_all(mailbox, filed, processed_folder, quarantine_folder)
            outcome.timings.store += time.perf_counter() - begin
            done += len(reads)
            progress(done, len(new))
        store.note_reading(folder)
    except UnexpectedCommandStatusError as error:
        raise FeedbackStopped(
            _(
                "the mailbox refused a command: {error}; what was read is recorded: run"
                " the same command again later"
            ).format(error=error)
        ) from None
    except (imaplib.IMAP4.error, OSError) as error:
        raise FeedbackStopped(
            _(
                "the connection to the mailbox broke off ({error}); what was read is recorded, "
                "run the same command again to go on"
            ).format(error=str(error) or type(error).__name__)
        ) from None
    return outcome


def _file_all(
    mailbox: MailBox, filed: list[tuple[int, str]], processed_folder: str, quarantine_folder: str
) -> int:
    """Move recognised messages to the processed folder, quarantined ones to quarantine."""
    quarantined = [uid for uid, kind in filed if kind == QUARANTINED]
    recognised = [uid for uid, kind in filed if kind != QUARANTINED and kind not in STAYING_KINDS]
    return _file(mailbox, recognised, processed_folder) + _file(
        mailbox, quarantined, quarantine_folder
    )


def _read_batch(
    mailbox: MailBox, uids: Sequence[int], context: Context, folder: str, outcome: FeedbackOutcome
) -> list[Read]:
    reads = []
    begin = time.perf_counter()
    sizes = _sizes(mailbox, uids)
    outcome.timings.fetch += time.perf_counter() - begin
    wanted = []
    for uid, (size, _arrived) in sizes.items():
        if size > MAX_SIZE:
            reads.append(_quarantine(uid, "size", folder, outcome))  # never fetched
        else:
            wanted.append(uid)
    bodies = _bodies(mailbox, wanted, sizes)
    while True:
        begin = time.perf_counter()
        item = next(bodies, None)
        outcome.timings.fetch += time.perf_counter() - begin
        if item is None:
            break
        uid, raw = item
        begin = time.perf_counter()
        try:
            verdict = classify(open_message(raw), context, sizes[uid][1])
        except Refused as refused:
            reads.append(_quarantine(uid, refused.reason, folder, outcome))
            continue
        except Exception:  # noqa: BLE001 - one message must never stop reading the others
            reads.append(_quarantine(uid, "error", folder, outcome))
            continue
        evidence = verdict.evidence or f"imap:{folder}/{uid}"
        reads.append(Read(uid, verdict.kind, evidence, _events(verdict, evidence), verdict.vote))
        outcome.timings.classify += time.perf_counter() - begin
        outcome.kinds[verdict.kind] += 1
        if verdict.kind == "vote" and verdict.vote is None:
            outcome.kinds["vote_ignored"] += 1  # forged or stale page, no single sender
    return reads


def _quarantine(uid: int, reason: QuarantineReason, folder: str, outcome: FeedbackOutcome) -> Read:
    outcome.kinds[QUARANTINED] += 1
    if len(outcome.quarantined) < QUARANTINE_NAMED:
        outcome.quarantined.append((uid, reason))
    return Read(uid, QUARANTINED, f"imap:{folder}/{uid} {reason}", ())


def _sizes(mailbox: MailBox, uids: Sequence[int]) -> dict[int, tuple[int, dt.datetime]]:
    """UID → (RFC822.SIZE, INTERNALDATE) of each message still there."""
    result = mailbox.client.uid(
        "FETCH", ",".join(str(uid) for uid in uids), "(UID RFC822.SIZE INTERNALDATE)"
    )
    check_command_status(result, MailboxFetchError)
    found = {}
    for line in result[1]:
        data = line[0] if isinstance(line, tuple) else line
        if not isinstance(data, bytes):
            continue
        uid, size = FETCHED.search(data), SIZE.search(data)
        if uid is not None and size is not None:
            arrived = ARRIVED.search(data)
            found[int(uid.group(1))] = (int(size.group(1)), _internaldate(arrived))
    return found


def _internaldate(found: re.Match[bytes] | None) -> dt.datetime:
    """An IMAP date-time (``05-Dec-2026 16:13:12 +0000``), or now if the server gave none."""
    parts = INTERNALDATE.fullmatch(found.group(1).strip()) if found is not None else None
    month = parts["month"].lower() if parts is not None else b""
    if parts is not None and month in MONTHS:
        # By hand, not strptime: a fifth of the time, and it runs for every message read.
        offset = dt.timedelta(hours=int(parts["hours"]), minutes=int(parts["minutes"]))
        with contextlib.suppress(ValueError):  # (a day or an offset that does not exist)
            return dt.datetime(
                int(parts["year"]),
                MONTHS.index(month) + 1,
                int(parts["day"]),
                int(parts["hour"]),
                int(parts["minute"]),
                int(parts["second"]),
                tzinfo=dt.timezone(-offset if parts["sign"] == b"-" else offset),
            ).astimezone(dt.UTC)
    return dt.datetime.now(dt.UTC)


def _bodies(
    mailbox: MailBox, uids: list[int], sizes: Mapping[int, tuple[int, dt.datetime]]
) -> Iterator[tuple[int, bytes]]:
    """(UID, message) of each of ``uids``, fetched at most ``FETCH_BYTES`` per round trip."""
    chunk: list[int] = []
    total = 0
    for uid in [*uids, 0]:
        size = sizes[uid][0] if uid else 0
        if chunk and (not uid or total + size > FETCH_BYTES):
            result = mailbox.client.uid(
                "FETCH", ",".join(str(u) for u in chunk), "(UID BODY.PEEK[])"
            )
            check_command_status(result, MailboxFetchError)
            for item in result[1]:
                if isinstance(item, tuple) and (found := FETCHED.search(item[0])):
                    yield int(found.group(1)), item[1]
            chunk, total = [], 0
        if uid:
            chunk.append(uid)
            total += size


def _events(verdict: Verdict, evidence: str) -> tuple[Event, ...]:
    at = iso(verdict.at or dt.datetime.now(dt.UTC))
    return tuple(
        Event(f.kind, f.address, f.newsletter, f.detail, evidence, at)  # type: ignore[arg-type]
        for f in verdict.findings
        if f.kind in RECORDED_KINDS
    )


def _file(mailbox: MailBox, uids: list[int], destination: str) -> int:
    """Mark ``uids`` read and move them to ``destination``."""
    if not uids:
        return 0
    chosen = [str(uid) for uid in uids]
    mailbox.flag(chosen, MailMessageFlags.SEEN, True)
    mailbox.move(chosen, destination)
    return len(uids)


def close(mailbox: MailBox) -> None:
    """Log out; a connection already gone is fine."""
    with contextlib.suppress(Exception):
        mailbox.logout()
