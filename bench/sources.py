"""Benchmark of the members sources: the same members from a file, over HTTPS and from a query.

A synthetic export of N members (default 100,000; each row with a free-text column, as platform
exports have) is counted by ``recipients.select`` — what ``send`` and ``review`` do first — from
the CSV file, from a local HTTPS server (trustme CA, bearer token), from a PostgreSQL table
through ``members.query`` and, when Debian's mariadb-server is installed, from a MariaDB table.
Each count runs in a child process whose time and peak resident memory are reported.

Target (issue 19, item 3): every source streams; none needs memory in proportion to its rows.
Run: .venv/bin/python bench/sources.py [--members 100000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the test helpers

from https_helpers import Route, run_https  # noqa: E402
from mariadb_helpers import INSTALL_DB, run_mariadb  # noqa: E402
from postgres_helpers import run_postgres  # noqa: E402
from project_helpers import copy_sources  # noqa: E402

COLUMNS = ("email", "first_name", "last_name", "referral_code", "segments", "opt_in_at",
           "confirmed_at", "unsubscribed_at", "notes")  # fmt: skip
QUERY = f"SELECT {', '.join(COLUMNS)} FROM mitglieder ORDER BY id"
TOKEN = "bench-token-0123456789"
CHILD = """
import json, resource, sys, time
from pathlib import Path
from generator.core.settings import load_project
from generator.members.recipients import Audience, select
from generator.members.source import members_source
root, given = Path(sys.argv[1]), sys.argv[2] or None
start = time.perf_counter()
selection = select(members_source(load_project(root), given), Audience("alle"))
print(json.dumps({"seconds": time.perf_counter() - start, "recipients": selection.recipients,
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def rows(count: int, filler: int) -> list[tuple[str, ...]]:
    """``count`` consenting members, every 50th unsubscribed, each with a note."""
    note = ("Notiz " * (filler // 6 + 1))[:filler]
    return [
        (f"m{n}@beispiel.example", f"Vorname{n}", "Muster", f"code-{n}", "alle",
         "2026-01-01T10:00:00+01:00", "2026-01-01T10:05:00+01:00",
         "2026-03-01T10:00:00+01:00" if n % 50 == 0 else "", note)
        for n in range(count)
    ]  # fmt: skip


def csv_text(members: list[tuple[str, ...]]) -> str:
    return "\n".join([",".join(COLUMNS), *(",".join(row) for row in members)]) + "\n"


def count(root: Path, given: str, env: dict[str, str]) -> dict[str, float]:
    """Time, recipients and peak memory (MB) of one count in a child process."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), given],
        cwd=root.parent,
        env={**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", str(REPO)), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(result.stderr[-3000:])
    return json.loads(result.stdout.splitlines()[-1])


def fill_postgres(url: str, members: list[tuple[str, ...]]) -> None:
    import psycopg

    with psycopg.connect(url) as connection:
        connection.execute(
            "CREATE TABLE mitglieder (id serial PRIMARY KEY, "
            + ", ".join(f"{c} text" for c in COLUMNS) + ")"
        )  # fmt: skip
        with connection.cursor().copy(f"COPY mitglieder ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in members:
                copy.write_row(row)


def fill_mariadb(url: str, members: list[tuple[str, ...]]) -> None:
    from generator.core.platformdb import connect

    connection = connect(url)
    cursor = connection.cursor()
    cursor.execute(
        "CREATE TABLE mitglieder (id int AUTO_INCREMENT PRIMARY KEY, "
        + ", ".join(f"{c} text" for c in COLUMNS) + ")"
    )  # fmt: skip
    insert = f"INSERT INTO mitglieder ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # fmt: skip
    for start in range(0, len(members), 5000):
        cursor.executemany(insert, members[start : start + 5000])
    connection.commit()
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--filler", type=int, default=200)
    given = parser.parse_args()
    members = rows(given.members, given.filler)
    text = csv_text(members)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        root = base / "project"
        copy_sources(root)
        settings = root / "rundbrief.yml"
        settings.write_text(
            settings.read_text(encoding="utf-8").replace("members:", f'members:\n  query: "{QUERY}"', 1),
            encoding="utf-8",
        )  # fmt: skip
        export = base / "members.csv"
        export.write_text(text, encoding="utf-8")
        print(f"{given.members:,} members, {len(text.encode()) / 1e6:,.0f} MB as CSV")
        results = {"file": count(root, str(export), {})}
        with run_https(base / "https") as server:
            server.routes["/m.csv"] = Route(text.encode(), token=TOKEN)
            results["https"] = count(root, server.url("/m.csv"), server.env(TOKEN))
        with run_postgres() as postgres:
            url = postgres.create("bench")
            fill_postgres(url, members)
            results["postgresql"] = count(root, "", {"RUNDBRIEF_MEMBERS_DATABASE_URL": url})
        if INSTALL_DB is not None:
            with run_mariadb() as mariadb:
                url = mariadb.create("bench")
                fill_mariadb(url, members)
                results["mariadb"] = count(root, "", {"RUNDBRIEF_MEMBERS_DATABASE_URL": url})
    out = io.StringIO()
    for label, found in results.items():
        out.write(
            f"{label:>11}: {found['seconds']:5.1f} s, {found['recipients']:,.0f} recipients, "
            f"peak memory {found['peak']:,.0f} MB\n"
        )
    print(out.getvalue(), end="")


if __name__ == "__main__":
    main()
