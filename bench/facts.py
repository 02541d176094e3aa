"""Benchmark: what filling in facts costs — parsing fakten.yml, and filling 1,000 pages.

The repository's fakten.yml is parsed (cold, then from the per-content cache every newsletter
and campaign uses), and COUNT synthetic articles of about 600 words with 20 references each
(plain, and with am/ab/bis) are filled as the staging of the help site fills them; a text
without any reference is measured too (most campaign values and many articles).

Run: .venv/bin/python bench/facts.py [COUNT]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from generator.core import facts as facts_module
from generator.core.facts import load_facts
from generator.core.settings import load_project
from generator.site.facts import fill_pages
from generator.site.stage import Page

REPO = Path(__file__).resolve().parent.parent
ROUNDS = 5
WORDS = (
    "Mitglied Beitrag Lastschrift Konto Aktie Dividende Auszahlung Hauptversammlung "
    "Rechnung Prämie Empfehlung Bankarbeitstag Frist Widerruf Satzung"
).split()
REFERENCES = (
    "{{ fakt.mitgliedsbeitrag }}",
    '{{ fakt.lastschrift_tag | am("2027-01-01") }}',
    '{{ fakt.lastschrift_tag | bis("2026-12-31") }}',
    "{{ fakt.auszahlung_bankarbeitstage }}",
    "{{ fakt.anbieter_anschrift }}",
)


def article(number: int) -> Page:
    lines = []
    for line in range(40):
        words = [WORDS[(number + line + i) % len(WORDS)] for i in range(15)]
        if line % 2 == 0:
            words.insert(7, REFERENCES[line % len(REFERENCES)])
        lines.append(" ".join(words) + ".")
    body = "\n\n".join(lines) + "\n"
    return Page(f"a/{number}.md", f"Artikel {number}", body, source=f"content/a/{number}.md")


def best(run) -> float:
    times = []
    for _round in range(ROUNDS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    project = load_project(REPO)

    def cold() -> None:
        facts_module._parse.cache_clear()
        load_facts(project)

    facts = load_facts(project)
    print(f"fakten.yml: {len(facts.facts)} facts")
    print(f"  parse and validate (cold):        {best(cold) * 1000:8.2f} ms")
    print(f"  load (cached, read + digest):     {best(lambda: load_facts(project)) * 1e6:8.1f} µs")

    pages = [article(n) for n in range(count)]
    references = sum(page.body.count("{{ fakt.") for page in pages)
    words = statistics.mean(len(page.body.split()) for page in pages)
    plain = [
        Page(p.path, p.title, p.body.replace("{{ fakt.", "Angabe "), source=p.source) for p in pages
    ]
    filled = best(lambda: fill_pages(pages, facts, project.settings.hosting.provider))
    without = best(lambda: fill_pages(plain, facts, project.settings.hosting.provider))
    print(f"{count} pages, {words:.0f} words each, {references} references:")
    print(
        f"  fill facts and hosting blocks:    {filled * 1000:8.1f} ms ({filled / count * 1e6:.0f} µs per page)"
    )
    print(
        f"  pages without references:         {without * 1000:8.1f} ms ({without / count * 1e6:.0f} µs per page)"
    )


if __name__ == "__main__":
    main()
