"""A real DNS server for the deliverability tests: dnslib on 127.0.0.1, UDP and TCP on one port.

``run_dns()`` serves the TXT records of a ``Zone`` (a dict: name → list of TXT values, each a
text or raw bytes) and answers NXDOMAIN for every other name. A value over 255 bytes is split
into several strings, as DNS requires (DKIM keys are longer); an answer too big for UDP is
sent with the TC flag and its question (dnslib's own truncation drops the question, and
dnspython then waits for nothing), so the client asks again over TCP.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dnslib import QTYPE, RCODE, RR, TXT, DNSRecord
from dnslib.server import DNSHandler, DNSLogger, TCPServer, UDPServer

UDP_LIMIT = 512

Zone = dict[str, list[str | bytes]]


def _strings(value: str | bytes) -> list[bytes]:
    data = value.encode("utf-8") if isinstance(value, str) else value
    return [data[start : start + 255] for start in range(0, len(data), 255)] or [b""]


@dataclass
class ZoneResolver:
    """Answers TXT questions from ``zone``; counts the questions it was asked."""

    zone: Zone = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        """The reply to one question (truncated by hand when UDP cannot carry it)."""
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        self.asked.append(name)
        values = {key.lower(): value for key, value in self.zone.items()}.get(name)
        if values is None:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        if request.q.qtype in (QTYPE.TXT, QTYPE.ANY):
            for value in values:
                reply.add_answer(RR(name, QTYPE.TXT, rdata=TXT(_strings(value)), ttl=60))
        if handler.protocol == "udp" and len(reply.pack()) > UDP_LIMIT:
            reply = request.reply()
            reply.header.tc = 1
        return reply


class _QuietLogger(DNSLogger):
    def __init__(self) -> None:
        super().__init__(log="-request,-reply,-truncated,-error,-recv,-send,-data")


@dataclass
class DnsServer:
    """A running server: its port and the zone it serves (change it in a test as needed)."""

    port: int
    resolver: ZoneResolver

    @property
    def zone(self) -> Zone:
        """The records served."""
        return self.resolver.zone

    def env(self) -> dict[str, str]:
        """The variable that points rundbrief's DNS questions at this server."""
        return {"RUNDBRIEF_DNS_SERVER": f"127.0.0.1:{self.port}"}


def _servers(resolver: ZoneResolver) -> tuple[UDPServer, TCPServer]:
    """A UDP and a TCP server on the same free port (tried again if TCP finds it taken)."""
    for _attempt in range(20):
        udp = UDPServer(("127.0.0.1", 0), DNSHandler)
        port = udp.server_address[1]
        try:
            tcp = TCPServer(("127.0.0.1", port), DNSHandler)
        except OSError:
            udp.server_close()
            continue
        for server in (udp, tcp):
            server.resolver = resolver  # type: ignore[attr-defined]
            server.logger = _QuietLogger()  # type: ignore[attr-defined]
        return udp, tcp
    raise OSError("no free port for UDP and TCP at once")


def run_dns(zone: Zone | None = None) -> Iterator[DnsServer]:
    """Serve ``zone`` until the generator is closed."""
    resolver = ZoneResolver(zone if zone is not None else {})
    servers = _servers(resolver)
    threads = [
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        for server in servers
    ]
    for thread in threads:
        thread.start()
    try:
        yield DnsServer(servers[0].server_address[1], resolver)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)


def pem(key: rsa.RSAPrivateKey) -> str:
    """The private key as the secret RUNDBRIEF_DKIM_PRIVATE_KEY holds it."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def public(key: rsa.RSAPrivateKey) -> str:
    """The p= of the key's DKIM record (base64 of the public key)."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")
