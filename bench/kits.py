"""Benchmark: personal Werbemittel kits for 1,000 synthetic members, then the same run unchanged.

Prints kits per second and peak memory (max RSS) of the first run, the bytes the kits take
(as a web server stores them, and in blocks of this disk), the time of 10,000 members on two
cores it implies, and the time of a second run with nothing changed, which must cost at most
5 % of the first (kits are not rendered again). Then the CPU time of a kit split by part,
from 40 more kits written in this process. Targets at 10,000 members (issue 22): at most
1 GB, at most 10 minutes on two cores.
Run: .venv/bin/python bench/kits.py [MEMBERS]
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.core.settings import load_project
from generator.marketing import assets, kits
from generator.marketing.kits import kit_members, write_kits

REPO = Path(__file__).resolve().parent.parent
FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "Deniz",
    "Emma",
    "Finn",
    "Greta",
    "Hüseyin",
    "Ida",
    "Jonas",
    "Käthe",
    "Lukas",
    "Marie",
    "Nils",
    "Özlem",
    "Paul",
]
LAST = [
    "Becker",
    "Schäfer",
    "Yilmaz",
    "Groß",
    "Müller",
    "Weiß",
    "Öztürk",
    "Krüger",
    "Maximilian-Alexander",
    "Großkreutz-Überschär",
]
SECRET = b"bench-secret-0123456789"
HEADER = "email,first_name,last_name,referral_code,segments,opt_in_at,confirmed_at,unsubscribed_at"


def synthetic_project(root: Path, members: int, seed: int = 5) -> Path:
    """A project with the repository's campaign and a members file of ``members`` rows."""
    rng = random.Random(seed)
    for name in ("mkdocs.yml", "rundbrief.yml", "fakten.yml"):
        shutil.copy2(REPO / name, root / name)
    shutil.copytree(REPO / "marketing-assets", root / "marketing-assets")
    lines = [HEADER]
    for number in range(members):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        lines.append(
            f"mitglied{number}@beispiel.example,{first},{last},m{number:05d}-{rng.randrange(10**6):06d},"
            "alle,2026-01-02T10:00:00+01:00,2026-01-02T10:05:00+01:00,"
        )
    (root / "members.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def cpu_seconds() -> float:
    """CPU time of this process and its finished workers: what a quiet machine would take."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def run(root: Path) -> tuple[float, int, int]:
    """One kits run as the CLI does it: read members, write kits; returns (seconds, written, kept)."""
    started = time.perf_counter()
    project = load_project(root)
    members, _warnings = kit_members(project, root / "members.csv")
    summary = write_kits(project, members, secret=SECRET, workers=os.cpu_count() or 1)
    return time.perf_counter() - started, summary.written, summary.unchanged


def split_by_part(members: int = 40) -> tuple[Counter[str], int]:
    """CPU seconds by part of ``members`` kits written in this process: flyers, images, rest."""
    spent: Counter[str] = Counter()

    def timed(module: Any, name: str, part: str) -> None:
        real: Callable[..., Any] = getattr(module, name)

        def wrapper(*arguments: Any, **options: Any) -> Any:
            started = time.process_time()
            try:
                return real(*arguments, **options)
            finally:
                spent[part] += time.process_time() - started

        setattr(module, name, wrapper)

    timed(assets, "member_flyer", "flyers (2 PDFs)")
    timed(assets, "personal_parts", "image parts (2 social images)")
    timed(kits, "_write_kit", "whole kit")
    with tempfile.TemporaryDirectory() as folder:
        root = synthetic_project(Path(folder), members + 1, seed=11)
        project = load_project(root)
        listed, _warnings = kit_members(project, root / "members.csv")
        write_kits(project, listed[:1], secret=SECRET)  # the shared layout and images first
        spent.clear()
        written = write_kits(project, listed, secret=SECRET, only=None).written
    return spent, written


def main() -> None:
    """Run the benchmark and print the figures."""
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as folder:
        root = synthetic_project(Path(folder), members)
        before = cpu_seconds()
        first, written, _ = run(root)
        cpu = cpu_seconds() - before
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        worker_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        second, rewritten, kept = run(root)
        kits = root / "build" / "kits"
        size = sum(p.stat().st_size for p in kits.rglob("*") if p.is_file())
        shared = sum(p.stat().st_size for p in (kits / "gemeinsam").rglob("*") if p.is_file())
        blocks = (
            int(
                subprocess.run(
                    ["du", "-sk", str(kits)], capture_output=True, text=True, check=True
                ).stdout.split()[0]
            )
            * 1024
        )
    ratio = second / first
    print(f"members:            {members:,} (worker processes: {os.cpu_count() or 1})")
    print(f"first run:          {first:8.2f} s  ({written:,} kits, {written / first:.1f} kits/s)")
    print(
        f"peak memory:        {peak_mib:8.1f} MiB main process, {worker_mib:.1f} MiB largest worker (max RSS)"
    )
    print(
        f"kits on disk:       {size / 1e6:8.1f} MB of files ({shared / 1e3:.0f} KB shared once, "
        f"{(size - shared) / written / 1e3:.1f} KB a kit), {blocks / 1e6:.1f} MB in blocks"
    )
    per_kit = (size - shared) / written
    print(f"CPU time:           {cpu:8.2f} s  ({cpu / written * 1000:.0f} ms a kit)")
    print(
        f"10,000 members:     {(shared + 10_000 * per_kit) / 1e9:8.2f} GB (target <= 1 GB); "
        f"{cpu / written * 10_000 / 2 / 60:.1f} min on two free cores from the CPU time, "
        f"{first / written * 10_000 / 60 * (os.cpu_count() or 1) / 2:.1f} min by this run's "
        "wall clock (target <= 10)"
    )
    print(f"unchanged re-run:   {second:8.2f} s  ({rewritten:,} written, {kept:,} unchanged)")
    print(
        f"re-run / first run: {ratio:8.1%}  (target <= 5 %: {'ok' if ratio <= 0.05 else 'MISSED'})"
    )
    spent, sampled = split_by_part()
    whole = spent.pop("whole kit")
    print(
        f"CPU a kit by part ({sampled} kits in one process, {whole / sampled * 1000:.0f} ms a kit):"
    )
    for part, seconds in spent.most_common():
        print(f"  {part:30s} {seconds / sampled * 1000:6.1f} ms")
    rest = whole - sum(spent.values())
    print(f"  {'the rest (QR files, page, writing)':30s} {rest / sampled * 1000:6.1f} ms")
    print(f"load average:       {' '.join(f'{n:.1f}' for n in os.getloadavg())}")


if __name__ == "__main__":
    main()
