"""Benchmark of sending, from the message to the whole command.

(a) one message per member: the one-pass MIME template against the email package;
(b) SMTP with the journal against a bare smtplib loop (the journal's cost);
(c) `rundbrief send --dry-run` end to end (gate, members file, personalisation,
    serialisation, outbox) for 20,000 members on one core: messages per second and per CPU second, peak memory;
    the command runs from bytecode, as an installed package does;
(d) the same for 200,000 members: peak memory (the members file is streamed);
(e) `rundbrief send` end to end to an SMTP server that delays each reply by 20 ms (a relay
    across the internet): 1 connection against 8;
(f) the journal's own cost per message at 20,000 members, as a send with 8 connections uses
    it (claims in batches of 16, 'sent' marks riding on the next claim): SQLite against the
    shared PostgreSQL state (a throw-away cluster, TLS verified);
(g) (e) with 8 connections on the SQLite state and on the PostgreSQL state, side by side.

Targets (issue 12): (c) ≥ 1,000 messages/s; (e) 8 connections ≥ 6× one; (d) ≤ 150 MB.
Targets (issue 19): (f) ≤ 1 ms per message on PostgreSQL; (g) PostgreSQL ≥ 0.8× SQLite.
Run: .venv/bin/python bench/send.py [--members 20000] [--big 200000] [--smtp-members 2000]
     [--skip-big] [--skip-smtp] [--skip-postgres] [--only-state]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import datetime as dt
import os
import resource
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the test helpers: Dovecot, SMTP, fixtures

import trustme  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from postgres_helpers import INITDB, run_postgres  # noqa: E402
from project_helpers import copy_sources  # noqa: E402
from smtp_helpers import PASSWORD, USER, free_port, run_server  # noqa: E402

from generator.core.settings import load_project  # noqa: E402
from generator.members.source import Member  # noqa: E402
from generator.members.values import MemberValues  # noqa: E402
from generator.newsletter.mime import build_message, wire_bytes  # noqa: E402
from generator.newsletter.render import check_newsletter  # noqa: E402
from generator.newsletter.source import newsletter_source  # noqa: E402
from generator.sending.journal import Journal  # noqa: E402
from generator.sending.message import MessageTemplate  # noqa: E402
from generator.sending.postgres_journal import PostgresJournal  # noqa: E402
from generator.sending.transport import Outgoing, SmtpTransport, smtp_config  # noqa: E402
from generator.site.index import read_site  # noqa: E402

SECRET = b"bench-secret-0123456789"
NEWSLETTER = "newsletters/2026-12-01-mitglieder-werben-mitglieder.md"
FIRST = ["Anna", "Jürgen", "Özlem", "Ben", "Käthe", "Hüseyin", "Marie", "Lukas", "Zoë", "Paul"]
HEADER = (
    "email,first_name,last_name,referral_code,segments,opt_in_at,confirmed_at,unsubscribed_at,"
    "member_since"
)


def member(n: int) -> Member:
    return Member(
        n + 2,
        f"m{n}@beispiel.example",
        FIRST[n % len(FIRST)],
        f"Muster{n}",
        f"code-{n}",
        frozenset({"alle"}),
        dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 10, 5, tzinfo=dt.UTC),
        None,
    )


def messages(count: int) -> None:
    """(a) Per message: values, then bytes; the template against the email package."""
    project = load_project(REPO)
    checked = check_newsletter(
        project, read_site(project)[0], newsletter_source(project, Path(NEWSLETTER))
    )
    email = checked.email
    assert email is not None, checked.problems
    values = MemberValues(project.settings, campaign="bench", secret=SECRET)
    template = MessageTemplate(email)
    date = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    start = time.perf_counter()
    for n in range(count):
        template.render(
            to=f"m{n}@beispiel.example", values=values(member(n)), message_id="<b@x>", date=date
        )
    fast = (time.perf_counter() - start) / count
    slow_count = max(200, count // 50)
    start = time.perf_counter()
    for n in range(slow_count):
        message = build_message(
            email,
            to=f"m{n}@beispiel.example",
            values=values(member(n)),
            message_id="<b@x>",
            date=date,
        )
        wire_bytes(message)
    slow = (time.perf_counter() - start) / slow_count
    print(
        f"(a) one message (values + bytes): template {fast * 1e6:,.0f} µs ({1 / fast:,.0f}/s), "
        f"email package {slow * 1e6:,.0f} µs ({1 / slow:,.0f}/s), {slow / fast:.0f}× faster"
    )
    return None


def journal_cost() -> None:
    """(b) The same 2,000 messages over SMTP with the journal and with a bare smtplib loop."""
    project = load_project(REPO)
    checked = check_newsletter(
        project, read_site(project)[0], newsletter_source(project, Path(NEWSLETTER))
    )
    assert checked.email is not None
    template = MessageTemplate(checked.email)
    values = MemberValues(project.settings, campaign="b", secret=SECRET)
    with tempfile.TemporaryDirectory() as folder:
        server = run_server(Path(folder))
        smtp = next(server)
        prepared = [
            Outgoing(
                "newsletter@mitgliederwerk.example",
                (f"m{n}@beispiel.example",),
                template.render(
                    to=f"m{n}@beispiel.example", values=values(member(n)), message_id=f"<b{n}@x>"
                ),
            )
            for n in range(2000)
        ]
        client = smtplib.SMTP("127.0.0.1", smtp.port)
        client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[union-attr]
        client.starttls(context=ssl.create_default_context(cafile=str(smtp.ca_file)))
        client.login(USER, PASSWORD)
        start = time.perf_counter()
        for item in prepared:
            client.sendmail(item.sender, list(item.recipients), item.data)
        bare = time.perf_counter() - start
        client.quit()
        transport = SmtpTransport(smtp_config(smtp.env()))
        journal = Journal(Path(folder) / "journal.sqlite")
        journal.plan("bench", ((f"m{n}", f"<b{n}>") for n in range(2000)), "c")
        start = time.perf_counter()
        for n, item in enumerate(prepared):
            journal.claim("bench", [f"m{n}"], "c")
            reply = transport.send(item)
            journal.mark("bench", f"m{n}", "sent", str(reply))
        journaled = time.perf_counter() - start
        transport.close()
        journal.close()
        print(
            f"(b) 2,000 messages over SMTP: bare smtplib {2000 / bare:,.0f}/s, with the journal "
            f"{2000 / journaled:,.0f}/s, ratio {bare / journaled:.2f}"
        )
        server.close()


def synthetic_project(root: Path, members: int) -> Path:
    """A copy of the repository's sources, committed and pushed to a bare remote, and members."""
    copy_sources(root)
    newsletter = root / NEWSLETTER  # approved and merged, as a real send needs it
    text = newsletter.read_text(encoding="utf-8")
    newsletter.write_text(text.replace("status: draft", "status: approved"), encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@x.example"}
    env |= {"GIT_COMMITTER_NAME": "B", "GIT_COMMITTER_EMAIL": "b@x.example"}
    remote = root.parent / "remote.git"
    for args, cwd in (
        (["init", "-q", "-b", "main"], root),
        (["add", "-A"], root),
        (["commit", "-q", "-m", "bench"], root),
        (["init", "-q", "--bare", "-b", "main", str(remote)], root.parent),
        (["remote", "add", "origin", str(remote)], root),
        (["push", "-q", "origin", "main"], root),
    ):
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True)
    write_members(root.parent / "members.csv", members)
    return root


def write_members(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as stream:
        stream.write(HEADER + "\n")
        for n in range(count):
            first = FIRST[n % len(FIRST)]
            stream.write(
                f"m{n}@beispiel.example,{first},Muster{n},code-{n},alle,"
                f"2026-01-01T10:00:00+01:00,01.01.2026 10:05,,2020\n"
            )


LAUNCHER = """
import atexit, sys
from pathlib import Path

def peak():
    # VmHWM: the peak resident memory of this program since it started (after exec), which
    # ru_maxrss is not: it keeps the peak of the process that started it.
    status = Path("/proc/self/status").read_text()
    kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    Path(out).write_text(kb)

atexit.register(peak)
out = sys.argv[1]
sys.argv = ["rundbrief", *sys.argv[2:]]
from generator.cli import main
main()
"""


BYTECODE = Path(tempfile.mkdtemp(prefix="rundbrief-bench-bytecode-"))
"""Where the child processes keep their compiled modules (never the checkout)."""
atexit.register(shutil.rmtree, BYTECODE, True)


def _with_bytecode(environ: os._Environ[str] | dict[str, str]) -> dict[str, str]:
    """``environ`` for a command that runs as an installed package does: from its bytecode.

    A checkout run with PYTHONDONTWRITEBYTECODE compiles every module of the package from
    source at each start (50 ms of the 90 modules a send imports); an installation has them
    compiled. The warm-up run writes them here.
    """
    environ = {k: v for k, v in environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**environ, "PYTHONPYCACHEPREFIX": str(BYTECODE)}


def run_send(
    project: Path, members: Path, *args: str, env: dict[str, str], one_core: bool
) -> tuple[float, float, str]:
    """Run `rundbrief send` in a child process: (seconds, peak memory in MB, output)."""
    with tempfile.NamedTemporaryFile(suffix=".peak") as peak:
        command = [sys.executable, "-c", LAUNCHER, peak.name, "-C", str(project), "send"]
        command += [NEWSLETTER, "--members", str(members), "--yes", *args]
        if one_core and shutil.which("taskset"):
            command = ["taskset", "-c", str(sorted(os.sched_getaffinity(0))[-1]), *command]
        start = time.perf_counter()
        result = subprocess.run(
            command,
            env={**_with_bytecode(os.environ), **env, "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        took = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(f"send failed:\n{result.stdout}")
        return took, int(Path(peak.name).read_text() or 0) / 1024, result.stdout


def dry_run(count: int, label: str) -> None:
    """(c)/(d) `send --dry-run` end to end on one core."""
    with tempfile.TemporaryDirectory() as folder:
        root = synthetic_project(Path(folder) / "project", count)
        env = {"RUNDBRIEF_UNSUBSCRIBE_SECRET": SECRET.decode()}
        members = Path(folder) / "members.csv"
        # A first run (of one member) renders the newsletter into the cache, as `rundbrief
        # build` would have; the measured run writes into a new outbox folder.
        write_members(Path(folder) / "one.csv", 1)
        run_send(root, Path(folder) / "one.csv", "--dry-run", env=env, one_core=True)
        outbox = Path(folder) / "outbox"
        before = _children_cpu()
        took, peak, _output = run_send(
            root, members, "--dry-run", "--outbox", str(outbox), env=env, one_core=True
        )
        cpu = _children_cpu() - before
        size = sum(p.stat().st_size for p in outbox.glob("*.eml"))
        print(
            f"({label}) dry run, {count:,} members, one core: {took:.1f} s, "
            f"{count / took:,.0f} messages/s end to end, peak memory {peak:,.0f} MB, "
            f"outbox {size / 1e9:.2f} GB; CPU {cpu:.2f} s ({count / cpu:,.0f} messages a CPU second)"
        )


def _children_cpu() -> float:
    """CPU seconds (user and system) of the finished child processes: on a shared machine the
    wall time says as much about the neighbours as about the command."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class SlowRelay:
    """An SMTP server that answers MAIL, RCPT and DATA each after 20 ms, and counts."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.count = 0

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
        await asyncio.sleep(self.delay)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await asyncio.sleep(self.delay)
        self.count += 1
        return "250 2.0.0 queued"


def state_journal_cost(members: int, urls: dict[str, str], folder: Path) -> None:
    """(f) The journal alone, as `deliver` drives it with 8 connections, on each state."""
    batch = 16  # 8 connections, each with one message in flight and one claimed ahead
    costs = {}
    for name, url in urls.items():
        journal = PostgresJournal(url) if url else Journal(folder / f"cost-{members}.sqlite")
        recipients = [f"m{n}@beispiel.example" for n in range(members)]
        start = time.perf_counter()
        journal.plan("bench", ((r, f"<{r}>") for r in recipients), "c")
        planned = time.perf_counter() - start
        start = time.perf_counter()
        for at in range(0, members, batch):
            chunk = recipients[at : at + batch]
            journal.claim("bench", chunk, "c")
            for recipient in chunk:
                journal.mark("bench", recipient, "sent", "250 2.0.0 queued")
        journal.save()
        took = time.perf_counter() - start
        assert journal.counts("bench")["sent"] == members
        journal.close()
        costs[name] = took / members
        print(
            f"(f) journal, {members:,} members, {name}: plan {planned:.1f} s, claim and mark "
            f"{took / members * 1e3:.3f} ms per message ({members / took:,.0f}/s)"
        )
    if len(costs) == 2:
        sqlite_cost, shared_cost = costs.values()
        print(f"(f) PostgreSQL / SQLite journal cost: {shared_cost / sqlite_cost:.2f}×")


def smtp_runs(count: int, states: dict[str, str] | None = None) -> None:
    """(e) The same members to a relay with 20 ms replies: 1 connection, then 8.

    With ``states`` (name → RUNDBRIEF_STATE_URL, "" for SQLite): (g), 8 connections on each.
    """
    with tempfile.TemporaryDirectory() as folder:
        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        ca_file = Path(folder) / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        relay = SlowRelay(0.02)
        port = free_port()
        controller = Controller(
            relay, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
        )
        controller.start()
        env = {
            "RUNDBRIEF_UNSUBSCRIBE_SECRET": SECRET.decode(),
            "RUNDBRIEF_SMTP_HOST": "127.0.0.1",
            "RUNDBRIEF_SMTP_PORT": str(port),
            "RUNDBRIEF_SMTP_CA_FILE": str(ca_file),
        }
        runs = [(f"{c} connection(s)", c, "") for c in (1, 8)] if states is None else []
        runs += [(f"8 connections, {name}", 8, url) for name, url in (states or {}).items()]
        rates = {}
        label = "e" if states is None else "g"
        try:
            for number, (name, connections, url) in enumerate(runs):
                root = Path(folder) / f"run{number}" / "project"
                root.parent.mkdir()
                synthetic_project(root, count)
                took, peak, _output = run_send(
                    root,
                    root.parent / "members.csv",
                    "--connections",
                    str(connections),
                    env={**env, "RUNDBRIEF_STATE_URL": url},
                    one_core=False,
                )
                rates[name] = count / took
                print(
                    f"({label}) SMTP, 20 ms per reply, {count:,} members, {name}: "
                    f"{took:.1f} s, {count / took:,.0f} messages/s, peak memory {peak:,.0f} MB"
                )
                if url:  # the next run starts from an empty shared state, as this one did
                    with PostgresJournal(url) as journal:
                        journal.db.execute("TRUNCATE deliveries, runs, exclusions, member_counts")
        finally:
            controller.stop()
        first, *_, last = rates.values()
        what = "8 connections / 1 connection" if states is None else "PostgreSQL / SQLite"
        print(f"({label}) {what}: {last / first:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--big", type=int, default=200_000)
    parser.add_argument("--smtp-members", type=int, default=2_000)
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--skip-smtp", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--only-state", action="store_true", help="only (f) and (g)")
    args = parser.parse_args()
    if not args.only_state:
        messages(20_000)
        journal_cost()
        dry_run(args.members, "c")
        if not args.skip_big:
            dry_run(args.big, "d")
        if not args.skip_smtp:
            smtp_runs(args.smtp_members)
    if args.skip_postgres or INITDB is None:
        print("(f)/(g) skipped: PostgreSQL is not installed" if INITDB is None else "")
        return
    # fsync on, as a production server runs (the tests' cluster runs without it).
    with run_postgres(fsync=True) as server, tempfile.TemporaryDirectory() as folder:
        shared = server.url(tls=True)
        state_journal_cost(args.members, {"SQLite": "", "PostgreSQL": shared}, Path(folder))
        with PostgresJournal(shared) as journal:
            journal.db.execute("TRUNCATE deliveries, runs")
        smtp_runs(args.smtp_members, {"SQLite": "", "PostgreSQL": shared})


if __name__ == "__main__":
    main()
