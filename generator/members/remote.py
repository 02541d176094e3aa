"""A CSV export fetched over HTTPS with a bearer token, streamed, within a size and time limit.

Only ``https://`` is read, with the server's certificate checked (against the system's CAs, or
the file named by RUNDBRIEF_MEMBERS_CA_FILE). A redirect is followed only to HTTPS on the same
host: the token must never reach another server or cross the network in the clear. The token
comes from the environment and appears in no message; a URL is shown without its user
information and query, where a token might hide too; the server's own words (reason phrase,
body) are never shown, since a server may echo what it was sent.
"""

from __future__ import annotations

import io
import os
import re
import socket
import ssl
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.core.i18n import _

if TYPE_CHECKING:  # (http.client is imported on the first download: a file needs none)
    import http.client

TOKEN_VARIABLE = "RUNDBRIEF_MEMBERS_TOKEN"
CA_VARIABLE = "RUNDBRIEF_MEMBERS_CA_FILE"
MAX_BYTES = 512 * 1024 * 1024
"""Far above an export of 1,000,000 members (about 150 MB); more is no export."""
MAX_SECONDS = 600.0
"""The whole download; a server that trickles must not hold a send for ever."""
TIMEOUT = 30.0
"""Each wait for the server (connect, a chunk)."""
REDIRECTS = 5
TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
"""RFC 6750's b64token: nothing that could end the header line or smuggle another one."""


class DownloadError(Exception):
    """The export cannot be fetched: ``message`` is German, names the next step, no secret."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Download:
    """Where an export is and how to fetch it (the token stays out of every repr)."""

    url: str = field(repr=False)
    """May hold a token too (in its query or user information): shown only through ``shown``."""
    token: str = field(default="", repr=False)
    ca_file: str | None = None
    max_bytes: int = MAX_BYTES
    max_seconds: float = MAX_SECONDS
    timeout: float = TIMEOUT

    @property
    def shown(self) -> str:
        """The URL as messages show it."""
        return shown(self.url)


def is_url(value: str) -> bool:
    """Whether ``value`` names a URL rather than a file (any scheme: http:// is refused later)."""
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", value))


def shown(url: str) -> str:
    """``url`` without user information, query and fragment: scheme, host, port and path."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return _("(an unreadable URL)")
    host = f"[{host}]" if ":" in host else host
    path = urllib.parse.quote(urllib.parse.unquote(parts.path), safe="/%-._~")
    return f"{parts.scheme}://{host}{port}{path}"


def download(url: str, env: Mapping[str, str] | None = None) -> Download:
    """The download of ``url`` with the token and CA file from the environment."""
    env = os.environ if env is None else env
    return Download(url, env.get(TOKEN_VARIABLE, ""), env.get(CA_VARIABLE) or None)


def fetch(source: Download) -> io.BufferedReader:
    """The body of ``source`` as a stream of bytes within the limits; DownloadError if not."""
    if source.token and not TOKEN.fullmatch(source.token):
        raise DownloadError(
            _(
                "{variable} holds characters a bearer token cannot have (only letters, digits "
                "and -._~+/=); copy the token again"
            ).format(variable=TOKEN_VARIABLE)
        )
    deadline = time.monotonic() + source.max_seconds
    url = source.url
    for _hop in range(REDIRECTS + 1):
        response = _request(source, url)
        if response.status in (301, 302, 303, 307, 308):
            target = urllib.parse.urljoin(url, response.getheader("Location") or "")
            response.close()
            _same_origin(source.url, target)
            url = target
            continue
        if response.status != 200:
            response.close()
            raise DownloadError(_status(source, response.status))
        declared = response.getheader("Content-Length") or ""
        if declared.isdigit() and int(declared) > source.max_bytes:
            response.close()
            raise DownloadError(_too_large(source))
        return io.BufferedReader(_Limited(response, source, deadline))
    raise DownloadError(
        _("more than {count} redirects; give the export's final URL").format(count=REDIRECTS)
    )


def _request(source: Download, url: str) -> http.client.HTTPResponse:
    import http.client

    try:
        parts = urllib.parse.urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise DownloadError(_("cannot read the URL {url}").format(url=shown(url))) from None
    if parts.scheme.lower() != "https":
        raise DownloadError(
            _("only https:// is read, the token must not cross the network in the clear")
        )
    if not host:
        raise DownloadError(_("cannot read the URL {url}").format(url=shown(url)))
    try:
        context = ssl.create_default_context(cafile=source.ca_file)
    except (OSError, ssl.SSLError) as error:
        raise DownloadError(
            _("{variable}: cannot read the CA file: {reason}").format(
                variable=CA_VARIABLE, reason=getattr(error, "strerror", None) or error
            )
        ) from None
    connection = http.client.HTTPSConnection(host, port, timeout=source.timeout, context=context)
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    headers = {"Accept": "text/csv", "User-Agent": "rundbrief"}
    if source.token:
        headers["Authorization"] = f"Bearer {source.token}"
    try:
        connection.request("GET", path, headers=headers)
        return connection.getresponse()
    except socket.gaierror:
        raise DownloadError(
            _("the name {host} is not known (DNS); check the URL").format(host=host)
        ) from None
    except ssl.SSLCertVerificationError as error:
        raise DownloadError(
            _(
                "the server's certificate is not trusted ({reason}); check the URL, or name the "
                "CA in {variable}"
            ).format(reason=error.verify_message, variable=CA_VARIABLE)
        ) from None
    except ssl.SSLError as error:
        raise DownloadError(
            _("TLS failed ({reason}); the server must speak HTTPS").format(
                reason=error.reason or error.__class__.__name__
            )
        ) from None
    except TimeoutError:
        raise DownloadError(_timed_out()) from None
    except (OSError, http.client.HTTPException) as error:
        raise DownloadError(
            _("no answer ({reason}); is the server running and reachable from here?").format(
                reason=getattr(error, "strerror", None) or type(error).__name__
            )
        ) from None


def _same_origin(first: str, target: str) -> None:
    before, after = urllib.parse.urlsplit(first), urllib.parse.urlsplit(target)
    if after.scheme.lower() != "https":
        raise DownloadError(
            _(
                "redirects to {target}: not HTTPS, refused (the token would travel in the clear)"
            ).format(target=_origin(target))
        )
    if (after.hostname, after.port) != (before.hostname, before.port):
        raise DownloadError(
            _(
                "redirects to another server ({target}): refused, the token is for this server only"
            ).format(target=_origin(target))
        )


def _origin(url: str) -> str:
    """Scheme, host and port of a URL the server named: its path may echo the token."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    host = urllib.parse.quote(parts.hostname or "", safe=".-:[]")
    return f"{parts.scheme}://{host}{port}"


def _status(source: Download, status: int) -> str:
    if status in (401, 403):
        if not source.token:
            return _("HTTP {status}, the server wants a token: set {variable}").format(
                status=status, variable=TOKEN_VARIABLE
            )
        return _(
            "HTTP {status}, the token in {variable} is not accepted (expired or for another "
            "export?); ask the platform for a new one"
        ).format(status=status, variable=TOKEN_VARIABLE)
    if status == 404:
        return _("HTTP 404, there is no export at this address; check the URL")
    if status >= 500:
        return _("HTTP {status}, the server has a problem; try again later").format(status=status)
    return _("HTTP {status} instead of the export").format(status=status)


def _too_large(source: Download) -> str:
    return _("the export is larger than {limit} MB; is this the right address?").format(
        limit=source.max_bytes // (1024 * 1024)
    )


def _timed_out() -> str:
    return _("the server did not answer in time; try again later")


class _Limited(io.RawIOBase):
    """The response body, refused once it grows past the size or the time limit."""

    def __init__(self, response: http.client.HTTPResponse, source: Download, deadline: float):
        super().__init__()
        self.response = response
        self.source = source
        self.deadline = deadline
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        import http.client

        try:
            data = self.response.read1(len(buffer))
        except TimeoutError:
            raise DownloadError(_timed_out()) from None
        except (OSError, http.client.HTTPException):
            raise DownloadError(
                _("the connection broke off during the download; try again")
            ) from None
        self.count += len(data)
        if self.count > self.source.max_bytes:
            raise DownloadError(_too_large(self.source))
        if time.monotonic() > self.deadline:
            raise DownloadError(
                _("the download took longer than {seconds} s; try again later").format(
                    seconds=int(self.source.max_seconds)
                )
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.response.close()
        super().close()
