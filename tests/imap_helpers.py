"""A real IMAP server for tests and benchmarks: Dovecot from Debian on 127.0.0.1 with TLS.

``run_dovecot()`` starts ``dovecot -c FILE`` with a configuration of its own (base_dir,
state_dir and log in a fresh folder, one loopback IMAPS listener, a passwd-file with one
test user, a static userdb with a Maildir), a certificate from a fresh ``trustme`` CA, and
stops it again. Run as root, mail is accessed as Debian's ``dovecot`` user; otherwise every
process runs as the current user. ``DovecotProxy`` sits between client and server and can
cut the connection, for resume tests.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import trustme
from smtp_helpers import free_port, wait_for

USER = "feedback@mitgliederwerk.example"
PASSWORD = "imap-Geheim-4b1d8e-DO-NOT-LEAK"
DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
"""The dovecot binary (Debian: dovecot-core, installed with dovecot-imapd), or None."""

CONFIG = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{base}/cert.pem
ssl_key = <{base}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 100
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
service imap-login {{
{chroot}
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
{chroot}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _accepts(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


@dataclass
class ImapServer:
    """A running Dovecot and the environment that points rundbrief at it."""

    port: int
    ca_file: Path
    base: Path
    uid: int
    gid: int

    def env(self, **overrides: str) -> dict[str, str]:
        """RUNDBRIEF_IMAP_* for this server."""
        env = {
            "RUNDBRIEF_IMAP_HOST": "127.0.0.1",
            "RUNDBRIEF_IMAP_PORT": str(self.port),
            "RUNDBRIEF_IMAP_USER": USER,
            "RUNDBRIEF_IMAP_PASSWORD": PASSWORD,
            "RUNDBRIEF_IMAP_CA_FILE": str(self.ca_file),
        }
        env.update(overrides)
        return env

    def client(self, port: int | None = None) -> imaplib.IMAP4_SSL:
        """A logged-in imaplib client (for putting messages in and looking at folders)."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        client = imaplib.IMAP4_SSL("127.0.0.1", port or self.port, ssl_context=context)
        client.login(USER, PASSWORD)
        return client

    def append(self, messages: Iterable[bytes], folder: str = "INBOX") -> int:
        """Put messages into ``folder`` over IMAP (unread); return how many."""
        client = self.client()
        count = 0
        try:
            for data in messages:
                status, _ = client.append(folder, None, None, data)
                assert status == "OK", status
                count += 1
        finally:
            client.logout()
        return count

    def write_maildir(self, messages: Iterable[bytes]) -> int:
        """Drop messages straight into the INBOX Maildir (fast, for the benchmark)."""
        new = self.base / "home" / USER / "Maildir" / "new"
        for sub in ("new", "cur", "tmp"):
            (new.parent / sub).mkdir(parents=True, exist_ok=True)
        count = 0
        for count, data in enumerate(messages, start=1):
            path = new / f"{time.time_ns()}.{count}.rundbrief-bench"
            path.write_bytes(data.replace(b"\r\n", b"\n"))
        for folder, _, files in os.walk(self.base / "home"):
            os.chown(folder, self.uid, self.gid)
            for name in files:
                os.chown(os.path.join(folder, name), self.uid, self.gid)
        return count

    def folder(self, name: str) -> list[tuple[bytes, set[str]]]:
        """(raw message, flags) of every message in folder ``name``."""
        client = self.client()
        try:
            status, _ = client.select(f'"{name}"', readonly=True)
            if status != "OK":
                return []
            _, data = client.uid("SEARCH", "ALL")
            found = []
            for uid in data[0].split():
                _, parts = client.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                head, body = parts[0]  # type: ignore[misc]
                flags = imaplib.ParseFlags(head)
                found.append((body, {f.decode() for f in flags}))
            return found
        finally:
            client.logout()


def run_dovecot() -> Iterator[ImapServer]:
    """Start Dovecot on a free loopback port; stop it and remove its files afterwards."""
    assert DOVECOT is not None
    # Not under pytest's tmp_path: its parents are closed to other users, and as root the
    # mail processes run as the dovecot user.
    base = Path(tempfile.mkdtemp(prefix="rundbrief-dovecot-"))
    base.chmod(0o755)
    if os.geteuid() == 0:
        account = pwd.getpwnam("dovecot")
        uid, gid, users, chroot = account.pw_uid, account.pw_gid, "", ""
    else:
        me = pwd.getpwuid(os.geteuid()).pw_name
        uid, gid = os.geteuid(), os.getegid()
        users = (
            f"default_login_user = {me}\ndefault_internal_user = {me}\n"
            f"default_internal_group = {grp.getgrgid(gid).gr_name}"
        )
        chroot = "  chroot ="  # only root may chroot
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(base / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(base / "cert.pem"))
    ca_file = base / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    (base / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n", encoding="utf-8")
    (base / "home" / USER).mkdir(parents=True)
    os.chown(base / "home", uid, gid)
    os.chown(base / "home" / USER, uid, gid)
    port = free_port()
    config = base / "dovecot.conf"
    config.write_text(
        CONFIG.format(base=base, port=port, uid=uid, gid=gid, users=users, chroot=chroot),
        encoding="utf-8",
    )
    # -F: the master stays in the foreground as our child, so it is ours to stop and wait for.
    with (base / "master.out").open("wb") as output:
        master = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)], stdout=output, stderr=subprocess.STDOUT
        )
    try:
        if not wait_for(lambda: _accepts(port) or master.poll() is not None, timeout=20):
            raise TimeoutError(f"timed out waiting for dovecot to listen on {port}")
        if master.poll() is not None:
            log = "".join(
                path.read_text(errors="replace")
                for path in (base / "master.out", base / "dovecot.log")
                if path.exists()
            )
            raise RuntimeError(f"dovecot did not start:\n{log}")
        yield ImapServer(port, ca_file, base, uid, gid)
    finally:
        if master.poll() is None:
            master.send_signal(signal.SIGTERM)
            master.wait(timeout=30)
        shutil.rmtree(base, ignore_errors=True)


class DovecotProxy:
    """A TCP relay on 127.0.0.1 in front of the server; ``cut()`` drops every connection."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Drop every open connection at once, as a network failure would."""
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def close(self) -> None:
        """Stop listening and drop the connections."""
        self.cut()
        self.listener.close()
