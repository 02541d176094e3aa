"""Ways a message leaves: an SMTP server (own or an ESP relay), or an outbox folder."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import ipaddress
import os
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from generator.core.connection import Server, ca_file, explain, port
from generator.core.files import NewFiles, RefusedFile
from generator.core.i18n import _
from generator.core.problems import RundbriefError, UsageError
from generator.core.terminal import plain
from generator.sending.dkim import DkimSigner

TlsMode = Literal["starttls", "ssl", "none"]


@dataclass(frozen=True)
class Outgoing:
    """A message ready for the wire: envelope and bytes, serialised once before any retry."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes


@dataclass(frozen=True)
class Reply:
    """What the server (or outbox) answered for one message."""

    code: int
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()


class RecipientFailed(RundbriefError):
    """The server refused this recipient for good (5xx): do not retry."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        super().__init__(str(reply))


class Deferred(RundbriefError):
    """Temporary failures (4xx) outlasted every retry: try again in a later run."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        super().__init__(str(reply))


class Uncertain(RundbriefError):
    """The connection broke after the message data went out: it may have been delivered."""


class TransportStopped(RundbriefError):
    """Sending cannot go on (authentication, TLS, server gone): stop at once."""


class Transport(Protocol):
    """Hands one finished message to whatever delivers it."""

    def open(self) -> None:
        """Connect now (raise TransportStopped if that fails) rather than at the first message."""
        ...

    def send(self, message: Outgoing) -> Reply:
        """Deliver ``message`` to its recipients; raise RecipientFailed, Deferred or Uncertain."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...

    def handed_over(self) -> bool:
        """Whether the message of an interrupted ``send`` may have reached its destination."""
        ...


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to reach the SMTP server; the password is never part of repr()."""

    host: str
    port: int
    user: str
    password: str
    tls: TlsMode
    ca_file: str | None = None

    def __repr__(self) -> str:
        return f"SmtpConfig(host={self.host!r}, port={self.port}, user={self.user!r}, tls={self.tls!r})"

    @property
    def where(self) -> str:
        """host:port for messages."""
        return f"{self.host}:{self.port}"


def smtp_config(env: Mapping[str, str] | None = None) -> SmtpConfig:
    """Read RUNDBRIEF_SMTP_* from the environment; refuse plain text to a remote host."""
    env = os.environ if env is None else env
    host = env.get("RUNDBRIEF_SMTP_HOST", "")
    if not host:
        raise UsageError(_("set RUNDBRIEF_SMTP_HOST (and _PORT, _USER, _PASSWORD, _TLS) to send"))
    tls = env.get("RUNDBRIEF_SMTP_TLS", "starttls").lower()
    if tls not in ("starttls", "ssl", "none"):
        raise UsageError(
            _(
                "RUNDBRIEF_SMTP_TLS: expected starttls, ssl or none, got '{value}'; set one of them"
            ).format(value=tls)
        )
    if tls == "none" and not is_loopback(host):
        raise UsageError(
            _(
                "RUNDBRIEF_SMTP_TLS=none is allowed only for a loopback host, not "
                "{host}; set RUNDBRIEF_SMTP_TLS to starttls or ssl"
            ).format(host=host)
        )
    default_port = {"starttls": 587, "ssl": 465, "none": 25}[tls]
    return SmtpConfig(
        host=host,
        port=port(env, "RUNDBRIEF_SMTP", default_port),
        user=env.get("RUNDBRIEF_SMTP_USER", ""),
        password=env.get("RUNDBRIEF_SMTP_PASSWORD", ""),
        tls=tls,  # type: ignore[arg-type]  # checked against the three modes above
        ca_file=ca_file(env, "RUNDBRIEF_SMTP"),
    )


def smtp_transport(
    env: Mapping[str, str] | None = None, signer: DkimSigner | None = None
) -> SmtpTransport:
    """An SMTP transport configured from RUNDBRIEF_SMTP_* (retry delay included).

    With ``signer`` (``dkim.dkim_signer``) every message is DKIM-signed as it is handed over.
    """
    env = os.environ if env is None else env
    delay = env.get("RUNDBRIEF_SMTP_RETRY_DELAY", "2")
    try:
        backoff = Backoff(first_delay=float(delay), max_delay=max(60.0, float(delay)))
    except ValueError:
        raise UsageError(
            _(
                "RUNDBRIEF_SMTP_RETRY_DELAY: expected seconds, got '{value}'; set a "
                "number of seconds or leave it empty"
            ).format(value=delay)
        ) from None
    return SmtpTransport(smtp_config(env), backoff=backoff, signer=signer)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine (a relay here needs no TLS and no log-in)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Backoff:
    """Bounded exponential backoff for temporary failures (tests make it fast)."""

    attempts: int = 5
    first_delay: float = 2.0
    max_delay: float = 60.0

    def delays(self) -> list[float]:
        """The waits between attempts."""
        return [min(self.first_delay * 2**n, self.max_delay) for n in range(self.attempts - 1)]


class SmtpTransport:
    """One SMTP connection reused for every message; reconnects when the server drops it."""

    def __init__(
        self,
        config: SmtpConfig,
        *,
        backoff: Backoff | None = None,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        signer: DkimSigner | None = None,
    ) -> None:
        self.config = config
        self.signer = signer
        self.backoff = backoff or Backoff()
        self.timeout = timeout
        self.sleep = sleep
        self._smtp: smtplib.SMTP | None = None
        self._data_out = False

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.config.ca_file)

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        try:
            smtp: smtplib.SMTP
            if config.tls == "ssl":
                smtp = smtplib.SMTP_SSL(
                    config.host, config.port, timeout=self.timeout, context=self._context()
                )
            else:
                smtp = smtplib.SMTP(config.host, config.port, timeout=self.timeout)
            _no_delay(smtp)
            smtp.ehlo()
            if config.tls == "starttls":
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise TransportStopped(
                        _(
                            "{server} does not offer STARTTLS; not sending: set "
                            "RUNDBRIEF_SMTP_TLS=ssl and the port for TLS (465), or ask the provider"
                        ).format(server=config.where)
                    )
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if config.user:
                _login(smtp, config.user, config.password)
        except smtplib.SMTPAuthenticationError as error:
            raise TransportStopped(
                _(
                    "authentication as '{user}' at {server} failed: {reply}; check "
                    "RUNDBRIEF_SMTP_USER and RUNDBRIEF_SMTP_PASSWORD"
                ).format(
                    user=config.user,
                    server=config.where,
                    reply=_text(error.smtp_code, error.smtp_error),
                )
            ) from None
        except smtplib.SMTPNotSupportedError as error:
            raise TransportStopped(f"{config.where}: {plain(str(error))}") from None
        except (OSError, smtplib.SMTPException) as error:  # DNS, refused, timeout, TLS
            server = Server(config.host, config.port, "RUNDBRIEF_SMTP")
            raise TransportStopped(explain(error, server)) from None
        return smtp

    def open(self) -> None:
        """Connect and log in now: a wrong password stops before any other connection tries."""
        if self._smtp is None:
            self._smtp = self._connect()

    def send(self, message: Outgoing) -> Reply:
        """Deliver one message, retrying 4xx replies and dropped connections before the data."""
        sender, recipients, data = message.sender, list(message.recipients), message.data
        if self.signer is not None:  # the last step before the hand-over: nothing changes after
            data = self.signer.sign(data)
        self._data_out = False
        delays = self.backoff.delays()
        reconnects = 0
        while True:
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                return self._transaction(self._smtp, sender, recipients, data)
            except _Temporary as temporary:
                if not delays:
                    raise Deferred(temporary.reply) from None
                self.sleep(delays.pop(0))
            except (TimeoutError, smtplib.SMTPServerDisconnected, ConnectionError):
                # Before the data went out nothing was delivered: a new connection may retry.
                self._drop()
                reconnects += 1
                if reconnects > self.backoff.attempts:
                    raise TransportStopped(
                        _(
                            "{server} keeps closing the connection; run the same command again "
                            "later: what was sent is recorded"
                        ).format(server=self.config.where)
                    ) from None
                self.sleep(min(self.backoff.first_delay * (reconnects - 1), self.backoff.max_delay))

    def _transaction(
        self, smtp: smtplib.SMTP, sender: str, recipients: list[str], data: bytes
    ) -> Reply:
        _check(smtp, *smtp.mail(sender))
        for recipient in recipients:
            _check(smtp, *smtp.rcpt(recipient))
        _check(smtp, *smtp.docmd("DATA"), ok=354)
        try:
            self._data_out = True  # from here on the server may keep the message
            smtp.send(_dot_stuffed(data))
            code, text = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self._drop()
            raise Uncertain(
                _("connection lost after the message data: {reason}").format(
                    reason=plain(str(error))
                )
            ) from None
        return _check(smtp, code, text)

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def handed_over(self) -> bool:
        """Whether the last message's data went out (before that the server keeps nothing)."""
        return self._data_out

    def close(self) -> None:
        """Say QUIT if the connection still stands."""
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._drop()


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; a user name or password beyond ASCII goes as UTF-8 in AUTH PLAIN (RFC 4616).

    smtplib encodes credentials as ASCII and fails with a UnicodeEncodeError on 'Passwört'.
    """
    if user.isascii() and password.isascii():
        smtp.login(user, password)
        return
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise TransportStopped(
            _(
                "the server does not offer AUTH PLAIN, which a password with characters"
                " beyond ASCII needs; ask the provider for AUTH PLAIN, or choose a "
                "password without such characters"
            )
        )
    secret = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {secret}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _no_delay(smtp: smtplib.SMTP) -> None:
    # A message ends in a short last segment; with Nagle's algorithm it waits for the
    # server's delayed ACK (about 40 ms) on every message.
    with contextlib.suppress(OSError, AttributeError):
        if smtp.sock is not None:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Temporary(Exception):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply


def _text(code: int, text: bytes | str) -> str:
    """A server's reply as it may be printed and stored (relay replies are untrusted)."""
    decoded = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {plain(decoded)}"


def _check(smtp: smtplib.SMTP, code: int, text: bytes, ok: int | None = None) -> Reply:
    reply = Reply(code, plain(text.decode("utf-8", "replace")))
    if (ok is None and 200 <= code < 300) or code == ok:
        return reply
    if code == 421:
        # The server is closing the channel: reconnect rather than reuse it.
        raise smtplib.SMTPServerDisconnected(str(reply))
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.rset()
    if 400 <= code < 500:
        raise _Temporary(reply)
    raise RecipientFailed(reply)


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _dot_stuffed(data: bytes) -> bytes:
    data = _LEADING_DOT.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


class Outbox:
    """Writes each message as an .eml file instead of sending it (--dry-run).

    The folder must be one rundbrief made for outboxes (see ``output.claim_folder``):
    nothing in it is ever deleted that rundbrief did not write.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.files: NewFiles | None = None

    def open(self) -> None:
        """Open the folder: it is checked once, not again for every file."""
        if self.files is None:
            try:
                self.files = NewFiles(self.folder)
            except (RefusedFile, OSError) as error:
                raise TransportStopped(_cannot_write(self.folder, error)) from None

    def send(self, message: Outgoing) -> Reply:
        """Write ``message`` to the next numbered file named after its recipient."""
        self.open()
        assert self.files is not None
        self.count += 1
        name = outbox_name(self.count, message.recipients[0])
        try:
            # Created new in the folder that was checked, never over a link or a file put there
            # since the folder was claimed.
            self.files.create(name, message.data)
        except (RefusedFile, OSError) as error:
            raise TransportStopped(_cannot_write(self.folder / name, error)) from None
        return Reply(250, f"written to {name}")

    def close(self) -> None:
        """Let go of the folder."""
        if self.files is not None:
            self.files.close()
            self.files = None

    def handed_over(self) -> bool:
        """A file half written is no message."""
        return False


def _cannot_write(path: Path, error: RefusedFile | OSError) -> str:
    if isinstance(error, RefusedFile):
        return str(error)
    return _("cannot write {path}: {reason}; check the folder given with --outbox").format(
        path=path, reason=error.strerror or error
    )


OUTBOX_FILE = re.compile(r"[0-9]{6,}-[A-Za-z0-9@._-]+\.eml")
"""The files an outbox holds; nothing else in the folder is rundbrief's."""


def outbox_name(count: int, address: str) -> str:
    """'000001-anna@beispiel.example.eml'; a long address is shortened (file names ≤ 255 bytes)."""
    safe = re.sub(r"[^A-Za-z0-9@._-]", "_", address)
    if len(safe) > 120:
        digest = hashlib.sha256(address.encode()).hexdigest()[:12]
        safe = f"{safe[:100]}-{digest}"
    return f"{count:06d}-{safe}.eml"
