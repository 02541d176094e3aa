"""Why a connection to a server failed (DNS, refused, timeout, TLS), told with the next step."""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.core.i18n import _
from generator.core.problems import UsageError
from generator.core.terminal import plain

UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN}
HOSTNAME_MISMATCH = 62  # OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH


@dataclass(frozen=True)
class Server:
    """A server rundbrief connects to, and the prefix of the variables that configure it."""

    host: str
    port: int
    variables: str
    """``RUNDBRIEF_SMTP`` or ``RUNDBRIEF_IMAP``: the message names ``…_HOST``, ``…_CA_FILE``."""

    @property
    def where(self) -> str:
        """host:port for messages."""
        return f"{self.host}:{self.port}"


def port(env: Mapping[str, str], variables: str, default: int) -> int:
    """The port ``{variables}_PORT`` names (``default`` if unset); anything else is refused."""
    variable = f"{variables}_PORT"
    value = env.get(variable, str(default)).strip()
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise UsageError(
            _(
                "{variable}: expected a port number from 1 to 65535, got '{value}'; set it to "
                "the port your provider gives (for example {default}) or leave it empty"
            ).format(variable=variable, value=value, default=default)
        )
    return int(value)


def ca_file(env: Mapping[str, str], variables: str) -> str | None:
    """The CA file ``{variables}_CA_FILE`` names, if any; a missing file is a usage error."""
    variable = f"{variables}_CA_FILE"
    path = env.get(variable) or None
    if path is not None and not Path(path).is_file():
        raise UsageError(
            _(
                "{variable}: there is no file {path}; set it to the certificate (PEM file) of "
                "the server's certificate authority, or leave it empty"
            ).format(variable=variable, path=path)
        )
    return path


def explain(error: BaseException, server: Server) -> str:
    """What went wrong connecting to ``server``, and what to set or check (no traceback)."""
    reason = plain(_reason(error))  # (the system's words: only where nothing better is known)
    names = {
        "server": server.where,
        "host": server.host,
        "reason": reason,
        "host_variable": f"{server.variables}_HOST",
        "port_variable": f"{server.variables}_PORT",
        "ca_variable": f"{server.variables}_CA_FILE",
    }
    if isinstance(error, ssl.SSLCertVerificationError):
        if error.verify_code == HOSTNAME_MISMATCH:
            return _(
                "the certificate of {server} is made out for another name; set "
                "{host_variable} to the name the provider gives for the server"
            ).format(**names)
        return _(
            "the certificate of {server} is unknown; if the server has a certificate "
            "of its own certificate authority, set {ca_variable} to that authority's "
            "certificate (a PEM file), otherwise check {host_variable}"
        ).format(**names)
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return _(
            "TLS with {server} failed ({reason}); check {port_variable}: the server may speak "
            "TLS on another port (SMTP: 465 TLS from the start, 587 STARTTLS; IMAP: 993)"
        ).format(**names)
    if isinstance(error, socket.gaierror):
        return _(
            "the server name {host} is not known (DNS); check {host_variable} for typing "
            "errors, and the internet connection"
        ).format(**names)
    if isinstance(error, ConnectionRefusedError):
        return _(
            "{server} refuses the connection: no server answers on that port; check "
            "{host_variable} and {port_variable}"
        ).format(**names)
    if isinstance(error, TimeoutError):
        return _(
            "{server} does not answer (timeout); check {host_variable} and {port_variable}, "
            "and whether a firewall blocks the port"
        ).format(**names)
    if isinstance(error, OSError) and error.errno in UNREACHABLE:
        return _(
            "{server} cannot be reached (no route to it); check the internet connection and "
            "{host_variable}"
        ).format(**names)
    return _(
        "cannot connect to {server} ({reason}); check {host_variable} and {port_variable}"
    ).format(**names)


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__
