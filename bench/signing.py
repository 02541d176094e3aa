"""Benchmark of DKIM signing by rundbrief: what one signature costs a send.

(a) per message of the repository's newsletter: rendering alone, rendering + rundbrief's
    signature (key parsed once, RSA in OpenSSL), and dkimpy's own ``dkim.sign`` (key parsed
    and RSA computed in pure Python per message) for comparison;
(b) 2,000 messages over SMTP (aiosmtpd in its own process, STARTTLS, one connection):
    unsigned against signed.

Target (issue 19): signing must not ruin throughput — (b) signed ≥ 0.7× unsigned.
Run: .venv/bin/python bench/signing.py [--messages 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the test helpers: the SMTP server

import dkim  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from smtp_helpers import PASSWORD, USER  # noqa: E402

from generator.core.settings import load_project  # noqa: E402
from generator.members.source import Member  # noqa: E402
from generator.members.values import MemberValues  # noqa: E402
from generator.newsletter.render import check_newsletter  # noqa: E402
from generator.newsletter.source import newsletter_source  # noqa: E402
from generator.sending.dkim import SIGNED, DkimSigner  # noqa: E402
from generator.sending.message import MessageTemplate  # noqa: E402
from generator.sending.transport import Outgoing, SmtpTransport, smtp_config  # noqa: E402
from generator.site.index import read_site  # noqa: E402

SECRET = b"bench-secret-0123456789"
NEWSLETTER = "newsletters/2026-12-01-mitglieder-werben-mitglieder.md"
DOMAIN = b"mitgliederwerk.example"


def member(n: int) -> Member:
    return Member(
        n + 2,
        f"m{n}@beispiel.example",
        "Käthe",
        f"Muster{n}",
        f"code-{n}",
        frozenset({"alle"}),
        dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 10, 5, tzinfo=dt.UTC),
        None,
    )


def rendered(count: int) -> list[bytes]:
    """``count`` personal messages of the repository's newsletter."""
    project = load_project(REPO)
    checked = check_newsletter(
        project, read_site(project)[0], newsletter_source(project, Path(NEWSLETTER))
    )
    assert checked.email is not None, checked.problems
    template = MessageTemplate(checked.email)
    values = MemberValues(project.settings, campaign="bench", secret=SECRET)
    return [
        template.render(
            to=f"m{n}@beispiel.example", values=values(member(n)), message_id=f"<b{n}@x>"
        )
        for n in range(count)
    ]


def per_message(messages: list[bytes], signer: DkimSigner, pem: bytes) -> None:
    """(a) The signature's cost per message, ours against dkimpy's own."""
    start = time.perf_counter()
    for data in messages:
        signer.sign(data)
    ours = (time.perf_counter() - start) / len(messages)
    sample = messages[:50]
    start = time.perf_counter()
    for data in sample:
        dkim.sign(data, b"s1", DOMAIN, pem, include_headers=[h.encode() for h in SIGNED])
    theirs = (time.perf_counter() - start) / len(sample)
    print(
        f"(a) one signature on a {len(messages[0]) / 1024:,.0f} KB message: rundbrief "
        f"{ours * 1e3:.2f} ms, dkimpy's dkim.sign {theirs * 1e3:.1f} ms ({theirs / ours:.0f}×)"
    )


SERVER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from smtp_helpers import run_server
server = run_server(Path(sys.argv[1]))
smtp = next(server)
print(smtp.port, smtp.ca_file, flush=True)
sys.stdin.read()
"""
"""aiosmtpd in a process of its own, as a relay is: its work does not share our interpreter."""


def over_smtp(messages: list[bytes], signer: DkimSigner) -> None:
    """(b) Messages per second to aiosmtpd, unsigned and signed, one connection each."""
    rates = {}
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, folder, str(REPO / "tests")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None and server.stdin is not None
        port, ca_file = server.stdout.readline().split()
        env = {
            "RUNDBRIEF_SMTP_HOST": "127.0.0.1",
            "RUNDBRIEF_SMTP_PORT": port,
            "RUNDBRIEF_SMTP_USER": USER,
            "RUNDBRIEF_SMTP_PASSWORD": PASSWORD,
            "RUNDBRIEF_SMTP_CA_FILE": ca_file,
        }
        for label, sign in (("unsigned", None), ("signed", signer)):
            transport = SmtpTransport(smtp_config(env), signer=sign)
            transport.open()
            start = time.perf_counter()
            for n, data in enumerate(messages):
                transport.send(Outgoing("b@" + DOMAIN.decode(), (f"m{n}@beispiel.example",), data))
            rates[label] = len(messages) / (time.perf_counter() - start)
            transport.close()
        server.stdin.close()
        server.wait()
    print(
        f"(b) {len(messages):,} messages over SMTP: unsigned {rates['unsigned']:,.0f}/s, "
        f"signed {rates['signed']:,.0f}/s, ratio {rates['signed'] / rates['unsigned']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    signer = DkimSigner(DOMAIN.decode(), "s1", key)
    messages = rendered(args.messages)
    per_message(messages, signer, pem)
    over_smtp(messages, signer)


if __name__ == "__main__":
    main()
