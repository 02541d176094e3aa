"""`rundbrief doctor` against real servers: a DNS server (dnslib), aiosmtpd, Dovecot, PostgreSQL
and an HTTPS unsubscribe endpoint, all on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import re
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from cryptography.hazmat.primitives.asymmetric import rsa
from dns_helpers import DnsServer, pem, public
from members_helpers import member_row, members_file

FROM_DOMAIN = "mitgliederwerk.example"
ENVELOPE_DOMAIN = "bounces.mitgliederwerk.example"
"""The repository's settings send From newsletter@FROM_DOMAIN with bounces to ENVELOPE_DOMAIN."""
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def good_zone(key: rsa.RSAPrivateKey) -> dict[str, list[str | bytes]]:
    """SPF, DKIM and DMARC as they should be for the repository's sender."""
    return {
        ENVELOPE_DOMAIN: ["v=spf1 include:spf.relay.example ~all", "google-site-verification=x"],
        f"s1._domainkey.{FROM_DOMAIN}": [f"v=DKIM1; k=rsa; p={public(key)}"],
        f"_dmarc.{FROM_DOMAIN}": [f"v=DMARC1; p=none; rua=mailto:dmarc@{FROM_DOMAIN}"],
    }


def configure(root: Path, **newsletter: str | None) -> None:
    """Set (or, with None, remove) keys of the newsletter section in ``rundbrief.yml``."""
    path = root / "rundbrief.yml"
    text = path.read_text(encoding="utf-8")
    for name, value in newsletter.items():
        text = re.sub(rf"(?m)^  {name}: .*\n", "", text)
        if value is not None:
            text = text.replace("newsletter:\n", f"newsletter:\n  {name}: {value}\n", 1)
    path.write_text(text, encoding="utf-8")


def lines_of(output: str, mark: str) -> list[str]:
    """The printed lines that start with ``mark`` (✓, ✗, ! or –), with their next-step line."""
    found = []
    lines = output.splitlines()
    for number, line in enumerate(lines):
        if line.startswith(mark):
            following = lines[number + 1] if number + 1 < len(lines) else ""
            found.append(line + ("\n" + following if following.lstrip().startswith("→") else ""))
    return found


def test_hostile_dns_records_are_shown_safely(make_project, cli, dns: DnsServer) -> None:
    """Escape sequences, control characters, bidi overrides and 6,000 characters from DNS are
    shown as one short plain line (asked over TCP: the answer does not fit UDP)."""
    root = make_project({})
    configure(root, spf_include="spf.relay.example", dkim_selector="s1", unsubscribe_url=None)
    dns.zone.update(
        {
            ENVELOPE_DOMAIN: [
                b"v=spf1 \x1b]0;pwned\x07 include:\x1b[2Jevil.example \x00\r\n\x9b31m "
                + "\u202eevil".encode()
                + b" a" * 3000
                + b" ~all"
            ],
            f"_dmarc.{FROM_DOMAIN}": [b"v=DMARC1; p=\x1b[31mquarantine\x07; rua=\x1b]8;;x\x07"],
        }
    )
    result = cli(root, "doctor", env=dns.env())
    output = result.stdout + result.stderr
    assert result.exit_code == 1
    assert not CONTROL.search(output), repr(CONTROL.search(output))
    assert "\x1b" not in output and "pwned" not in output.split("0;")[0]
    spf = lines_of(result.stdout, "✗ SPF")
    assert len(spf) == 1 and "…" in spf[0], spf
    # A record shown cut short is never offered for publishing: what to add is named instead.
    assert "mit dem Wert" not in spf[0]
    assert f"include:spf.relay.example im SPF-Eintrag von {ENVELOPE_DOMAIN} ergänzen" in spf[0]
    assert max(len(line) for line in output.splitlines()) < 700
    assert ENVELOPE_DOMAIN in dns.resolver.asked


def test_missing_dmarc_and_wrong_spf_include_in_german(
    make_project, cli, dns: DnsServer, dkim_key: rsa.RSAPrivateKey
) -> None:
    """The two commonest mistakes, each with the exact record to publish."""
    root = make_project({})
    configure(root, spf_include="spf.relay.example", dkim_selector="s1", unsubscribe_url=None)
    dns.zone.update(good_zone(dkim_key))
    dns.zone[ENVELOPE_DOMAIN] = ["v=spf1 include:_spf.other.example -all"]
    del dns.zone[f"_dmarc.{FROM_DOMAIN}"]
    result = cli(root, "doctor", env=dns.env())
    assert result.exit_code == 1
    (dmarc,) = lines_of(result.stdout, "✗ DMARC")
    assert f"kein DMARC-Eintrag bei _dmarc.{FROM_DOMAIN}" in dmarc
    assert (
        f"TXT-Eintrag bei _dmarc.{FROM_DOMAIN} mit dem Wert "
        f'"v=DMARC1; p=none; rua=mailto:dmarc@{FROM_DOMAIN}"'
    ) in dmarc
    (spf,) = lines_of(result.stdout, "✗ SPF")
    assert "falscher SPF-include" in spf
    assert (
        f"TXT-Eintrag bei {ENVELOPE_DOMAIN} mit dem Wert "
        '"v=spf1 include:_spf.other.example include:spf.relay.example -all"'
    ) in spf
    assert lines_of(result.stdout, "✓ DKIM")
    assert "blockieren einen Versand" in result.stderr


class _Unsubscribes(http.server.BaseHTTPRequestHandler):
    """A one-click endpoint: records each POST, answers 200."""

    posts: list[tuple[str, bytes]]

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.posts.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[tuple[str, Path, list[tuple[str, bytes]]]]:
    """An HTTPS unsubscribe endpoint on 127.0.0.1: (its URL, its CA file, the POSTs it got)."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "endpoint-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    posts: list[tuple[str, bytes]] = []
    handler = type("Handler", (_Unsubscribes,), {"posts": posts})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=functools.partial(server.serve_forever, 0.05), daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/abmelden", ca_file, posts
    finally:
        server.shutdown()
        server.server_close()


def test_all_fine_for_a_correct_set_up(
    make_project, cli, dns: DnsServer, smtp, imap, endpoint, dkim_key, tmp_path: Path
) -> None:
    """Relay, mailbox, members, endpoint and domain in order: every line ✓, exit 0, nothing sent."""
    url, ca_file, posts = endpoint
    root = make_project({})
    configure(root, spf_include="spf.relay.example", dkim_selector="s1", unsubscribe_url=url)
    dns.zone.update(good_zone(dkim_key))
    members = members_file(tmp_path / "outside", [member_row(1), member_row(2)])
    env = {**smtp.env(), **imap.env(), **dns.env(), "SSL_CERT_FILE": str(ca_file)}
    result = cli(root, "doctor", "--members", str(members), env=env)
    assert result.exit_code == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line for line in lines if line[0] not in "✓–" and not line.startswith(" ")] == [
        "Alles, was ein Versand braucht, ist bereit."
    ], result.stdout
    for topic in ("Geheimnisse", "SMTP", "IMAP", "Mitglieder", "Abmeldung", "SPF", "DKIM", "DMARC"):
        assert lines_of(result.stdout, f"✓ {topic}"), (topic, result.stdout)
    assert "2 Mitglieder lesbar" in result.stdout
    for secret in (smtp.env()["RUNDBRIEF_SMTP_PASSWORD"], imap.env()["RUNDBRIEF_IMAP_PASSWORD"]):
        assert secret not in result.stdout + result.stderr
    assert smtp.recorder.received == [] and smtp.recorder.logins == ["rundbrief-sender"]
    ((path, body),) = posts
    assert body == b"List-Unsubscribe=One-Click" and "t=" in path


def test_a_missing_secret_is_named(make_project, cli, dns: DnsServer, smtp, dkim_key) -> None:
    """Without the IMAP password the line names exactly that variable and where to set it."""
    root = make_project({})
    configure(root, spf_include="spf.relay.example", dkim_selector="s1", unsubscribe_url=None)
    dns.zone.update(good_zone(dkim_key))
    env = {
        **smtp.env(),
        **dns.env(),
        "RUNDBRIEF_IMAP_HOST": "127.0.0.1",
        "RUNDBRIEF_IMAP_USER": "feedback@mitgliederwerk.example",
    }
    result = cli(root, "doctor", env=env)
    assert result.exit_code == 1
    (secrets,) = lines_of(result.stdout, "✗ Geheimnisse")
    assert "fehlt: RUNDBRIEF_IMAP_PASSWORD\n" in secrets
    assert "Repository-Secret" in secrets and "RUNDBRIEF_SMTP" not in secrets
    assert lines_of(result.stdout, "✓ SMTP")
    (unsubscribe,) = lines_of(result.stdout, "! Abmeldung")  # no endpoint: by mail, a hint
    assert "abmelden@mitgliederwerk.example ab, die im Rückmelde-Postfach ankommen muss" in (
        unsubscribe
    )


def test_a_wrong_smtp_password_is_reported_in_german(make_project, cli, smtp, dns) -> None:
    """The relay's refusal as one German line with the variables to check; no traceback, no
    password."""
    root = make_project({})
    configure(root, unsubscribe_url=None)
    result = cli(
        root, "doctor", env={**smtp.env(RUNDBRIEF_SMTP_PASSWORD="falsch-123"), **dns.env()}
    )
    assert result.exit_code == 1
    (line,) = lines_of(result.stdout, "✗ SMTP")
    assert f"Anmeldung als 'rundbrief-sender' bei 127.0.0.1:{smtp.port} fehlgeschlagen" in line
    assert "RUNDBRIEF_SMTP_PASSWORD" in line
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "falsch-123" not in output
    assert smtp.recorder.received == []


def test_a_missing_feedback_folder_is_named(make_project, cli, imap, dns) -> None:
    """Logged in, but feedback.folder is not in the mailbox: ✗ with the setting to correct."""
    root = make_project({})
    configure(root, unsubscribe_url=None)
    path = root / "rundbrief.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  folder: INBOX", "  folder: Nirgends")
    )
    result = cli(root, "doctor", env={**imap.env(), **dns.env()})
    (line,) = lines_of(result.stdout, "✗ IMAP")
    assert "den Ordner 'Nirgends' gibt es im Postfach von 'feedback@mitgliederwerk.example'" in line
    assert "feedback.folder" in line


def test_the_state_database_answers_or_is_named(make_project, cli, dns, postgres: str) -> None:
    """RUNDBRIEF_STATE_URL set: a reachable database is ✓, a missing one ✗ with the variable."""
    root = make_project({})
    configure(root, unsubscribe_url=None)
    good = cli(root, "doctor", env={**dns.env(), "RUNDBRIEF_STATE_URL": postgres})
    assert lines_of(good.stdout, "✓ Zustand"), good.stdout
    wrong = postgres.rsplit("/", 1)[0] + "/nicht_da"
    bad = cli(root, "doctor", env={**dns.env(), "RUNDBRIEF_STATE_URL": wrong})
    (line,) = lines_of(bad.stdout, "✗ Zustand")
    assert "nicht_da" in line and "RUNDBRIEF_STATE_URL" in line


def test_own_dkim_key_must_match_the_published_one(make_project, cli, dns, dkim_key) -> None:
    """Signing with a key whose public half is not in DNS is ✗ with the exact record."""
    root = make_project({})
    configure(root, spf_include="spf.relay.example", dkim_selector="s1", unsubscribe_url=None)
    dns.zone.update(good_zone(dkim_key))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    result = cli(root, "doctor", env={**dns.env(), "RUNDBRIEF_DKIM_PRIVATE_KEY": pem(other)})
    (line,) = lines_of(result.stdout, "✗ DKIM")
    assert f'"v=DKIM1; k=rsa; p={public(other)}"' in line
    assert pem(other).splitlines()[1] not in result.stdout + result.stderr


class _ReceivingServer:
    """Our own receiving server: checks SPF, DKIM and DMARC as an MX does (authheaders, over
    the test DNS), puts its Authentication-Results on top and files the message in Dovecot."""

    def __init__(self, imap) -> None:
        self.imap = imap
        self.seen: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        import authheaders

        data = envelope.original_content
        results = authheaders.authenticate_message(
            data,
            "mx1.mitgliederwerk.example",
            ip=session.peer[0],
            mail_from=envelope.mail_from,
            helo=session.host_name,
            spf=True,
        )
        stamped = results.encode() + b"\r\n" + data
        self.seen.append(stamped)
        self.imap.append([stamped])
        return "250 2.0.0 filed"


@pytest.fixture
def receiving(imap, dns: DnsServer, monkeypatch) -> Iterator[tuple[_ReceivingServer, dict]]:
    """The receiving server on 127.0.0.1 (plain SMTP on loopback) and the env that reaches it."""
    import dns.resolver as resolvers  # (not `import dns…`: that name is the fixture here)
    from aiosmtpd.controller import Controller
    from smtp_helpers import free_port

    resolver = resolvers.Resolver(configure=False)
    resolver.nameservers, resolver.port = ["127.0.0.1"], dns.port
    monkeypatch.setattr(resolvers, "default_resolver", resolver)  # pyspf, dkimpy, DMARC
    handler = _ReceivingServer(imap)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        **imap.env(),
        **dns.env(),
        "RUNDBRIEF_SMTP_HOST": "127.0.0.1",
        "RUNDBRIEF_SMTP_PORT": str(port),
        "RUNDBRIEF_SMTP_TLS": "none",
    }
    try:
        yield handler, env
    finally:
        controller.stop()


def probe_zone(key: rsa.RSAPrivateKey) -> dict[str, list[str | bytes]]:
    """The good records, and the relay's own SPF record allowing 127.0.0.1 (where we send)."""
    return {**good_zone(key), "spf.relay.example": ["v=spf1 ip4:127.0.0.0/8 -all"]}


def test_the_probe_reports_what_our_receiving_server_found(
    make_project, cli, dns: DnsServer, imap, receiving, dkim_key
) -> None:
    """Signed by rundbrief, sent from an allowed address: spf, dkim and dmarc pass, as our own
    server's Authentication-Results say; the probe is gone from the mailbox afterwards."""
    server, env = receiving
    root = make_project({})
    configure(root, spf_include="spf.relay.example", dkim_selector="s1", unsubscribe_url=None)
    dns.zone.update(probe_zone(dkim_key))
    result = cli(
        root, "doctor", "--probe", env={**env, "RUNDBRIEF_DKIM_PRIVATE_KEY": pem(dkim_key)}
    )
    for method in ("SPF", "DKIM", "DMARC"):
        (line,) = lines_of(result.stdout, f"✓ Probe {method}")
        assert f"mx1.mitgliederwerk.example meldet {method.lower()}=pass" in line
    (relay,) = lines_of(result.stdout, "✓ SMTP")  # a relay on this machine: no log-in needed
    assert "ohne Anmeldung" in relay and "fehlt: RUNDBRIEF_SMTP_USER" not in result.stdout
    (stamped,) = server.seen
    assert stamped.startswith(b"Authentication-Results: mx1.mitgliederwerk.example")
    assert imap.folder("INBOX") == []


def test_the_probe_names_each_check_that_fails(
    make_project, cli, dns: DnsServer, imap, receiving, dkim_key
) -> None:
    """Unsigned, from an address SPF does not allow: three ✗ lines with our server's verdicts."""
    server, env = receiving
    root = make_project({})
    configure(root, spf_include="spf.relay.example", dkim_selector="s1", unsubscribe_url=None)
    dns.zone.update(probe_zone(dkim_key))
    dns.zone["spf.relay.example"] = ["v=spf1 ip4:192.0.2.1 -all"]
    result = cli(root, "doctor", "--probe", env=env)
    assert result.exit_code == 1
    (spf,) = lines_of(result.stdout, "✗ Probe SPF")
    assert "spf=softfail" in spf and "SPF-Zeile oben" in spf  # (~all of the envelope domain)
    assert lines_of(result.stdout, "✗ Probe DKIM") and lines_of(result.stdout, "✗ Probe DMARC")


def test_a_probe_that_never_arrives_is_named(make_project, dns, imap, smtp) -> None:
    """Sent to a server that files nothing: after the wait, one ✗ with the address to check."""
    from generator.core.settings import load_project
    from generator.doctor.probe import probe

    root = make_project({})
    (finding,) = probe(load_project(root), {**smtp.env(), **imap.env()}, wait=0)
    assert finding.status == "fail"
    assert "abmelden@mitgliederwerk.example" in finding.fix
    assert len(smtp.recorder.received) == 1
