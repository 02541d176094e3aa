"""Benchmark of reading a large members file: peak memory and time of each command that opens it.

A synthetic export of 200,000 members (about 200 MB: each row carries a long free-text column,
as platform exports do) is read by `rundbrief report --members` and by `rundbrief kits
--members --member` (one kit, but the whole file is read). Each runs in a child process whose
peak resident memory (VmHWM) is reported. (`send` is measured by bench/send.py (d).)

Target (issue 17, R-38): every command streams the file; none needs memory in proportion to it.
Run: .venv/bin/python bench/members.py [--members 200000] [--filler 900]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the test helpers

from project_helpers import copy_sources  # noqa: E402

HEADER = (
    "email,first_name,last_name,referral_code,segments,opt_in_at,confirmed_at,unsubscribed_at,notes"
)
LAUNCHER = """
import atexit, sys
from pathlib import Path

def peak():
    status = Path("/proc/self/status").read_text()
    kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    Path(out).write_text(kb)

atexit.register(peak)
out = sys.argv[1]
sys.argv = ["rundbrief", *sys.argv[2:]]
from generator.cli import main
main()
"""


def write_members(path: Path, count: int, filler: int) -> None:
    """``count`` consenting members, every 50th unsubscribed, each with ``filler`` note characters."""
    note = ("Notiz " * (filler // 6 + 1))[:filler]
    with path.open("w", encoding="utf-8") as stream:
        stream.write(HEADER + "\n")
        for n in range(count):
            left = "2026-03-01T10:00:00+01:00" if n % 50 == 0 else ""
            stream.write(
                f"m{n}@beispiel.example,Vorname{n},Muster,code-{n},alle,"
                f"2026-01-01T10:00:00+01:00,01.01.2026 10:05,{left},{note}\n"
            )


def run(project: Path, *args: str) -> tuple[float, float, int]:
    """(seconds, peak memory in MB, exit code) of ``rundbrief -C project ARGS`` in a child."""
    with tempfile.NamedTemporaryFile(suffix=".peak") as peak:
        command = [sys.executable, "-c", LAUNCHER, peak.name, "-C", str(project), *args]
        start = time.perf_counter()
        result = subprocess.run(
            command,
            cwd=project.parent,  # not the checkout: PYTHONPATH chooses the code measured
            env={**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", str(REPO))},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        took = time.perf_counter() - start
        text = Path(peak.name).read_text() or "0"
        if result.returncode not in (0, 1):
            print(result.stdout[-2000:])
        return took, int(text) / 1024, result.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--filler", type=int, default=900)
    given = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "project"
        copy_sources(root)
        members = Path(folder) / "members.csv"
        write_members(members, given.members, given.filler)
        size = members.stat().st_size / 1e6
        print(f"members file: {given.members:,} rows, {size:,.0f} MB")
        for label, args in (
            ("report --members", ("report", "--members", str(members))),
            ("kits --members --member", ("kits", "--members", str(members), "--member", "code-7")),
        ):
            took, peak, code = run(root, *args)
            print(f"{label}: {took:.1f} s, peak memory {peak:,.0f} MB (exit {code})")


if __name__ == "__main__":
    main()
