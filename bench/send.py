"""Benchmark: (a) personalise one newsletter for 100,000 members; (b) SMTP with journal vs bare."""

from __future__ import annotations

import smtplib
import socket
import ssl
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.core.settings import load_project  # noqa: E402
from generator.newsletter.email import personalise  # noqa: E402
from generator.newsletter.mime import build_message  # noqa: E402
from generator.newsletter.render import check_newsletter  # noqa: E402
from generator.newsletter.source import newsletter_source  # noqa: E402
from generator.sending.journal import Journal  # noqa: E402
from generator.sending.members import Member  # noqa: E402
from generator.sending.recipients import member_values  # noqa: E402
from generator.sending.transport import Outgoing, SmtpTransport, smtp_config  # noqa: E402
from generator.site.index import read_site  # noqa: E402
from tests.smtp_helpers import PASSWORD, USER, run_server  # noqa: E402

SECRET = b"bench-secret-0123456789"
NEWSLETTER = "newsletters/2026-12-01-mitglieder-werben-mitglieder.md"


def member(n: int) -> Member:
    return Member(
        n + 2,
        f"m{n}@beispiel.example",
        f"Vorname{n}",
        "Muster",
        f"code-{n}",
        frozenset({"alle"}),
        "2026-01-01T10:00:00",
        "2026-01-01T10:05:00",
        "",
    )


def main() -> None:
    project = load_project(REPO)
    checked = check_newsletter(
        project, read_site(project)[0], newsletter_source(project, Path(NEWSLETTER))
    )
    email = checked.email
    assert email is not None, checked.problems
    count = 100_000
    start = time.perf_counter()
    for n in range(count):
        personalise(email, member_values(project, member(n), campaign="bench", secret=SECRET))
    took = time.perf_counter() - start
    print(f"(a) personalise {count:,} members: {took:.2f} s, {count / took:,.0f} messages/s")

    with tempfile.TemporaryDirectory() as folder:
        server = run_server(Path(folder))
        smtp = next(server)
        env = smtp.env()
        messages = [
            build_message(
                email,
                to=f"m{n}@beispiel.example",
                message_id=f"<b{n}@x.example>",
                values=member_values(project, member(n), campaign="b", secret=SECRET),
            )
            for n in range(2000)
        ]
        prepared = [Outgoing.of(m) for m in messages]  # the same bytes for both loops
        client = smtplib.SMTP("127.0.0.1", smtp.port)
        client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[union-attr]
        client.starttls(context=ssl.create_default_context(cafile=str(smtp.ca_file)))
        client.login(USER, PASSWORD)
        start = time.perf_counter()
        for item in prepared:
            client.sendmail(item.sender, list(item.recipients), item.data)
        bare = time.perf_counter() - start
        client.quit()
        transport = SmtpTransport(smtp_config(env))
        journal = Journal(Path(folder) / "journal.sqlite")
        journal.plan("bench", ((f"m{n}", f"<b{n}>") for n in range(2000)), "c")
        start = time.perf_counter()
        for n, item in enumerate(prepared):
            journal.mark("bench", f"m{n}", "sending")
            reply = transport.send(item)
            journal.mark("bench", f"m{n}", "sent", str(reply))
        journaled = time.perf_counter() - start
        transport.close()
        journal.close()
        print(
            f"(b) 2,000 messages: bare smtplib {2000 / bare:,.0f}/s, with journal "
            f"{2000 / journaled:,.0f}/s, ratio {bare / journaled:.2f}"
        )
        server.close()


if __name__ == "__main__":
    main()
