"""A real SMTP server for the send tests: aiosmtpd on 127.0.0.1 with STARTTLS, AUTH and faults.

Also what the send tests share around it (``send``, ``send_process``) and what every test
server shares (``free_port``, ``wait_for``).
"""

from __future__ import annotations

import asyncio
import collections
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "rundbrief-sender"
PASSWORD = "pw-Geheim-7f3e9a1c-DO-NOT-LEAK"
SECRET = "unsubscribe-secret-for-tests-0123456789"
NEWSLETTER = "newsletters/2026-11-02-monatsupdate-november.md"
"""The example project's approved newsletter that the send tests send."""


@dataclass
class Received:
    """One message as the server got it."""

    recipients: list[str]
    message: EmailMessage
    sender: str = ""
    """The envelope sender (MAIL FROM)."""
    raw: bytes = b""
    """The message's bytes as they arrived (a DKIM signature is checked on these)."""


@dataclass
class Recorder:
    """The server's handler: records messages and plays scripted faults per recipient."""

    received: list[Received] = field(default_factory=list)
    offered: list[str] = field(default_factory=list)
    """Every RCPT TO the server was given, refused or not: one per attempt."""
    faults: dict[str, list[str]] = field(default_factory=dict)
    logins: list[str] = field(default_factory=list)
    delay: float = 0.0
    password: str = PASSWORD
    refuse_all: str = ""
    """A reply code for every recipient (a relay stuck on '451'), if set."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _fault(self, address: str) -> str | None:
        if self.refuse_all:
            return self.refuse_all
        with self.lock:
            script = self.faults.get(address.lower())
            return script.pop(0) if script else None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        with self.lock:
            self.offered.append(address)
        fault = self._fault(address)
        if fault == "drop":
            server.transport.abort()
            return "421 gone"
        if fault == "data-drop":
            envelope.drop_after_data = True
        elif fault:
            return f"{fault} scripted reply for {address}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.original_content, policy=policy.SMTP)
        with self.lock:
            self.received.append(
                Received(
                    list(envelope.rcpt_tos),
                    message,  # type: ignore[arg-type]
                    envelope.mail_from,
                    envelope.original_content,
                )
            )
        if getattr(envelope, "drop_after_data", False):
            # Accepted and stored, but the client never hears so: the uncertain case.
            server.transport.abort()
        return "250 2.0.0 queued as test"

    def count_by_recipient(self) -> collections.Counter[str]:
        """How many messages each address got."""
        with self.lock:
            return collections.Counter(r.lower() for m in self.received for r in m.recipients)

    def attempts_by_recipient(self) -> collections.Counter[str]:
        """How often each address was offered (RCPT TO), accepted or refused."""
        with self.lock:
            return collections.Counter(address.lower() for address in self.offered)

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        """Accept only USER and the password (UTF-8); a refusal must not be 'handled' or the client hangs."""
        assert isinstance(auth_data, LoginPassword)
        self.logins.append(auth_data.login.decode())
        if auth_data.login == USER.encode() and auth_data.password == self.password.encode():
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@dataclass
class SmtpServer:
    """A running server and the environment that points rundbrief at it."""

    recorder: Recorder
    port: int
    ca_file: Path

    def env(self, **overrides: str) -> dict[str, str]:
        """RUNDBRIEF_* variables for this server (fast retries for tests)."""
        env = {
            "RUNDBRIEF_SMTP_HOST": "127.0.0.1",
            "RUNDBRIEF_SMTP_PORT": str(self.port),
            "RUNDBRIEF_SMTP_USER": USER,
            "RUNDBRIEF_SMTP_PASSWORD": PASSWORD,
            "RUNDBRIEF_SMTP_TLS": "starttls",
            "RUNDBRIEF_SMTP_CA_FILE": str(self.ca_file),
            "RUNDBRIEF_SMTP_RETRY_DELAY": "0.01",
            "RUNDBRIEF_UNSUBSCRIBE_SECRET": SECRET,
        }
        env.update(overrides)
        return env


def send(
    cli,
    project: Path,
    members: Path,
    smtp: SmtpServer,
    *extra: str,
    newsletter: str = NEWSLETTER,
    **env: str,
):
    """``rundbrief send NEWSLETTER --members MEMBERS --yes EXTRA…`` in-process against ``smtp``.

    Keywords other than ``newsletter`` override the server's RUNDBRIEF_* variables.
    """
    arguments = ("send", newsletter, "--members", str(members), "--yes", *extra)
    return cli(project, *arguments, env=smtp.env(**env))


def send_process(
    project: Path, members: Path, smtp: SmtpServer, *extra: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """``rundbrief send NEWSLETTER`` against ``smtp`` in a process of its own (to kill or race)."""
    command = [sys.executable, "-m", "generator", "-C", str(project), "send", NEWSLETTER]
    return subprocess.Popen(
        [*command, "--members", str(members), "--yes", *extra],
        env={**os.environ, **smtp.env(), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], object], timeout: float = 30.0) -> bool:
    """Poll ``condition()`` until it holds (connection errors count as not yet); false on timeout.

    Tests wait for what they need this way, never with a fixed sleep: ``assert wait_for(...), why``.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (aiosmtpd cannot bind port 0 itself)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_server(folder: Path) -> Iterator[SmtpServer]:
    """Start the server with a certificate from a fresh test CA; stop it afterwards."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = folder / "test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    recorder = Recorder()
    port = free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=recorder.authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield SmtpServer(recorder, port, ca_file)
    finally:
        controller.stop()


def body_text(message: EmailMessage) -> tuple[str, str]:
    """(text part, HTML part) of a received message, decoded."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()
