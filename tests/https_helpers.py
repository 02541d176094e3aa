"""A real HTTPS server for the export tests: Python's http.server with TLS on 127.0.0.1.

Its certificate comes from a fresh ``trustme`` CA, so a client trusts it only when told to
(RUNDBRIEF_MEMBERS_CA_FILE). Each path answers as a ``Route`` says: a status, headers, a body,
and the bearer token it wants; every request's headers are recorded.
"""

from __future__ import annotations

import contextlib
import http.server
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import trustme


@dataclass
class Route:
    """How one path answers."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    token: str = ""
    """The bearer token wanted (401 without it); empty: none wanted."""
    length: bool = True
    """Send Content-Length (else the body ends when the connection closes)."""
    reason: str = ""
    """The reason phrase (a hostile server may echo what it was sent)."""
    echo_to: str = ""
    """Redirect (302) to this URL with the bearer token it was sent appended: a hostile server."""


@dataclass
class HttpsServer:
    """A running server: its port, its CA file, its routes and what it was asked."""

    port: int
    ca_file: Path
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        """The https:// URL of ``path`` on this server."""
        return f"https://{host}:{self.port}{path}"

    def env(self, token: str = "") -> dict[str, str]:
        """The variables that point rundbrief at this server's CA (and give the token)."""
        env = {"RUNDBRIEF_MEMBERS_CA_FILE": str(self.ca_file)}
        if token:
            env["RUNDBRIEF_MEMBERS_TOKEN"] = token
        return env


def _handler(server: HttpsServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            server.requests.append(dict(self.headers.items()))
            route = server.routes.get(self.path.split("?")[0])
            if route is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.echo_to:
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                self.send_response(302)
                self.send_header("Location", route.echo_to + token)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            wanted = f"Bearer {route.token}"
            if route.token and self.headers.get("Authorization") != wanted:
                echoed = self.headers.get("Authorization", "")
                body = f"denied: {echoed}".encode()  # a server that echoes the token
                self.send_response(401, f"denied {echoed}"[:200].replace("\n", " "))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(route.status, route.reason or None)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.length and "Content-Length" not in route.headers:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client may hang up (too large)
                self.wfile.write(route.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@contextlib.contextmanager
def run_https(folder: Path) -> Iterator[HttpsServer]:
    """Serve HTTPS on a free port of 127.0.0.1 until the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    state = HttpsServer(0, ca_file)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
