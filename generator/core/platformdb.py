"""Database URLs: which driver, shown without the password, and a connection over TLS.

A URL from the environment (``postgresql://…``, ``mysql://…``, ``mariadb://…``) is a secret:
it may carry a password. It is shown only through ``database.shown``; a connection to another machine
than this one must verify the server's certificate, so the password never crosses a network
in the clear or to a server that only claims to be the right one.
"""

from __future__ import annotations

import ssl
import urllib.parse
from typing import Any

from generator.core.database import shown
from generator.core.i18n import _

POSTGRES = ("postgresql", "postgres")
MYSQL = ("mysql", "mariadb")
LOCAL = ("127.0.0.1", "::1", "localhost", "")
"""Hosts on this machine (empty: a Unix socket): no network between client and server."""
CONNECT_TIMEOUT = 10


class DatabaseError(Exception):
    """A database cannot be reached or refuses: ``message`` is German and names no secret."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def kind(url: str) -> str:
    """'postgresql' or 'mysql' by the URL's scheme; DatabaseError for anything else."""
    scheme = url.partition(":")[0].lower()
    if scheme in POSTGRES:
        return "postgresql"
    if scheme in MYSQL:
        return "mysql"
    raise DatabaseError(
        _("not a database URL: {url}; expected postgresql://… or mysql://… (mariadb://…)").format(
            url=shown(url)
        )
    )


def connect(url: str) -> Any:
    """An open connection (psycopg 3 or PyMySQL) to ``url``; DatabaseError if it fails."""
    if kind(url) == "postgresql":
        return _postgres(url)
    return _mysql(url)


def _refuse_plain(host: str, where: str) -> None:
    if host.lower() not in LOCAL and not host.startswith("/"):
        raise DatabaseError(
            _(
                "{where}: the database on {host} must be reached over TLS with its certificate "
                "checked; add {option} to the URL"
            ).format(where=where, host=host, option=_tls_option(where))
        )


def _tls_option(url: str) -> str:
    if kind(url) == "postgresql":
        return "?sslmode=verify-full&sslrootcert=system"
    return "?ssl_ca=/pfad/zur/ca.pem"


def _postgres(url: str) -> Any:
    import psycopg

    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise DatabaseError(
            _("cannot read the database URL {url}").format(url=shown(url))
        ) from None
    verified = info.get("sslmode") in ("verify-full", "verify-ca")
    if not verified and info.get("sslrootcert") != "system":
        _refuse_plain(str(info.get("host", "")), shown(url))
    try:
        return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.OperationalError as error:
        raise DatabaseError(_connection_failed(url, str(error))) from None


def _mysql(url: str) -> Any:
    import pymysql

    parts = urllib.parse.urlsplit(url)
    options = dict(urllib.parse.parse_qsl(parts.query))
    host = parts.hostname or ""
    socket = options.get("unix_socket")
    context: ssl.SSLContext | None = None
    if options.get("ssl_ca"):
        context = ssl.create_default_context(cafile=options["ssl_ca"])
    elif options.get("ssl") in ("true", "required", "1"):
        context = ssl.create_default_context()
    elif not socket:
        _refuse_plain(host, shown(url))
    try:
        connection = pymysql.connect(
            host=host or "localhost",
            port=parts.port or 3306,
            user=urllib.parse.unquote(parts.username or ""),
            password=urllib.parse.unquote(parts.password or ""),
            database=urllib.parse.unquote(parts.path.lstrip("/")) or None,
            unix_socket=socket,
            ssl=context,
            charset="utf8mb4",
            connect_timeout=CONNECT_TIMEOUT,
            autocommit=False,
        )
    except (pymysql.err.OperationalError, pymysql.err.InternalError, OSError) as error:
        reason = error.args[1] if len(error.args) > 1 else str(error)
        raise DatabaseError(_connection_failed(url, str(reason))) from None
    # Older PyMySQL falls back to plain text when the server offers no TLS: never for us.
    if context is not None and not isinstance(getattr(connection, "_sock", None), ssl.SSLSocket):
        connection.close()
        raise DatabaseError(_connection_failed(url, _("the server offers no TLS")))
    return connection


def _connection_failed(url: str, reason: str) -> str:
    """The German message of a failed connection; the driver's reason without the password."""
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        reason = reason.replace(parts.password, "***")
        reason = reason.replace(urllib.parse.unquote(parts.password), "***")
    return _(
        "cannot connect to the database {url}: {reason}; check the URL, the password and "
        "whether the server accepts connections from here"
    ).format(url=shown(url), reason=" ".join(reason.split())[:300])
