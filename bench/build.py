"""Benchmark: `rundbrief build` against a plain MkDocs build of the same pages, same process.

Prints, for knowledge bases of 100, 300 and 1,000 synthetic pages (~600 words each), the
time of both builds (a first build: every page parsed by the scan), our overhead ratio in
wall-clock and in CPU time (target <= 1.15), the per-page cost (target: flat), the scan's
share of the build's CPU time, and what the scan costs the build by the clock: the same build
with the scan switched off, interleaved (target <= 5 %).
Run: .venv/bin/python bench/build.py [SIZES...]
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from generator import build as pipeline
from generator.build import build as rundbrief_build
from generator.core.settings import Project, load_project
from generator.editor.pages import editor_scripts
from generator.site import beside
from generator.site.scan import own_script_hashes, scan_folder

REPO = Path(__file__).resolve().parent.parent
WORDS = (
    "Mitglied Konto Zahlung Lastschrift Auszahlung Dividende Aktie Übertragung Depot Rechnung "
    "Empfehlung Prämie Werbemittel Datenschutz Einwilligung Abmeldung Support Anfrage Bearbeitung "
    "Frist Bankarbeitstag Überweisung Mandat Gläubiger Identifikationsnummer Kündigung Nachweis "
    "Beteiligung Vorzugsaktie Stammaktie Hauptversammlung Beschluss Auszahlungsbetrag Steuer "
    "bitte prüfen Sie ob die Angaben vollständig sind und wenden Sie sich an uns wenn etwas fehlt "
    "wir bearbeiten Ihre Anfrage innerhalb von drei Werktagen und melden uns per E-Mail"
).split()


def synthetic_project(root: Path, pages: int, seed: int = 7) -> Path:
    """A project with the repository's settings and ``pages`` generated articles in 10 sections."""
    rng = random.Random(seed)
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    # The settings without help_site: it names articles these synthetic pages do not have.
    settings = (REPO / "rundbrief.yml").read_text(encoding="utf-8")
    (root / "rundbrief.yml").write_text(settings.split("\nhelp_site:")[0], encoding="utf-8")
    shutil.copytree(REPO / "overrides", root / "overrides")
    content = root / "content"
    (content / "assets").mkdir(parents=True)
    shutil.copy2(REPO / "content/assets/logo.svg", content / "assets/logo.svg")
    (content / "index.md").write_text(
        "---\ntitle: Start\ndescription: Startseite des synthetischen Hilfe-Centers.\n---\nHallo.\n",
        encoding="utf-8",
    )
    for number in range(pages):
        section = content / f"bereich-{number % 10}"
        section.mkdir(exist_ok=True)
        if not (section / "index.md").exists():
            (section / "index.md").write_text(
                f"---\ntitle: Bereich {number % 10}\ndescription: Übersicht über Bereich {number % 10}.\n"
                f"order: {number % 10}\n---\nÜbersicht.\n",
                encoding="utf-8",
            )
        paragraphs = [
            " ".join(rng.choice(WORDS) for _ in range(75)).capitalize() + "." for _ in range(8)
        ]
        sibling = f"artikel-{number - 10}.md" if number >= 10 else "index.md"
        body = (
            "\n\n".join(f"## Abschnitt {i + 1}\n\n{text}" for i, text in enumerate(paragraphs))
            + f"\n\nSiehe auch [den vorigen Artikel]({sibling}).\n"
        )
        (section / f"artikel-{number}.md").write_text(
            f"---\ntitle: Artikel {number}\ndescription: Synthetischer Artikel Nummer {number} "
            f"zum Messen.\ntags: [Messung]\n---\n{body}",
            encoding="utf-8",
        )
    return root


def measured(action) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``action``: this process and the workers it waited for.

    CPU time is steadier than the clock on a shared, loaded machine; the workers' share counts
    too, so that work moved into another process is not hidden.
    """
    started = time.perf_counter(), _cpu()
    action()
    return time.perf_counter() - started[0], _cpu() - started[1]


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def plain_mkdocs(root: Path) -> None:
    """What a bare `mkdocs build` of content/ does, through the API, into another folder."""
    config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "plain-site"))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(config)
    finally:
        config.plugins.on_shutdown()


LEFT: list[float] = []
"""CPU seconds of each build's final scan in its own process (after the worker's)."""


def _timed_scan(*args: Any, **options: Any) -> Any:
    started = time.process_time()
    try:
        return _scan_written(*args, **options)
    finally:
        LEFT.append(time.process_time() - started)


_scan_written, pipeline.scan_written = pipeline.scan_written, _timed_scan


def first_build(project: Project) -> None:
    """A build that parses every page (the scan's memo of clean files removed): the worst case."""
    shutil.rmtree(project.state_dir / "cache", ignore_errors=True)
    rundbrief_build(project)


def unscanned_build(project: Project) -> None:
    """The same build with the scan of active content switched off: nothing parsed anywhere."""
    with (
        mock.patch.object(pipeline, "scan_written", lambda *args, **options: []),
        mock.patch.object(beside, "scan_pages", lambda state, pages: []),
    ):
        first_build(project)


def main(sizes: list[int]) -> None:
    print(f"load average {' '.join(f'{n:.1f}' for n in os.getloadavg())} on {os.cpu_count()} cores")
    print(
        f"{'pages':>6} {'mkdocs s':>9} {'rundbrief s':>12} {'ratio':>6} {'mkdocs cpu':>11} "
        f"{'rundbrief cpu':>14} {'cpu ratio':>10} {'ms/page':>8} {'scan s':>7} {'scan %':>7} "
        f"{'in build s':>11} {'%':>5} {'unscanned s':>12} {'clock %':>8}"
    )
    with tempfile.TemporaryDirectory() as warm:
        plain_mkdocs(synthetic_project(Path(warm), 10))  # imports and theme caches, both sides
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            root = synthetic_project(Path(folder), size)
            project = load_project(root)
            rundbrief_build(project)  # (its first run compiles the templates of the archive)
            # Best of three runs each, interleaved, so that machine noise hits both sides alike.
            plain, ours, unscanned = [], [], []
            for _ in range(3):
                plain.append(measured(lambda root=root: plain_mkdocs(root)))
                ours.append(measured(lambda project=project: first_build(project)))
                unscanned.append(measured(lambda project=project: unscanned_build(project)))
            wall = [min(run[0] for run in side) for side in (plain, ours, unscanned)]
            cpu = [min(run[1] for run in side) for side in (plain, ours)]
            # The final scanner over what the build wrote on its own, in this process, as a
            # share of the build's CPU time (wall-clock shares swing with the machine's load).
            scan = min(measured(lambda root=root: scan_site(root))[1] for _ in range(3))
            print(
                f"{size:>6} {wall[0]:>9.2f} {wall[1]:>12.2f} {wall[1] / wall[0]:>6.2f} "
                f"{cpu[0]:>11.2f} {cpu[1]:>14.2f} {cpu[1] / cpu[0]:>10.2f} "
                f"{wall[1] / size * 1000:>8.1f} {scan:>7.2f} {scan / cpu[1] * 100:>6.1f}% "
                f"{min(LEFT):>11.2f} {min(LEFT) / cpu[1] * 100:>4.1f}% "
                f"{wall[2]:>12.2f} {(wall[1] - wall[2]) / wall[1] * 100:>7.1f}%"
            )
            LEFT.clear()
    print(f"load average {' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    print(
        "(ratio: best wall-clock time against plain MkDocs; cpu ratio: best CPU time, the "
        "build's workers included; scan: CPU seconds of the scan of every written file without "
        "the memo, and its share of the build's CPU time; in build: what the build's own process "
        "still spends on it after MkDocs, the worker beside MkDocs having scanned the pages; "
        "unscanned: the best build with the scan switched off, and clock %: what the scan adds "
        "to the build's wall-clock time)"
    )


def scan_site(root: Path) -> None:
    """What the build's last step does: every written HTML file read and scanned."""
    problems = scan_folder(root / "site", "site", [], own_script_hashes(root, editor_scripts()))
    assert not problems, problems[:3]


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100, 300, 1000])
