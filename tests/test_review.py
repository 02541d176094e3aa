"""rundbrief review: what a pull request changes for members, on one self-contained page."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner, Result
from conftest import copy_example, git
from marketing_helpers import decode_qr
from members_helpers import member_row, members_file
from newsletter_helpers import ARTICLE, INDEX, newsletter_text

from generator.cli import main
from generator.core.i18n import _
from generator.review.sides import CACHE
from generator.review.texts import changed_words

pytestmark = pytest.mark.browser

ARTICLE_PATH = "content/zahlungen/sepa-lastschrift.md"
NEWSLETTER = "newsletters/2026-12-01-mitglieder-werben-mitglieder.md"
CAMPAIGN = "marketing-assets/mitglieder-werben-mitglieder.yml"
SETTINGS = "rundbrief.yml"


def run(project: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """``rundbrief -C project args…`` in-process (the module fixture cannot use ``cli``)."""
    return CliRunner().invoke(main, ["-C", str(project), *args], env=env, catch_exceptions=False)


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` (which must occur ``count`` times) by ``new`` in the file."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{old!r} not {count} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@dataclass(frozen=True)
class Reviewed:
    """The four-change repository after ``rundbrief review``."""

    root: Path
    base: str
    result: Result
    summary: str

    @property
    def page(self) -> Path:
        return self.root / "build" / "review" / "index.html"


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Reviewed:
    """The example on main, then a second commit on a branch with exactly four changes."""
    folder = tmp_path_factory.mktemp("review")
    root = copy_example(folder / "project")
    base = git(root, "rev-parse", "HEAD").strip()
    git(root, "checkout", "-q", "-b", "aenderung")
    edit(root / ARTICLE_PATH, "die einfachste Art", "die bequemste Art")
    edit(root / NEWSLETTER, "status: draft", "status: approved\nsend_at: 2026-12-11 09:00")
    # The campaign's headline, on the banners and on the flyer:
    edit(root / CAMPAIGN, "headline: Gemeinsam mehr bewegen.", "headline: Mehr bewegen.", 2)
    edit(root / SETTINGS, "reply_to: support@", "reply_to: hilfe@")
    git(root, "commit", "-q", "-am", "Artikel, Freigabe, Banner, Antwortadresse")
    members = members_file(
        folder / "private",
        [
            member_row(1, "Anna"),
            member_row(2, "Ben"),
            "ohne@beispiel.example,Carla,Ohne,code-c,alle,2026-01-02T10:00:00+01:00,,,2024",
        ],
    )
    summary = folder / "summary.md"
    result = run(
        root, "review", "--summary", str(summary), env={"RUNDBRIEF_MEMBERS_FILE": str(members)}
    )
    return Reviewed(root, base, result, summary.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def opened(reviewed: Reviewed, browser) -> Iterator[Any]:
    """The review page opened from the file system in Chromium."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(reviewed.page.as_uri(), wait_until="load")
    yield page
    page.close()


def test_review_lists_exactly_the_four_changes(reviewed, opened):
    assert reviewed.result.exit_code == 0, reviewed.result.output
    assert reviewed.result.stdout.startswith(
        f"Review von 4 geänderten Dateien seit origin/main ({reviewed.base[:12]}): "
        "build/review/index.html in "
    )
    listed = opened.eval_on_selector_all("[data-file]", "els => els.map(e => e.dataset.file)")
    assert sorted(listed) == sorted([ARTICLE_PATH, NEWSLETTER, CAMPAIGN, SETTINGS])
    assert opened.locator(f'#newsletter [data-file="{NEWSLETTER}"]').count() == 1
    assert opened.locator(f'#hilfeseiten [data-file="{ARTICLE_PATH}"]').count() == 1
    assert opened.locator(f'#werbemittel [data-file="{CAMPAIGN}"]').count() == 1
    assert opened.locator(f'#einstellungen [data-file="{SETTINGS}"]').count() == 1
    assert opened.locator("#weitere").count() == 0


@pytest.mark.parametrize("width", [1280, 375])
def test_the_page_loads_from_the_file_system_without_asking_any_host(
    reviewed, browser, artifacts, width
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.goto(reviewed.page.as_uri(), wait_until="load")
    page.screenshot(path=str(artifacts / f"review-page-{width}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    images = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete && i.naturalWidth)")
    context.close()
    assert {urlsplit(url).scheme for url in requested} <= {"file", "data"}, requested
    assert [url for url in requested if url.startswith("file:")] == [reviewed.page.as_uri()]
    assert overflow <= width  # readable on a phone: nothing wider than the screen
    assert images and all(images)  # every picture is there, from the page itself
    assert "<script" not in reviewed.page.read_text(encoding="utf-8")


def test_the_newsletter_shows_its_approval_its_reach_and_its_check(opened):
    card = opened.locator(f'#newsletter [data-file="{NEWSLETTER}"]')
    text = card.inner_text()
    assert card.locator(".approval").inner_text() == (
        "Mit dieser Änderung wird der Newsletter freigegeben: danach darf er verschickt werden, "
        "und er erscheint im Newsletter-Archiv des Hilfe-Centers."
    )
    assert "Entwurf → freigegeben" in text
    assert "Erika, Mitglieder werben Mitglieder: 25 € für jede Empfehlung" in text
    assert "1. Dezember 2026" in text
    assert "Versand\nvon Hand → Fr, 11. Dezember 2026, 9:00 Uhr" in text
    assert "2 Empfänger, 1 ausgeschlossen: 1 ohne bestätigte Einwilligung" in text
    assert "Keine Probleme gefunden." in text


def test_the_email_pictures_are_600_and_375_pixels_wide(opened):
    widths = opened.eval_on_selector_all(
        "#newsletter figure img", "imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])"
    )
    assert sorted({width for width, _height in widths}) == [375, 600]
    assert all(height > 600 for _width, height in widths)  # the whole email, not a window of it


def test_the_article_diff_shows_the_changed_words(opened):
    card = opened.locator(f'#hilfeseiten [data-file="{ARTICLE_PATH}"]')
    assert card.locator("del").all_inner_texts() == ["einfachste"]
    assert card.locator("ins").all_inner_texts() == ["bequemste"]
    assert "Die SEPA-Lastschrift ist die" in card.locator(".diff").inner_text()
    link = card.locator("a").get_attribute("href")
    assert link == "site/zahlungen/sepa-lastschrift/index.html"


def test_the_built_site_beside_the_page_has_the_new_text(reviewed):
    built = reviewed.page.parent / "site" / "zahlungen" / "sepa-lastschrift" / "index.html"
    assert "die bequemste Art" in built.read_text(encoding="utf-8")


def test_werbemittel_show_every_changed_picture_old_beside_new(opened):
    outputs = opened.eval_on_selector_all("[data-output]", "els => els.map(e => e.dataset.output)")
    folder = "marketing-assets/mitglieder-werben-mitglieder/"
    assert f"{folder}banner-300x250.png" in outputs
    assert f"{folder}flyer-a5.pdf" in outputs
    assert not any(path.endswith(".txt") for path in outputs)  # the texts did not change
    banner = opened.locator(f'[data-output="{folder}banner-300x250.png"] img')
    assert banner.count() == 2
    sizes = banner.evaluate_all("imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])")
    assert sizes == [[300, 250], [300, 250]]
    flyer = opened.locator(f'[data-output="{folder}flyer-a5.pdf"] img')
    assert flyer.count() == 2  # its first page, rendered: old and new


def test_the_setting_is_listed_with_its_old_and_new_value(opened):
    rows = opened.locator(f'[data-file="{SETTINGS}"] tr').all_inner_texts()
    assert rows[1:] == [
        "newsletter.reply_to\tsupport@mitgliederwerk.example\thilfe@mitgliederwerk.example"
    ]


def test_the_job_summary_names_subjects_audiences_and_counts(reviewed):
    summary = reviewed.summary
    assert f"Vergleich mit `origin/main` (Commit `{reviewed.base[:12]}`)" in summary
    assert re.search(
        r"\*\*1 Newsletter, 1 Hilfeseite, \d+ Werbemittel-Dateien, 1 Einstellungsdatei\*\*",
        summary,
    )
    assert (
        "- „Erika, Mitglieder werben Mitglieder: 25 € für jede Empfehlung“ · "
        "Entwurf → **freigegeben** · Zielgruppe *alle* (2 Empfänger) · 1. Dezember 2026 · "
        "Versand: Fr, 11. Dezember 2026, 9:00 Uhr · Prüfung: keine Fehler"
    ) in summary
    assert (
        f"- geändert: SEPA-Lastschrift einrichten und ändern (`{ARTICLE_PATH}`) – "
        "1 Wort entfernt, 1 Wort hinzugefügt"
    ) in summary
    assert f"- `{SETTINGS}` (geändert): `newsletter.reply_to`" in summary
    assert "Artefakt **review**" in summary


def test_a_second_review_reuses_the_cached_base(reviewed):
    cached = reviewed.root / ".rundbrief" / CACHE / reviewed.base
    site = cached / "site"
    before = site.stat().st_ino
    result = run(reviewed.root, "review")
    assert result.exit_code == 0, result.output
    assert site.stat().st_ino == before  # not built again
    assert git(reviewed.root, "worktree", "list").count("\n") == 1  # no worktree left behind


def test_no_changes_are_said_in_one_line(example_project, cli):
    base = git(example_project, "rev-parse", "HEAD").strip()
    result = cli(example_project, "review")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Keine Änderungen an Hilfeseiten, Newslettern, Werbemitteln oder Einstellungen "
        f"seit origin/main ({base[:12]}).\n"
    )
    assert result.stderr == ""
    assert not (example_project / ".rundbrief" / CACHE).exists()  # nothing was built


def test_a_newsletter_failing_preflight_is_shown_at_the_top_and_exits_1(make_project, cli, browser):
    rel = "newsletters/2026-11-02-test.md"
    root = make_project(
        {
            "content/index.md": INDEX.replace("Zahlungen", "Hilfe"),
            "content/zahlungen/index.md": INDEX,
            "content/zahlungen/sepa-lastschrift.md": ARTICLE,
            rel: newsletter_text(status="draft"),
        }
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    image = "https://hilfe.mitgliederwerk.example/assets/logo.png"
    edit(root / rel, "schön, dass Sie da sind.", f'![]({image}){{ width="120" }}')
    line = (root / rel).read_text(encoding="utf-8").splitlines().index(
        f'![]({image}){{ width="120" }}'
    ) + 1

    result = cli(root, "review")

    assert result.exit_code == 1
    problem = f"{rel}:{line}: " + _("image without alt text: {src}").format(src=image)
    assert problem in result.stderr.splitlines()
    assert "1 Problem in der neuen Fassung; die Review-Seite zeigt es ganz oben." in result.stderr
    page = browser.new_page()
    page.goto((root / "build" / "review" / "index.html").as_uri())
    first = page.locator("main > section").first
    assert first.get_attribute("id") == "probleme"
    assert first.locator("li").all_inner_texts() == [problem]
    card = page.locator(f'#newsletter [data-file="{rel}"]')
    assert problem in card.locator(".preflight").inner_text()
    # The email changed: each width shows the previous version beside the new one.
    assert card.locator("figcaption").all_inner_texts() == ["bisher", "neu"] * 2
    page.close()


def test_a_change_that_only_touches_code_needs_no_build(example_project, cli):
    git(example_project, "checkout", "-q", "-b", "code")
    (example_project / "notes.txt").write_text("Notizen\n", encoding="utf-8")
    result = cli(example_project, "review")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Keine Änderungen an Hilfeseiten")
    page = (example_project / "build" / "review" / "index.html").read_text(encoding="utf-8")
    assert "<code>notes.txt</code>" not in page  # (nothing to review: no section at all)


def test_an_unknown_base_is_a_usage_error(example_project, cli):
    result = cli(example_project, "review", "gibt-es-nicht")
    assert result.exit_code == 2
    assert "unbekannter Commit 'gibt-es-nicht'" in result.stderr


def test_pages_added_removed_changed_and_facts_with_where_they_are_used(make_project, monkeypatch):
    from generator.core.settings import load_project
    from generator.review import compare
    from generator.review.facts import Use
    from generator.review.pipeline import review

    letter = "newsletters/2026-11-02-test.md"
    root = make_project(
        {
            "content/index.md": INDEX.replace("Zahlungen", "Hilfe"),
            "content/zahlungen/index.md": INDEX,
            "content/zahlungen/sepa-lastschrift.md": ARTICLE,
            "content/zahlungen/alt.md": ARTICLE.replace("SEPA-Lastschrift\n", "Alte Seite\n"),
            "fakten.yml": "beitrag:\n  monatlich: 4,90 €\n  jaehrlich: 49 €\n",
            letter: newsletter_text(),
        }
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    (root / "content/zahlungen/alt.md").unlink()
    (root / "content/zahlungen/neu.md").write_text(
        ARTICLE.replace("SEPA-Lastschrift\n", "Neue Seite\n").replace("Text.", "Ganz neuer Text."),
        encoding="utf-8",
    )
    edit(root / "content/zahlungen/index.md", "Text.", "Text mit mehr Inhalt.")
    edit(root / "fakten.yml", "monatlich: 4,90 €", "monatlich: 5,90 €")
    uses = {
        "beitrag.monatlich": [
            Use("page", "content/zahlungen/sepa-lastschrift.md", 4),
            Use("newsletter", letter, 9),
        ]
    }
    monkeypatch.setattr(
        compare,
        "where_facts_are_used",
        lambda project, keys: {key: uses.get(key, []) for key in keys},
    )

    result = review(load_project(root))

    pages = {page.source: page for page in result.pages}
    assert pages["content/zahlungen/neu.md"].status == "added"
    assert pages["content/zahlungen/neu.md"].link == "site/zahlungen/neu/index.html"
    assert "Ganz neuer Text." in pages["content/zahlungen/neu.md"].diff[-1].text
    assert pages["content/zahlungen/alt.md"].status == "deleted"
    assert pages["content/zahlungen/alt.md"].note == "removed"
    changed = pages["content/zahlungen/index.md"]
    assert changed_words(changed.diff) == (["Text."], ["Text", "mit", "mehr", "Inhalt."])
    reached = pages["content/zahlungen/sepa-lastschrift.md"]
    assert reached.facts == ("beitrag.monatlich",)
    assert reached.note == "unchanged"  # (the test repository's article does not name the fact)
    [facts] = [s for s in result.settings if s.path == "fakten.yml"]
    assert facts.facts and [(k.key, k.old, k.new) for k in facts.keys] == [
        ("beitrag.monatlich", "4,90 €", "5,90 €")
    ]
    assert dict(facts.uses)["beitrag.monatlich"] == tuple(sorted(uses["beitrag.monatlich"]))
    [newsletter] = result.newsletters
    assert (newsletter.rel, newsletter.facts) == (letter, ("beitrag.monatlich",))
    assert [shot.width for shot in newsletter.shots] == [600, 375]
    page = (root / "build" / "review" / "index.html").read_text(encoding="utf-8")
    assert "<em>Die Seite wird von der Website entfernt.</em>" in page
    assert (
        f"<td><code>{letter}</code>, <code>content/zahlungen/sepa-lastschrift.md</code></td>"
        in page
    )


def test_the_changed_campaign_is_shown_personalised_for_the_sample_member(reviewed, opened):
    sample = opened.locator('#werbemittel [data-sample="mitglieder-werben-mitglieder"]')
    assert sample.count() == 1
    text = sample.inner_text()
    assert "Erika Mustermann" in text and "ERIKA7Q2" in text
    sources = sample.locator("img").evaluate_all("els => els.map(e => e.src)")
    qr = next(src for src in sources if src)  # the QR code comes first
    [link] = decode_qr(base64.b64decode(qr.split(",", 1)[1]))
    assert "ERIKA7Q2" in link and len(link) <= 45
    # Each personal image beside its generic version, both loaded and differing.
    figures = sample.locator("figure figcaption").all_inner_texts()
    assert figures.count("allgemein") >= 1
    assert figures.count("für Erika Mustermann") == figures.count("allgemein")
    loaded = sample.locator("img").evaluate_all("els => els.every(e => e.naturalWidth > 0)")
    assert loaded
    pairs = sample.locator(".pair").evaluate_all(
        "els => els.filter(e => e.querySelectorAll('img').length == 2)"
        ".map(e => [...e.querySelectorAll('img')].map(i => i.src))"
    )
    assert pairs and all(generic != personal for generic, personal in pairs)


def test_a_site_with_a_script_is_not_kept_for_the_reviewer(make_project, cli):
    root = make_project(
        {
            "content/index.md": INDEX.replace("Zahlungen", "Hilfe"),
            "content/zahlungen/index.md": INDEX,
            "content/zahlungen/sepa-lastschrift.md": ARTICLE,
        }
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    article = root / "content/zahlungen/sepa-lastschrift.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\n<b onmouseover=alert(1)>klicken</b>\n",
        encoding="utf-8",
    )

    result = cli(root, "review")

    assert result.exit_code == 1
    assert (
        "content/zahlungen/sepa-lastschrift.md" in result.stderr and "onmouseover" in result.stderr
    )
    assert (root / "build" / "review" / "index.html").is_file()
    assert not (root / "build" / "review" / "site").exists()
