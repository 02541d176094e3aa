"""A real MariaDB for tests: Debian's server in a throw-away data folder on 127.0.0.1.

``run_mariadb()`` runs ``mariadb-install-db`` into a fresh folder, starts ``mariadbd`` on one
loopback port with its socket in that folder and without grant tables (any user may connect:
the server lives only as long as the test session), and stops it again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import trustme
from smtp_helpers import free_port, wait_for

INSTALL_DB = shutil.which("mariadb-install-db")
MARIADBD = shutil.which("mariadbd") or (
    "/usr/sbin/mariadbd" if Path("/usr/sbin/mariadbd").exists() else None
)
"""The server's programs (Debian: mariadb-server), or None when it is not installed."""


@dataclass(frozen=True)
class MariaDbServer:
    """A running throw-away server: its port, and how to make a database in it."""

    port: int

    def url(self, database: str) -> str:
        """The mysql:// URL of ``database``."""
        return f"mysql://rundbrief@127.0.0.1:{self.port}/{database}"

    def create(self, database: str) -> str:
        """Make an empty database; return its URL."""
        import pymysql

        connection = pymysql.connect(host="127.0.0.1", port=self.port, user="rundbrief")
        try:
            connection.cursor().execute(f"CREATE DATABASE `{database}`")
        finally:
            connection.close()
        return self.url(database)


@contextlib.contextmanager
def run_mariadb(ca: trustme.CA | None = None) -> Iterator[MariaDbServer]:
    """Start a throw-away MariaDB on 127.0.0.1 (with TLS from ``ca`` if given); stop it after."""
    if INSTALL_DB is None or MARIADBD is None:
        raise RuntimeError("MariaDB is not installed (Debian: apt-get install mariadb-server)")
    base = Path(tempfile.mkdtemp(prefix="rundbrief-mariadb-"))
    user = ["--user=root"] if os.geteuid() == 0 else []  # mariadbd refuses root unless told
    subprocess.run(
        [INSTALL_DB, "--no-defaults", f"--datadir={base / 'data'}", "--skip-test-db", *user],
        check=True,
        capture_output=True,
    )
    tls: list[str] = []
    if ca is not None:
        certificate = ca.issue_cert("127.0.0.1", "localhost")
        certificate.cert_chain_pems[0].write_to_path(str(base / "server.crt"))
        certificate.private_key_pem.write_to_path(str(base / "server.key"))
        tls = [f"--ssl-cert={base / 'server.crt'}", f"--ssl-key={base / 'server.key'}"]
    port = free_port()
    server = subprocess.Popen(
        [
            MARIADBD,
            "--no-defaults",
            f"--datadir={base / 'data'}",
            f"--socket={base / 'socket'}",
            f"--pid-file={base / 'pid'}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--skip-grant-tables",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=16M",
            *tls,
            *user,
        ],
        stdout=subprocess.DEVNULL,
        stderr=(base / "server.log").open("wb"),
    )
    try:
        mariadb = MariaDbServer(port)
        if not wait_for(lambda: _accepts(mariadb), timeout=60):
            raise RuntimeError((base / "server.log").read_text(errors="replace"))
        yield mariadb
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def _accepts(server: MariaDbServer) -> bool:
    import pymysql

    try:
        pymysql.connect(host="127.0.0.1", port=server.port, user="rundbrief").close()
    except pymysql.err.OperationalError:
        return False
    return True
