"""TXT records from DNS, made safe to show: the one door for DNS answers.

DNS answers are untrusted input (anyone who runs a domain's name server writes them): they
are only compared and shown, never executed or put into a message. Every string passes
``core.terminal.plain`` (no escape sequences or control characters) and is cut to
``MAX_SHOWN`` characters wherever it is shown; what is not printable ASCII becomes '?'. ``RUNDBRIEF_DNS_SERVER=IP[:PORT]`` asks one
server instead of the system's resolver (tests, networks with their own resolver).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping

import dns.exception
import dns.resolver

from generator.core.i18n import _
from generator.core.problems import RundbriefError, UsageError
from generator.core.terminal import plain

VARIABLE = "RUNDBRIEF_DNS_SERVER"
MAX_RECORD = 4096
"""Characters of one record kept: more is no SPF, DKIM or DMARC record anyone publishes."""
MAX_SHOWN = 160
"""Characters of a record shown in a line of output."""
TIMEOUT = 5.0
NOT_PRINTABLE = re.compile(r"[^ -~]")


class DnsUnanswered(RundbriefError):
    """The name server did not answer (timeout, refused): nothing is known about the name."""


def resolver(env: Mapping[str, str] | None = None) -> dns.resolver.Resolver:
    """The system's resolver, or the one server named by RUNDBRIEF_DNS_SERVER."""
    given = (os.environ if env is None else env).get(VARIABLE, "").strip()
    if not given:
        found = dns.resolver.Resolver()
    else:
        host, port = _server(given)
        found = dns.resolver.Resolver(configure=False)
        found.nameservers = [host]
        found.port = port
    found.lifetime = TIMEOUT
    return found


def _server(given: str) -> tuple[str, int]:
    """IP and port of ``IP``, ``IP:PORT`` or ``[IPv6]:PORT``."""
    host, port = given, "53"
    if given.startswith("["):
        host, _bracket, rest = given[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif given.count(":") == 1:
        host, port = given.split(":")
    try:
        ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        number = 0
    if not 0 < number < 65536:
        raise UsageError(
            _(
                "{variable}: expected an IP address with an optional port, got "
                "'{value}'; set it like 192.0.2.53 or 192.0.2.53:5353, or leave it "
                "empty"
            ).format(variable=VARIABLE, value=plain(given))
        )
    return host, number


def txt_records(name: str, dns_resolver: dns.resolver.Resolver) -> list[str]:
    """The TXT records at ``name``, each joined from its strings; empty if there are none."""
    try:
        answer = dns_resolver.resolve(name, "TXT", raise_on_no_answer=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.exception.DNSException) as e:
        raise DnsUnanswered(
            _(
                "no answer from DNS for {name}: {reason}; check the internet connection"
                " and start the command again"
            ).format(name=name, reason=_reason(e))
        ) from None
    records = []
    for rdata in answer.rrset or ():
        joined = b"".join(rdata.strings)[:MAX_RECORD]
        records.append(joined.decode("utf-8", "replace"))
    return records


def _reason(error: Exception) -> str:
    if isinstance(error, dns.exception.Timeout):
        return _("timed out")
    return shown(str(error))


def shown(record: str) -> str:
    """A record as it may be printed: one line of printable ASCII, at most MAX_SHOWN long.

    SPF, DKIM and DMARC records are ASCII; anything else (a bidi override that makes a line
    read backwards, look-alike letters) is shown as '?'.
    """
    text = NOT_PRINTABLE.sub("?", plain(record))
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
