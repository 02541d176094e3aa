"""Benchmark: `rundbrief build` against a plain MkDocs build of the same pages, same process.

Prints, for knowledge bases of 100, 300 and 1,000 synthetic pages (~600 words each), the
time of both builds, our overhead ratio (target <= 1.15) and the per-page cost (target: flat).
Run: .venv/bin/python bench/build.py [SIZES...]
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from generator.build import build as rundbrief_build
from generator.core.settings import load_project
from generator.editor.pages import editor_scripts
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


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def cpu_timed(action) -> float:
    """CPU seconds of this process: steadier than the clock on a shared, loaded machine."""
    started = time.process_time()
    action()
    return time.process_time() - started


def plain_mkdocs(root: Path) -> None:
    """What a bare `mkdocs build` of content/ does, through the API, into another folder."""
    config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "plain-site"))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(config)
    finally:
        config.plugins.on_shutdown()


def main(sizes: list[int]) -> None:
    print(
        f"{'pages':>6} {'mkdocs s':>9} {'rundbrief s':>12} {'ratio':>6} {'ms/page':>8} "
        f"{'scan s':>7} {'scan %':>7}  (scan: CPU seconds, share of the build's CPU time)"
    )
    with tempfile.TemporaryDirectory() as warm:
        plain_mkdocs(synthetic_project(Path(warm), 10))  # imports and theme caches, both sides
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            root = synthetic_project(Path(folder), size)
            project = load_project(root)
            # Best of three runs each, interleaved, so that machine noise hits both sides alike.
            baseline, ours = float("inf"), float("inf")
            for _ in range(3):
                baseline = min(baseline, timed(lambda root=root: plain_mkdocs(root)))
                ours = min(ours, timed(lambda project=project: rundbrief_build(project)))
            # The final scanner over what the build wrote (part of `ours`), on its own, as a
            # share of the build's CPU time (wall-clock shares swing with the machine's load).
            build_cpu = cpu_timed(lambda project=project: rundbrief_build(project))
            scan = min(cpu_timed(lambda root=root: scan_site(root)) for _ in range(3))
            print(
                f"{size:>6} {baseline:>9.2f} {ours:>12.2f} {ours / baseline:>6.2f} "
                f"{ours / size * 1000:>8.1f} {scan:>7.2f} {scan / build_cpu * 100:>6.1f}%"
            )


def scan_site(root: Path) -> None:
    """What the build's last step does: every written HTML file read and scanned."""
    problems = scan_folder(root / "site", "site", [], own_script_hashes(root, editor_scripts()))
    assert not problems, problems[:3]


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100, 300, 1000])
