"""Benchmark: the marginal cost of one newsletter in `rundbrief check`, next to MJML 5.

A project with the example help site gets COUNT copies (default 200) of a short newsletter —
logo, heading, three paragraphs, a list, a button, the legal footer — and `rundbrief check`
runs on it with a cold cache (check writes no cache), once with no newsletter and once with
all of them; the difference divided by COUNT is what one newsletter costs. MJML 5 renders
the same content in-process in the same run (one Node process, timed per render inside it).

MJML comes from the npm registry into a bench-only folder that git ignores:

    npm install --no-save --prefix bench/.mjml mjml@5

Run: .venv/bin/python bench/render.py [COUNT]   (both inliners are measured; target ≤ 1.0× MJML)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generator import build
from generator.core.settings import load_project
from generator.newsletter import render

PARALLEL_FROM = render.PARALLEL_FROM
SERIAL = 10**9

REPO = Path(__file__).resolve().parent.parent
MJML_DIR = REPO / "bench" / ".mjml"
ROUNDS = 5

PARAGRAPHS = (
    "wir haben im November einiges für Sie verbessert: Die Anmeldung mit zwei Faktoren ist "
    "jetzt auch per App möglich, und Auszahlungen sind schneller auf Ihrem Konto.",
    "Ab Januar buchen wir Ihren Beitrag am 5. Bankarbeitstag des Monats ab. Sie müssen dafür "
    "nichts tun; Ihr SEPA-Mandat gilt weiter.",
    "Bei Fragen erreichen Sie unser Support-Team werktags von 9 bis 17 Uhr – per E-Mail oder "
    "telefonisch.",
)
POINTS = (
    "Zwei-Faktor-Anmeldung per App",
    "Auszahlungen in zwei Bankarbeitstagen",
    "Neues Hilfe-Center",
)
BUTTON = ("Zum Mitgliederbereich", "https://www.mitgliederwerk.example/konto")


def newsletter(number: int) -> str:
    """The short newsletter in rundbrief's Markdown."""
    body = "\n\n".join(
        [
            "# Neues aus dem Mitgliederwerk",
            f"Hallo {{{{ member.first_name }}}},\n\n{PARAGRAPHS[0]}",
            PARAGRAPHS[1],
            "\n".join(f"- {point}" for point in POINTS),
            f"[{BUTTON[0]}]({BUTTON[1]}){{ .button }}",
            PARAGRAPHS[2],
        ]
    )
    return (
        "---\n"
        f'subject: "Neuigkeiten im November, Ausgabe {number}"\n'
        "preheader: Zwei-Faktor per App, schnellere Auszahlungen und ein neues Hilfe-Center\n"
        "date: 2026-11-02\n"
        "status: approved\n"
        "---\n" + body + "\n"
    )


MJML_TEMPLATE = """<mjml lang="de"><mj-head><mj-title>Neuigkeiten im November</mj-title>
<mj-preview>Zwei-Faktor per App, schnellere Auszahlungen und ein neues Hilfe-Center</mj-preview>
<mj-attributes><mj-all font-family="Arial, sans-serif" /><mj-text font-size="16px" line-height="1.6" color="#1f2933" /></mj-attributes>
</mj-head><mj-body background-color="#eef2f1" width="600px">
<mj-section background-color="#ffffff"><mj-column>
<mj-image src="https://hilfe.mitgliederwerk.example/assets/logo.png" width="180px" height="40px" alt="Mitgliederwerk" align="left" />
<mj-text><h1>Neues aus dem Mitgliederwerk</h1></mj-text>
<mj-text>Hallo {{first_name}},</mj-text>
<mj-text>PARAGRAPH0</mj-text><mj-text>PARAGRAPH1</mj-text>
<mj-text><ul>POINTS</ul></mj-text>
<mj-button href="BUTTON_URL" background-color="#0f766e" font-size="17px">BUTTON_LABEL</mj-button>
<mj-text>PARAGRAPH2</mj-text>
<mj-divider border-color="#d5dcda" />
<mj-text font-size="13px" color="#52606d">Sie erhalten diese E-Mail, weil Sie dem Empfang zugestimmt haben.
<a href="{{unsubscribe_url}}">Newsletter abbestellen</a><br>Mitgliederwerk AG, Lindenstraße 12, 10969 Berlin, Deutschland<br>
Telefon: +49 30 1234567-0, E-Mail: kontakt@mitgliederwerk.example<br>Registergericht: Amtsgericht Charlottenburg, HRB 234567 B, USt-IdNr.: DE312345678<br>
Vorstand: Dr. Jana Becker (Vorsitzende), Murat Yilmaz</mj-text>
</mj-column></mj-section></mj-body></mjml>"""

MJML_SCRIPT = """
const mjml = require(process.argv[1]);   // MJML 5 returns a promise
const template = require('fs').readFileSync(0, 'utf8');
const count = parseInt(process.argv[2], 10);
(async () => {
  for (let i = 0; i < 50; i++) await mjml(template);   // warm up the JIT
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {             // the best round, as for rundbrief
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const out = await mjml(template, {validationLevel: 'soft'});
      if (out.html.length < 1000) throw new Error('MJML rendered nothing');
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6 / count);
  }
  console.log(JSON.stringify({ms_per_render: best}));
})();
"""


def mjml_source() -> str:
    text = MJML_TEMPLATE.replace("BUTTON_URL", BUTTON[1]).replace("BUTTON_LABEL", BUTTON[0])
    for index, paragraph in enumerate(PARAGRAPHS):
        text = text.replace(f"PARAGRAPH{index}", paragraph)
    return text.replace("POINTS", "".join(f"<li>{point}</li>" for point in POINTS))


def mjml_ms(count: int) -> float | None:
    """Milliseconds per MJML render, measured inside one Node process; None if MJML is missing."""
    module = MJML_DIR / "node_modules" / "mjml"
    if not module.is_dir() or shutil.which("node") is None:
        return None
    result = subprocess.run(
        ["node", "-e", MJML_SCRIPT.replace("ROUNDS", str(ROUNDS)), str(module), str(count)],
        input=mjml_source(),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(result.stdout)["ms_per_render"])


def project_with(root: Path, count: int, inliner: str) -> Path:
    """The example help site and settings with ``count`` copies of the short newsletter."""
    for name in ("content", "marketing-assets", "overrides", "mkdocs.yml", "fakten.yml"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / name)
    settings = (REPO / "rundbrief.yml").read_text(encoding="utf-8")
    lines = [
        f"  inliner: {inliner}" if line.startswith("  inliner:") else line
        for line in settings.splitlines()
    ]
    (root / "rundbrief.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # The example's own newsletters stay: its articles link to their archive pages.
    shutil.copytree(REPO / "newsletters", root / "newsletters")
    for number in range(count):
        path = root / "newsletters" / f"2026-11-02-ausgabe-{number:04d}.md"
        path.write_text(newsletter(number), encoding="utf-8")
    return root


def check_seconds(root: Path) -> float:
    """The best of ROUNDS runs of `rundbrief check` (cold cache: check writes none)."""
    project = load_project(root)
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        build.check(project)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    mjml = mjml_ms(count)
    print(f"{count} short newsletters (logo, heading, 3 paragraphs, list, button, footer)")
    if mjml is None:
        print("MJML 5: not installed (npm install --no-save --prefix bench/.mjml mjml@5)")
    else:
        print(f"MJML 5 in-process:                         {mjml:6.2f} ms per render")
    cores = os.cpu_count() or 1
    for inliner, parallel in (("css-inline", True), ("css-inline", False), ("premailer", True)):
        # check renders many newsletters in one worker process per core; one core shows the
        # cost of the rendering itself.
        render.PARALLEL_FROM = SERIAL if not parallel else PARALLEL_FROM
        with tempfile.TemporaryDirectory() as temporary:
            empty = project_with(Path(temporary) / "empty", 0, inliner)
            full = project_with(Path(temporary) / "full", count, inliner)
            base = check_seconds(empty)
            total = check_seconds(full)
        marginal = (total - base) / count * 1000
        ratio = f"{marginal / mjml:5.2f}× MJML" if mjml else ""
        how = f"{cores} cores" if parallel else "1 core"
        print(
            f"rundbrief check, {inliner:10} {how:7}  {marginal:6.2f} ms per newsletter  {ratio}"
            f"   (check {total:.2f} s with, {base:.2f} s without)"
        )
    render.PARALLEL_FROM = PARALLEL_FROM


if __name__ == "__main__":
    main()
