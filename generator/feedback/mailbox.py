"""Reading the feedback mailbox over IMAP: every message classified once, filed, resumable.

For each batch of new messages: fetch (``BODY.PEEK``, so nothing is marked read by looking),
classify, then record the events together with the messages' UIDs and the folder's
UIDVALIDITY in one transaction, then move the recognised ones to the processed folder.
A connection lost anywhere in between costs nothing: a message recorded but not yet moved is
moved (not counted) on the next run, one not yet recorded is read again. Messages nobody
recognises stay unread where they are, counted once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import os
import ssl
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from imap_tools import MailBox, MailMessageFlags
from imap_tools.errors import MailboxLoginError, UnexpectedCommandStatusError

from generator.core.i18n import _
from generator.core.problems import RundbriefError, UsageError
from generator.feedback.classify import Context, Verdict, classify
from generator.feedback.suppression import Event, Read, SuppressionStore, iso

RECORDED_KINDS = ("unsubscribe", "hard_bounce", "soft_bounce", "complaint")
BATCH = 200
"""Messages per FETCH round trip and per transaction."""


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
    port = env.get("RUNDBRIEF_IMAP_PORT", "993")
    if not port.isdigit():
        raise UsageError(
            _("RUNDBRIEF_IMAP_PORT: expected a number, got '{port}'").format(port=port)
        )
    return ImapConfig(
        host=host,
        port=int(port),
        user=env.get("RUNDBRIEF_IMAP_USER", ""),
        password=env.get("RUNDBRIEF_IMAP_PASSWORD", ""),
        ca_file=env.get("RUNDBRIEF_IMAP_CA_FILE") or None,
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
    addresses: set[str] = field(default_factory=set)
    timings: Timings = field(default_factory=Timings)


def connect(config: ImapConfig, timeout: float = 60.0) -> MailBox:
    """Log in over TLS, certificate checked; raise FeedbackStopped without the password."""
    context = ssl.create_default_context(cafile=config.ca_file)
    try:
        mailbox = MailBox(config.host, config.port, timeout=timeout, ssl_context=context)
    except (ssl.SSLError, ssl.CertificateError) as error:
        raise FeedbackStopped(
            _("TLS with {where} failed: {error}").format(where=config.where, error=error)
        ) from None
    except OSError as error:
        raise FeedbackStopped(
            _("cannot connect to {where}: {error}").format(where=config.where, error=error)
        ) from None
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


def read_mailbox(
    mailbox: MailBox,
    store: SuppressionStore,
    context: Context,
    *,
    folder: str,
    processed_folder: str,
    batch: int = BATCH,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> FeedbackOutcome:
    """Classify every message of ``folder`` not read before; file events and move messages."""
    outcome = FeedbackOutcome()
    try:
        if not mailbox.folder.exists(processed_folder):
            mailbox.folder.create(processed_folder)
        mailbox.folder.set(folder)
        uidvalidity = int(mailbox.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"])
        uids = [int(uid) for uid in mailbox.uids("ALL")]
        seen = store.seen(folder, uidvalidity)
        outcome.total = len(uids)
        outcome.earlier = sum(1 for uid in uids if uid in seen)
        # Recorded by a run that lost its connection before moving them: move, do not count.
        outcome.refiled = _file(
            mailbox, [uid for uid in uids if seen.get(uid, "other") != "other"], processed_folder
        )
        new = [uid for uid in uids if uid not in seen]
        outcome.new = len(new)
        progress(0, len(new))
        done = 0
        for start in range(0, len(new), batch):
            reads = _read_batch(mailbox, new[start : start + batch], context, folder, outcome)
            begin = time.perf_counter()
            store.record(folder, uidvalidity, reads)
            outcome.moved += _file(
                mailbox, [r.uid for r in reads if r.kind != "other"], processed_folder
            )
            outcome.timings.store += time.perf_counter() - begin
            done += len(reads)
            progress(done, len(new))
        store.note_reading(folder)
    except UnexpectedCommandStatusError as error:
        raise FeedbackStopped(
            _("the mailbox refused a command: {error}; what was read is recorded").format(
                error=error
            )
        ) from None
    except (imaplib.IMAP4.error, OSError) as error:
        raise FeedbackStopped(
            _(
                "the connection to the mailbox broke off ({error}); what was read is recorded, "
                "run the same command again to go on"
            ).format(error=str(error) or type(error).__name__)
        ) from None
    return outcome


def _read_batch(
    mailbox: MailBox, uids: Sequence[int], context: Context, folder: str, outcome: FeedbackOutcome
) -> list[Read]:
    reads = []
    messages = mailbox.fetch(uid_list=[str(uid) for uid in uids], mark_seen=False, bulk=True)
    while True:
        begin = time.perf_counter()
        message = next(messages, None)
        outcome.timings.fetch += time.perf_counter() - begin
        if message is None:
            break
        begin = time.perf_counter()
        verdict = classify(message.obj, context)
        uid = int(message.uid or 0)
        evidence = verdict.evidence or f"imap:{folder}/{uid}"
        reads.append(Read(uid, verdict.kind, evidence, _events(verdict, evidence)))
        outcome.timings.classify += time.perf_counter() - begin
        outcome.kinds[verdict.kind] += 1
        outcome.addresses.update(f.address for f in verdict.findings)
    return reads


def _events(verdict: Verdict, evidence: str) -> tuple[Event, ...]:
    at = iso(verdict.at or dt.datetime.now(dt.UTC))
    return tuple(
        Event(f.kind, f.address, f.newsletter, f.detail, evidence, at)  # type: ignore[arg-type]
        for f in verdict.findings
        if f.kind in RECORDED_KINDS
    )


def _file(mailbox: MailBox, uids: list[int], processed_folder: str) -> int:
    """Mark ``uids`` read and move them to the processed folder."""
    if not uids:
        return 0
    chosen = [str(uid) for uid in uids]
    mailbox.flag(chosen, MailMessageFlags.SEEN, True)
    mailbox.move(chosen, processed_folder)
    return len(uids)


def close(mailbox: MailBox) -> None:
    """Log out; a connection already gone is fine."""
    with contextlib.suppress(Exception):
        mailbox.logout()
