"""Benchmark: (a) `feedback` over 10,000 messages in Dovecot; (b) `report` over 100 × 10,000.

(a) fills a Dovecot Maildir with messages of the shapes in tests/mail/ (bounces of every
kind, complaints, auto-replies, unsubscribes, junk), then reads it as `rundbrief feedback`
does and splits the time per message into IMAP fetch, classification and filing (SQLite
transaction and IMAP MOVE), and gives rundbrief's own CPU time a message (on a shared machine
the wall time says as much about the neighbours). Target: limited by IMAP, classification
under 10 %.

(b) writes a journal of 100 newsletters × 10,000 members (1,000,000 rows), a suppression
store and a members file, then runs `rundbrief report --members` in a fresh process. Target:
under 2 s.

    .venv/bin/python bench/feedback.py [MESSAGES] [NEWSLETTERS] [MEMBERS]
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the test helpers: Dovecot, SMTP, fixtures

from feedback_helpers import MAILBOX, render, sent_journal  # noqa: E402
from imap_helpers import DOVECOT, PASSWORD, USER, run_dovecot  # noqa: E402
from members_helpers import MEMBER_COLUMNS  # noqa: E402
from smtp_helpers import SECRET  # noqa: E402

from generator.core.settings import load_project  # noqa: E402
from generator.feedback.classify import context_for  # noqa: E402
from generator.feedback.mailbox import ImapConfig, close, connect, read_mailbox  # noqa: E402
from generator.feedback.suppression import Event, SuppressionStore, iso  # noqa: E402
from generator.sending.journal import Journal  # noqa: E402


def feedback(count: int) -> None:
    if DOVECOT is None:
        print("(a) skipped: dovecot is not installed (apt-get install dovecot-imapd)")
        return
    project = load_project(REPO)
    server_run = run_dovecot()
    server = next(server_run)
    try:
        begin = time.perf_counter()
        messages = (
            render(
                case.file,
                address=f"m{n}@beispiel.example",
                newsletter=case.newsletter,
                verp=case.verp,
                ident=str(n),
            )
            for n, case in ((n, MAILBOX[n % len(MAILBOX)]) for n in range(count))
        )
        server.write_maildir(messages)
        print(
            f"(a) {count:,} messages written to the Maildir in {time.perf_counter() - begin:.1f} s"
        )
        with tempfile.TemporaryDirectory() as folder:
            # The sends the reports speak of: each bounce must match its journal row.
            sends = [
                (MAILBOX[n % len(MAILBOX)].newsletter, f"m{n}@beispiel.example")
                for n in range(count)
            ]
            sent = Journal(sent_journal(Path(folder) / "journal.sqlite", sends))
            store = SuppressionStore(Path(folder) / "suppression.sqlite")
            config = ImapConfig("127.0.0.1", server.port, USER, PASSWORD, str(server.ca_file))
            begin, cpu = time.perf_counter(), time.process_time()
            mailbox = connect(config)
            try:
                outcome = read_mailbox(
                    mailbox,
                    store,
                    context_for(
                        project.settings.newsletter,
                        SECRET.encode(),
                        sent,
                        project.settings.feedback,
                    ),
                    folder="INBOX",
                    processed_folder="Verarbeitet",
                    quarantine_folder="Quarantäne",
                )
            finally:
                close(mailbox)
            total, cpu = time.perf_counter() - begin, time.process_time() - cpu
            store.close()
            sent.close()
    finally:
        next(server_run, None)
    timings = outcome.timings
    n = outcome.new
    print(
        f"    read {n:,} messages in {total:.2f} s: {n / total:,.0f} messages/s; rundbrief's own "
        f"CPU {cpu / n * 1000:.3f} ms a message (Dovecot's aside)"
    )
    print(
        f"    per message: IMAP fetch {timings.fetch / n * 1000:.3f} ms, "
        f"classification {timings.classify / n * 1000:.3f} ms, "
        f"filing (SQLite + IMAP MOVE) {timings.store / n * 1000:.3f} ms, "
        f"rest (login, SELECT, SEARCH) {(total - timings.fetch - timings.classify - timings.store) / n * 1000:.3f} ms"
    )
    print(
        f"    classification is {timings.classify / total:.1%} of the total "
        f"(IMAP fetch {timings.fetch / total:.1%}); kinds: {dict(outcome.kinds)}"
    )


def history(root: Path, newsletters: int, members: int) -> Path:
    """A journal, a suppression store and a members file as a year of sending leaves them."""
    state = root / ".rundbrief"
    state.mkdir(parents=True)
    Journal(state / "journal.sqlite").close()  # the journal's own schema
    rng = random.Random(10)
    start = dt.datetime(2018, 1, 7, 8, 0, tzinfo=dt.UTC)
    slugs = []
    db = sqlite3.connect(state / "journal.sqlite")
    with db:
        for index in range(newsletters):
            begun = start + dt.timedelta(days=index * 28)
            slug = f"{begun:%Y-%m-%d}-ausgabe-{index + 1}"
            slugs.append((slug, begun))
            rows = []
            for n in range(members):
                roll = rng.random()
                state_, reply = "sent", "250 2.0.0 Ok: queued"
                if roll < 0.004:
                    state_, reply = "failed", f"550 5.1.1 <m{n}@beispiel.example>: User unknown"
                elif roll < 0.0045:
                    state_, reply = "sending", ""
                stamp = iso(begun + dt.timedelta(seconds=n * 0.05))
                rows.append(
                    (slug, f"m{n}@beispiel.example", state_, f"<{slug}.{n}@x>", reply, "c0ffee", 1, iso(begun), stamp, stamp if state_ == "sent" else None)
                )  # fmt: skip
            db.executemany(
                "INSERT INTO deliveries (newsletter, recipient, state, message_id, reply,"
                " commit_sha, attempts, created_at, updated_at, sent_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    db.close()
    events = []
    for slug, begun in slugs:
        for n in rng.sample(range(members), members // 50):
            kind = rng.choice(
                ["hard_bounce"] * 5 + ["soft_bounce"] * 3 + ["complaint"] + ["unsubscribe"] * 4
            )
            when = iso(begun + dt.timedelta(hours=rng.uniform(1, 200)))
            newsletter = "" if kind == "unsubscribe" else slug
            events.append(Event(kind, f"m{n}@beispiel.example", newsletter, "", f"<e{len(events)}>", when))  # type: ignore[arg-type]  # fmt: skip
    with SuppressionStore(state / "suppression.sqlite") as store:
        store.add(events)
    with Journal(state / "journal.sqlite") as journal:
        for slug, begun in slugs:  # one run per send, as `rundbrief send` records it
            journal.record_exclusions(slug, {"consent": 120, "hard_bounce": 40, "audience": 300})
            journal.record_run(slug, begun, begun + dt.timedelta(seconds=members * 0.05))
    lines = [MEMBER_COLUMNS]
    for n in range(members):
        opted = start - dt.timedelta(days=rng.uniform(0, 3000))
        confirmed = opted + dt.timedelta(minutes=rng.uniform(1, 600))
        left = (
            iso(confirmed + dt.timedelta(days=rng.uniform(10, 3000))) if rng.random() < 0.1 else ""
        )
        lines.append(f"m{n}@beispiel.example,V{n},M,code-{n},alle,{iso(opted)},{iso(confirmed)},{left},2024")  # fmt: skip
    members_file = root.parent / "members.csv"
    members_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return members_file


def report(newsletters: int, members: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "project"
        root.mkdir()
        for name in ("rundbrief.yml", "mkdocs.yml"):
            shutil.copy2(REPO / name, root / name)
        begin = time.perf_counter()
        members_file = history(root, newsletters, members)
        rows = newsletters * members
        print(f"(b) journal of {rows:,} rows written in {time.perf_counter() - begin:.1f} s")
        command = [sys.executable, "-m", "generator", "-C", str(root), "report", "--members", str(members_file)]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        times = []
        for _ in range(3):
            begin = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True, env=env)
            times.append(time.perf_counter() - begin)
            if result.returncode != 0:
                raise SystemExit(result.stderr)
        print(f"    {result.stdout.strip()}")
        print(
            f"    `rundbrief report --members` in a fresh process: best {min(times):.2f} s, "
            f"worst {max(times):.2f} s (of 3; Python start and imports included)"
        )
        page = root / "build" / "reports" / "bericht.html"
        print(f"    page: {page.stat().st_size / 1000:,.0f} KB")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    newsletters = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    members = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    if count:
        feedback(count)
    report(newsletters, members)


if __name__ == "__main__":
    main()
