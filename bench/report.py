"""Benchmark: `rundbrief report --members --signups` over 100 newsletters × 10,000 recipients.

Writes a journal of 100 sends to 10,000 members (1,000,000 rows), a suppression store, a
members file, the 100 newsletter sources (the report names each by its subject) and a sign-up
export of 50,000 rows, then runs the report in a fresh process three times. Targets: under 2 s,
peak memory (maximum resident set size of the process) at most 200 MB.

    .venv/bin/python bench/report.py [NEWSLETTERS] [MEMBERS] [SIGNUPS]
    .venv/bin/python bench/report.py --before TREE [...]   (TREE's generator and this one,
        turn about, five runs each: before and after on the same machine in one run; TREE is
        e.g. ``git archive main | tar -x -C /tmp/before``)
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

from feedback import history  # noqa: E402  (the same journal and store as bench/feedback.py)

MEDIA = ("banner", "social", "flyer", "email", "print")


def sources(root: Path, newsletters: int) -> list[str]:
    """A newsletter source per send in the journal; returns their utm_campaign values."""
    folder = root / "newsletters"
    folder.mkdir()
    campaigns = []
    journal = sorted((root / ".rundbrief").glob("journal.sqlite"))
    assert journal, "history() writes the journal first"
    import sqlite3

    db = sqlite3.connect(journal[0])
    slugs = [slug for (slug,) in db.execute("SELECT DISTINCT newsletter FROM deliveries")]
    db.close()
    for slug in sorted(slugs)[:newsletters]:
        day = slug[:10]
        (folder / f"{slug}.md").write_text(
            f"---\nsubject: 'Monatsupdate {day}: Neues aus der Plattform'\npreheader: Kurz\n"
            f"date: {day}\nstatus: approved\naudience: alle\n---\nHallo,\n\nText.\n",
            encoding="utf-8",
        )
        campaigns.append(slug)
    return campaigns


def signups(path: Path, campaigns: list[str], count: int, members: int) -> None:
    """A sign-up export: a third from newsletters, half from Werbemittel, the rest direct."""
    rng = random.Random(21)
    lines = ["date,referral_code,utm_campaign,utm_source,utm_medium,utm_content"]
    for n in range(count):
        day = f"20{18 + n % 8:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}T10:{n % 60:02d}:00+01:00"
        roll = rng.random()
        if roll < 0.33:
            lines.append(f"{day},,{rng.choice(campaigns)},newsletter,email,")
        elif roll < 0.83:
            code = f"code-{rng.randrange(members)}"
            medium = rng.choice(MEDIA)
            lines.append(
                f"{day},{code},mitglieder-werben-mitglieder,empfehlung,{medium},{medium}-1"
            )
        else:
            lines.append(f"{day},,,,,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(command: list[str], tree: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB) of one report in a fresh process with ``tree``'s generator."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    begin = time.perf_counter()
    # In the tree's folder: `-m` puts the working folder first on the path, before PYTHONPATH.
    process = subprocess.Popen(
        command, env=env, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)  # this child's own resource usage
    wall = time.perf_counter() - begin
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(errors.decode())
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    args = sys.argv[1:]
    trees = {"this tree": REPO}
    if args[:1] == ["--before"]:
        trees = {"before": Path(args[1]).resolve(), "after": REPO}
        args = args[2:]
    newsletters = int(args[0]) if len(args) > 0 else 100
    members = int(args[1]) if len(args) > 1 else 10_000
    count = int(args[2]) if len(args) > 2 else 50_000
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "project"
        root.mkdir()
        settings = next(iter(trees.values()))  # the older tree's settings: both accept them
        for name in ("rundbrief.yml", "mkdocs.yml", "fakten.yml"):
            shutil.copy2(settings / name, root / name)
        begin = time.perf_counter()
        members_file = history(root, newsletters, members)
        campaigns = sources(root, newsletters)
        export = Path(folder) / "anmeldungen.csv"
        signups(export, campaigns, count, members)
        print(
            f"journal of {newsletters * members:,} rows, {len(campaigns)} sources and "
            f"{count:,} sign-ups written in {time.perf_counter() - begin:.1f} s"
        )
        command = [sys.executable, "-m", "generator", "-C", str(root), "report"]
        command += ["--members", str(members_file), "--signups", str(export)]
        rounds = 3 if len(trees) == 1 else 5
        measured: dict[str, list[tuple[float, float, float]]] = {name: [] for name in trees}
        for _ in range(rounds):  # turn about: a load peak hits both alike
            for name, tree in trees.items():
                measured[name].append(run(command, tree))
        for name, times in measured.items():
            walls, cpu = sorted(t for t, _, _ in times), [c for _, c, _ in times]
            print(
                f"    {name}: `rundbrief report --members --signups` in a fresh process: best "
                f"{walls[0]:.2f} s, median {walls[len(walls) // 2]:.2f} s, worst {walls[-1]:.2f} s "
                f"(of {rounds}; Python start and imports included); CPU time (user + system) "
                f"best {min(cpu):.2f} s, worst {max(cpu):.2f} s; peak memory "
                f"{max(peak for _, _, peak in times):,.0f} MB"
            )
        reports = root / "build" / "reports"
        page = reports / "bericht.html"
        assert "Monatsupdate 2018-01-07: Neues aus der Plattform" in page.read_text(
            encoding="utf-8"
        )
        print(f"    page: {page.stat().st_size / 1000:,.0f} KB; files: {sorted(p.name for p in reports.iterdir())}")  # fmt: skip
        load = os.getloadavg()
        print(f"    load average while measuring: {load[0]:.1f} (2 cores shared)")


if __name__ == "__main__":
    main()
