"""A real PostgreSQL for tests and benchmarks: Debian's server in a throw-away cluster.

``run_postgres()`` runs ``initdb`` into a fresh folder, starts ``postgres`` on one loopback
port with TLS (a certificate from a fresh ``trustme`` CA) and its socket in that folder, and
stops it again. Run as root, the cluster belongs to Debian's ``postgres`` user (PostgreSQL
refuses to run as root); otherwise everything runs as the current user. Every database the
tests make is reached as ``postgresql://rundbrief@127.0.0.1:<port>/<name>``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import trustme
from smtp_helpers import free_port, wait_for


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    # Debian installs the server's programs outside PATH, per major version.
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


INITDB = _binary("initdb")
POSTGRES = _binary("postgres")
"""The server's programs (Debian: postgresql), or None when it is not installed."""
ROLE = "rundbrief"


@dataclass(frozen=True)
class PostgresServer:
    """A running throw-away cluster: its port, its CA and how to make a database in it."""

    port: int
    ca_file: Path

    def url(self, database: str = "rundbrief", *, tls: bool = False) -> str:
        """The URL of ``database`` (made with ``create``), with TLS verified against the CA."""
        url = f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}"
        if tls:
            url += f"?sslmode=verify-full&sslrootcert={self.ca_file}"
        return url

    def create(self, database: str) -> str:
        """Make an empty database; return its URL (without TLS)."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database}"')
        return self.url(database)


def _as_owner(owner: pwd.struct_passwd | None, command: list[str]) -> list[str]:
    return ["runuser", "-u", owner.pw_name, "--", *command] if owner else command


@contextlib.contextmanager
def run_postgres(*, fsync: bool = False) -> Iterator[PostgresServer]:
    """Start a throw-away PostgreSQL cluster on 127.0.0.1; stop and remove it afterwards.

    Tests run without ``fsync`` (nothing to keep); a benchmark asks for it, as in production.
    """
    if INITDB is None or POSTGRES is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="rundbrief-pg-"))
    data = base / "data"
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(base / "ca.pem"))
    if owner:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    subprocess.run(
        _as_owner(
            owner,
            [INITDB, "-D", str(data), "-U", ROLE, "--auth=trust", "-E", "UTF8", "--no-sync"],
        ),
        check=True,
        capture_output=True,
    )
    certificate = ca.issue_cert("127.0.0.1", "localhost")
    certificate.cert_chain_pems[0].write_to_path(str(data / "server.crt"))
    certificate.private_key_pem.write_to_path(str(data / "server.key"))
    os.chmod(data / "server.key", 0o600)
    if owner:
        for name in ("server.crt", "server.key"):
            os.chown(data / name, owner.pw_uid, owner.pw_gid)
    port = free_port()
    server = subprocess.Popen(
        _as_owner(
            owner,
            [
                POSTGRES,
                "-D",
                str(data),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-k",
                str(base),
                "-c",
                "ssl=on",
                "-c",
                f"fsync={'on' if fsync else 'off'}",
                "-c",
                "max_connections=100",
            ],
        ),
        stdout=subprocess.DEVNULL,
        stderr=(base / "server.log").open("wb"),
    )
    try:
        postgres = PostgresServer(port=port, ca_file=base / "ca.pem")
        if not wait_for(lambda: _accepts(postgres), timeout=30):
            raise RuntimeError((base / "server.log").read_text(errors="replace"))
        postgres.create("rundbrief")
        yield postgres
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(base, ignore_errors=True)


def _accepts(server: PostgresServer) -> bool:
    import psycopg

    try:
        psycopg.connect(server.url("postgres"), connect_timeout=1).close()
    except psycopg.OperationalError:
        return False
    return True
