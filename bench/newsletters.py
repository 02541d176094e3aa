"""Benchmark: rendering newsletters, stage by stage, the cached rebuild, and personalisation.

Renders 200 synthetic newsletters (~800 words each) against the email stylesheet padded to
~150 CSS rules and prints per-newsletter times for Markdown, layout, inlining (premailer and
css-inline), text part and total, and the ratio total ÷ Markdown (the floor). Then: a rebuild
of 200 newsletters of which one changed (target: ≤ 2× rendering that one newsletter, thanks to
the content-hash cache in .rundbrief/cache/), and personalising one email (target < 0.2 ms).
Run: .venv/bin/python bench/newsletters.py [COUNT]
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from markupsafe import Markup

from generator.core.settings import Project, load_project
from generator.newsletter import email as emails
from generator.newsletter import layout, merge
from generator.newsletter.inline import inline_css
from generator.newsletter.markdown_html import convert
from generator.newsletter.plaintext import tree_to_text
from generator.newsletter.render import check_newsletter, check_newsletters
from generator.newsletter.source import Newsletter, newsletter_sources, parse_newsletter
from generator.site.index import read_site

REPO = Path(__file__).resolve().parent.parent
WORDS = (  # noqa: SIM905 - a sentence reads better than a list
    "Mitglied Konto Zahlung Lastschrift Auszahlung Dividende Aktie Übertragung Depot Rechnung "
    "Empfehlung Prämie Datenschutz Einwilligung Abmeldung Support Anfrage Frist Bankarbeitstag "
    "Überweisung Mandat Beteiligung Hauptversammlung Beschluss bitte prüfen Sie ob die Angaben "
    "vollständig sind und wenden Sie sich an uns wenn etwas fehlt wir melden uns per E-Mail"
).split()
ARTICLES = (
    "zahlungen/sepa-lastschrift.md",
    "zahlungen/auszahlung.md",
    "beteiligungen/dividenden.md",
    "konto/zwei-faktor.md",
)


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def newsletter_text(rng: random.Random, number: int) -> str:
    """~800 words: headings, paragraphs, lists, help links, a table, a quote, buttons."""
    parts = [f"Hallo {{{{ member.first_name }}}},\n\n{sentence(rng, 30)}"]
    for section in range(6):
        parts.append(f"## Abschnitt {section + 1}: {sentence(rng, 4)[:-1]}")
        parts.append(" ".join(sentence(rng, 14) for _ in range(6)))
        article = ARTICLES[(number + section) % len(ARTICLES)]
        parts.append(f"Mehr dazu: [{rng.choice(WORDS)}](../content/{article}).")
        parts.append("\n".join(f"- {sentence(rng, 8)}" for _ in range(3)))
        if section == 2:
            parts.append(
                "| Monat | Betrag |\n|---|---|\n| Januar | 12,00 € |\n| Februar | 12,00 € |"
            )
            parts.append(f"> {sentence(rng, 16)}")
        parts.append(
            f"[Zum Konto](https://www.mitgliederwerk.example/konto/{section}){{ .button }}"
        )
    parts.append("[Jetzt empfehlen]({{ member.referral_link }}){ .button }")
    day = 1 + number % 28
    return (
        "---\n"
        f'subject: "Newsletter Nummer {number}: {sentence(rng, 5)[:-1]}"\n'
        f"preheader: {sentence(rng, 10)}\n"
        f"date: 2026-{1 + number % 12:02d}-{day:02d}\n"
        "status: approved\n"
        "---\n" + "\n\n".join(parts) + "\n"
    )


def padded_css() -> str:
    """The real stylesheet plus rules up to ~150, as a richly styled newsletter would have."""
    css = layout.stylesheet()
    rules = css.count("{") - css.count("@media")
    extra = "\n".join(
        f".content .extra-{i} {{ color: #1f2933; margin: 0 0 {i % 20}px 0; }}"
        for i in range(max(0, 150 - rules))
    )
    return css + "\n" + extra


def synthetic_project(root: Path, count: int) -> Path:
    for name in ("mkdocs.yml", "rundbrief.yml", "fakten.yml"):
        shutil.copy2(REPO / name, root / name)
    shutil.copytree(REPO / "content", root / "content")
    folder = root / "newsletters"
    folder.mkdir()
    rng = random.Random(3)
    for number in range(count):
        (folder / f"2026-01-01-bench-{number:03d}.md").write_text(
            newsletter_text(rng, number), encoding="utf-8"
        )
    return root


def load_newsletters(project: Project) -> list[Newsletter]:
    sources, problems = newsletter_sources(project)
    assert not problems, problems
    parsed = [parse_newsletter(source) for source in sources]
    assert not any(found for _, found in parsed), parsed
    return [newsletter for newsletter, _ in parsed if newsletter is not None]


def per_item(label: str, values: list[float]) -> float:
    mean = statistics.fmean(values)
    print(f"  {label:<28} {mean * 1000:8.2f} ms")
    return mean


def timed(function: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main(count: int) -> None:
    css = padded_css()
    layout.stylesheet = lambda: css  # type: ignore[assignment]  # the bench's ~150-rule stylesheet
    with tempfile.TemporaryDirectory() as folder:
        project = load_project(synthetic_project(Path(folder), count))
        index, _ = read_site(project)
        newsletters = load_newsletters(project)
        words = statistics.fmean(len(n.document.body.split()) for n in newsletters)
        rules = css.count("{") - css.count("@media")
        print(f"{count} newsletters, ~{words:.0f} words each, {rules} CSS rules")

        times: dict[str, list[float]] = {k: [] for k in ("md", "layout", "pre", "fast", "text")}
        pages = []
        template = layout.environment().get_template("layout.html.j2")
        for newsletter in newsletters:
            body = merge.to_tokens(newsletter.document.body)
            t, converted = timed(lambda body=body: convert(body, lambda url: url))
            times["md"].append(t)
            t, page = timed(
                lambda converted=converted, template=template: template.render(
                    subject="s", preheader="p", css=Markup(css),
                    body=Markup(converted.html), archive_url="https://a/",
                    platform_url="https://p/", platform_name="P", logo_url="https://l/",
                    unsubscribe_url=merge.token("unsubscribe_url"), reason="r", impressum=["i"],
                )
            )  # fmt: skip
            times["layout"].append(t)
            pages.append(page)
            times["pre"].append(timed(lambda page=page: inline_css(page, "premailer"))[0])
            times["fast"].append(timed(lambda page=page: inline_css(page, "css-inline"))[0])
            times["text"].append(
                timed(lambda c=converted: tree_to_text(c.tree, c.stash))[0]  # type: ignore[attr-defined]
            )
        totals = [timed(lambda n=n: emails.render_email(project, index, n))[0] for n in newsletters]

        print("Per newsletter (mean):")
        markdown = per_item("Markdown", times["md"])
        per_item("layout (Jinja2)", times["layout"])
        per_item("inline: premailer", times["pre"])
        per_item("inline: css-inline", times["fast"])
        per_item("text part", times["text"])
        total = per_item("total (render_email)", totals)  # the project's inliner
        print(f"  ratio total ÷ Markdown       {total / markdown:8.1f}×")
        fast = sum(statistics.fmean(times[k]) for k in ("md", "layout", "fast", "text"))
        print(
            f"  total with css-inline (sum)  {fast * 1000:8.2f} ms = {fast / markdown:.1f}× Markdown"
        )

        # Rebuild: fill the cache, change one newsletter, render all again (cache hits + one).
        # Each figure is the median of 5 runs, each with a fresh change to the same file.
        check_newsletters(project, index)
        changed = newsletters[count // 2].document.source.path
        ones, rebuilds = [], []
        for run in range(5):
            text = changed.read_text(encoding="utf-8")
            changed.write_text(text + f"\nÄnderung {run}.\n", encoding="utf-8")
            single = next(s for s in newsletter_sources(project)[0] if s.path == changed)
            ones.append(timed(lambda s=single: check_newsletter(project, index, s))[0])
            changed.write_text(text + f"\nÄnderung {run} b.\n", encoding="utf-8")
            rebuilds.append(timed(lambda: check_newsletters(project, index))[0])
        t_one, t_rebuild = statistics.median(ones), statistics.median(rebuilds)
        print(f"Rendering one newsletter (+ preflight): {t_one * 1000:.1f} ms")
        print(
            f"Rebuild of {count} with one changed:    {t_rebuild * 1000:.1f} ms "
            f"= {t_rebuild / t_one:.2f}× one newsletter (target ≤ 2)"
        )

        rendered, _ = emails.render_email(project, index, newsletters[0])
        values = emails.sample_values(project)
        rounds = 20_000

        def personalise_all() -> None:
            for _ in range(rounds):
                emails.personalise(rendered, values)  # results dropped, as a sender would

        t, _ = timed(personalise_all)
        print(f"Personalise one recipient: {t / rounds * 1000:.4f} ms (target < 0.2 ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
