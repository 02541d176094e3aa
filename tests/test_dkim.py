"""DKIM signing by rundbrief: what aiosmtpd receives verifies with dkimpy against the key
published in a real DNS server; a changed header or body does not."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

import dkim
import dns.resolver
import pytest
from conftest import git
from dns_helpers import DnsServer, pem, public
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from members_helpers import member_row, members_file
from smtp_helpers import send

from generator.sending.dkim import DkimError, DkimSigner, dkim_signer, load_key

DOMAIN = "mitgliederwerk.example"
RECORD = "s1._domainkey." + DOMAIN


def dns_txt(server: DnsServer):
    """dkimpy's ``dnsfunc``: the TXT record of a name, asked of the test server over DNS."""
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = server.port

    def lookup(name: bytes | str, timeout: int = 5) -> bytes:
        text = name.decode() if isinstance(name, bytes) else name
        try:
            answer = resolver.resolve(text.rstrip("."), "TXT")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return b""
        return b"".join(answer[0].strings)

    return lookup


def publish_and_approve(root: Path) -> None:
    """Sign as s1 (the setting), committed and pushed: send compares with the remote's main."""
    path = root / "rundbrief.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("newsletter:\n", "newsletter:\n  dkim_selector: s1\n", 1))
    git(root, "commit", "-qam", "sign with DKIM")
    git(root, "push", "-q", "origin", "main")


def test_every_message_sent_verifies_against_the_published_key(
    example_project, cli, smtp, dns: DnsServer, dkim_key, tmp_path: Path
) -> None:
    """A real send to three members: each message carries one signature over the headers that
    matter, and dkimpy verifies it with the key from DNS; tampering breaks it."""
    dns.zone[RECORD] = [f"v=DKIM1; k=rsa; p={public(dkim_key)}"]
    publish_and_approve(example_project)
    members = members_file(tmp_path / "private", [member_row(n) for n in range(3)])
    result = send(cli, example_project, members, smtp, RUNDBRIEF_DKIM_PRIVATE_KEY=pem(dkim_key))
    assert result.exit_code == 0, result.stderr
    received = smtp.recorder.received
    assert len(received) == 3
    lookup = dns_txt(dns)
    for message in received:
        assert message.raw.count(b"DKIM-Signature:") == 1
        assert dkim.verify(message.raw, dnsfunc=lookup), message.raw[:800]
        signature = str(message.message["DKIM-Signature"])
        signed = re.search(r"h=([^;]+);", signature)
        assert signed is not None
        assert "list-unsubscribe:list-unsubscribe-post" in signed.group(1)
        assert "d=mitgliederwerk.example" in signature and "s=s1" in signature
    raw = received[0].raw
    subject = re.search(rb"(?m)^Subject: .*$", raw)
    assert subject is not None
    assert not dkim.verify(raw.replace(subject.group(0), b"Subject: Gewinnspiel"), dnsfunc=lookup)
    assert not dkim.verify(raw.replace(b"Hallo", b"Hallo!", 1), dnsfunc=lookup)
    assert not dkim.verify(raw, dnsfunc=lambda name, timeout=5: b"")  # no key published


def test_a_test_copy_is_signed_too(example_project, cli, smtp, dns, dkim_key) -> None:
    """`send --test-to` hands its message over the same way."""
    dns.zone[RECORD] = [f"v=DKIM1; k=rsa; p={public(dkim_key)}"]
    publish_and_approve(example_project)
    result = cli(
        example_project,
        "send",
        "newsletters/2026-11-02-monatsupdate-november.md",
        "--test-to",
        "pruefer@beispiel.example",
        env=smtp.env(RUNDBRIEF_DKIM_PRIVATE_KEY=pem(dkim_key).replace("\n", "\\n")),
    )
    assert result.exit_code == 0, result.stderr
    (message,) = smtp.recorder.received
    assert dkim.verify(message.raw, dnsfunc=dns_txt(dns))


def test_a_key_without_selector_or_a_broken_key_is_refused(dkim_key) -> None:
    """Both are mistakes of the set-up, named before anything is sent."""
    env = {"RUNDBRIEF_DKIM_PRIVATE_KEY": pem(dkim_key)}
    with pytest.raises(DkimError, match="newsletter.dkim_selector"):
        dkim_signer("", "newsletter@" + DOMAIN, env)
    with pytest.raises(DkimError, match="RUNDBRIEF_DKIM_PRIVATE_KEY"):
        load_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
    assert dkim_signer("s1", "newsletter@" + DOMAIN, {}) is None
    assert "PRIVATE" not in repr(dkim_signer("s1", "newsletter@" + DOMAIN, env))


HEADER_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=120
)
BODY = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=400)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=HEADER_TEXT, name=HEADER_TEXT, body=BODY, trailing=st.integers(0, 3))
def test_any_message_the_email_package_writes_verifies(
    dkim_key, subject: str, name: str, body: str, trailing: int
) -> None:
    """Folded and encoded headers, long lines, empty bodies, trailing blank lines: the
    signature always verifies (dkimpy's verifier, the key given directly)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = f"Mitgliederwerk <newsletter@{DOMAIN}>"
    message["To"] = "mitglied1@beispiel.example"
    message["Subject"] = subject
    message["Reply-To"] = f"antwort@{DOMAIN}"
    message["X-Name"] = name
    message["List-Unsubscribe"] = f"<https://{DOMAIN}/abmelden?t=abc>"
    message.set_content(body + "\n" * trailing)
    data = message.as_bytes()
    signer = DkimSigner(DOMAIN, "s1", dkim_key)
    record = f"v=DKIM1; k=rsa; p={public(dkim_key)}".encode()
    signed = signer.sign(data)
    assert dkim.verify(signed, dnsfunc=lambda name, timeout=5: record)


def test_the_report_mail_to_the_team_is_signed_too(
    example_project, cli, smtp, dns, dkim_key
) -> None:
    """The founder's mails leave with the newsletters' key, so his provider trusts them alike."""
    dns.zone[RECORD] = [f"v=DKIM1; k=rsa; p={public(dkim_key)}"]
    settings = example_project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8").replace(
        "newsletter:\n", "newsletter:\n  dkim_selector: s1\n", 1
    )
    settings.write_text(text + "report:\n  recipients:\n    - gruender@beispiel.example\n")
    result = cli(
        example_project, "report", "--mail", env=smtp.env(RUNDBRIEF_DKIM_PRIVATE_KEY=pem(dkim_key))
    )
    assert result.exit_code == 0, result.stderr
    (message,) = smtp.recorder.received
    assert message.raw.count(b"DKIM-Signature:") == 1
    assert dkim.verify(message.raw, dnsfunc=dns_txt(dns))
