"""Active content impossible by construction on the help site (issue 17, item 3): hostile
titles, tags, headings and subjects stay text everywhere the site shows them (navigation, tag
list, search results, archive), a script in content stops the build at its source line, and
the pages' Content-Security-Policy blocks inline script while Material keeps working."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, mini_project, stderr_lines
from newsletter_helpers import newsletter_text
from search_helpers import open_search, settled_results, type_query
from selectolax.lexbor import LexborHTMLParser

from generator.core.activecontent import findings
from generator.core.settings import load_project
from generator.editor.pages import editor_scripts
from generator.site.scan import own_script_hashes, scan_folder

TITLE = '<img src=x onerror="document.title=1"> & "Zitat" <style>body{display:none}</style>'
TAG = "<svg onload=alert(2)>"
HEADING = "&lt;img src=y onerror=alert(3)&gt; Lastschriftkonto"
ARTICLE = f"""---
title: '{TITLE}'
description: Eine Seite mit genug Text für die Beschreibung, wirklich genug.
tags: [Zahlungen, "{TAG}"]
---
Text über das Lastschriftkonto.

## {HEADING}

Mehr Text.
"""
INDEX = """---
title: Konto
description: Alles rund um Ihr Konto und Ihre Anmeldung beim Mitgliederwerk.
---
Text.
"""
SUBJECT = 'Preise <b>fett</b> & "Zitate" im Archiv'
TAGS_PAGE = "---\ntitle: Schlagwörter\ndescription: Alle Schlagwörter des Hilfe-Centers auf einen Blick.\n---\n<!-- material/tags -->\n"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    """A project with a hostile article and newsletter, built once (read-only)."""
    from generator.build import build

    root = mini_project(
        tmp_path_factory.mktemp("hostile") / "project",
        {
            "content/index.md": INDEX.replace("Konto", "Start"),
            "content/schlagwoerter.md": TAGS_PAGE,
            "content/konto/index.md": INDEX,
            "content/konto/boese.md": ARTICLE,
            "newsletters/2026-11-02-test.md": newsletter_text(subject=f"'{SUBJECT}'"),
        },
    )
    build(load_project(root))
    return root


def _html(path: Path) -> LexborHTMLParser:
    return LexborHTMLParser(path.read_text(encoding="utf-8"))


def test_hostile_titles_tags_and_subjects_stay_text_on_every_page(hostile_site):
    """R-2, R-18: the scanner finds nothing in any written page, and the text reads as written."""
    site = hostile_site / "site"
    assert scan_folder(site, "site", [], own_script_hashes(hostile_site, editor_scripts())) == []
    page = _html(site / "konto" / "boese" / "index.html")
    assert page.css_first("article h1").text(strip=True) == TITLE
    assert page.css_first("title").text().startswith(TITLE)
    nav = [a.text(strip=True) for a in page.css("nav.md-nav a.md-nav__link")]
    assert TITLE in nav
    assert TAG in [a.text(strip=True) for a in page.css("nav.md-tags .md-tag")]
    assert page.css("style") == [] or all("display:none" not in s.text() for s in page.css("style"))
    tags = _html(site / "schlagwoerter" / "index.html")
    assert TAG in tags.text() and TITLE in tags.text()
    archive = _html(site / "newsletter" / "index.html")
    assert SUBJECT in archive.css_first("article").text()
    assert archive.css("article b") == []


def test_the_search_index_holds_titles_as_escaped_text(hostile_site):
    index = json.loads((hostile_site / "site/search/search_index.json").read_text("utf-8"))
    for doc in index["docs"]:
        assert findings(doc["title"], content=True) == [], doc
        assert findings(doc.get("text", ""), content=True) == [], doc


def test_hostile_titles_show_as_text_in_search_results(hostile_site, browser, serve_dir):
    """The result list is written by Material's bundle as HTML: nothing in it may act."""
    page = browser.new_page()
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    page.goto(serve_dir(hostile_site / "site") + "konto/")
    open_search(page)
    type_query(page, "Lastschriftkonto")
    assert settled_results(page)
    results = page.locator(".md-search-result__list")
    text = results.inner_text()
    assert "<img src=y onerror=alert(3)>" in text, text
    assert results.locator("img, svg[onload], style").count() == 0
    assert page.title() != "1" and alerts == []
    page.close()


def test_a_script_in_an_article_stops_the_build_at_its_line(cli, make_project):
    project = make_project({"content/index.md": INDEX, "content/a.md": INDEX.replace("Konto", "A")})
    assert cli(project, "build").exit_code == 0  # a site to keep
    before = (project / "site" / "index.html").read_bytes()
    hostile = {
        "a.md": "<p>Hier <b onmouseover=alert(1)>klicken</b></p>",
        "b.md": '<iframe src="https://fremd.example/"></iframe>',
        "c.md": '<a href="%6Aavascript:alert(1)">Gewinn</a>',
    }
    for name, markup in hostile.items():
        text = INDEX.replace("Konto", name) + f"\nText.\n\n{markup}\n"  # markup on line 9
        (project / "content" / name).write_text(text, encoding="utf-8")
    result = cli(project, "build")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    assert any(line.startswith("content/a.md:9: 'onmouseover'") for line in lines), lines
    assert any(line.startswith("content/b.md:9: 'iframe'") for line in lines), lines
    assert any(line.startswith("content/c.md:9: 'javascript:'") for line in lines), lines
    assert (project / "site" / "index.html").read_bytes() == before


@pytest.mark.parametrize(
    ("subject", "what"),
    [
        ('<img/src="x"/onerror=alert(1)> Neuigkeiten', "onerror"),
        ("<style>body{display:none}</style> Neuigkeiten", "style"),
    ],
)
def test_markup_that_acts_in_a_subject_is_refused_at_its_line(cli, make_project, subject, what):
    project = make_project(
        {"newsletters/2026-11-02-test.md": newsletter_text(subject=f"'{subject}'")}
    )
    result = cli(project, "check")
    assert result.exit_code == 1
    assert f"newsletters/2026-11-02-test.md:2: '{what}' ist in einem Newsletter" in result.stderr


def _violations(page) -> list[str]:  # noqa: ANN001 - Playwright page
    messages: list[str] = []
    page.on(
        "console",
        lambda message: (
            messages.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return messages


def test_material_works_under_the_csp_and_reports_no_violation(browser, example_site):
    page = browser.new_page()
    violations = _violations(page)
    page.goto(example_site + "zahlungen/sepa-lastschrift/")
    assert "script-src 'self'" in page.locator(
        "meta[http-equiv='Content-Security-Policy']"
    ).get_attribute("content")
    open_search(page)  # search: the worker is a file of the site ('self')
    type_query(page, "Lastschrfit")
    assert any("sepa-lastschrift" in path for path in settled_results(page))
    page.keyboard.press("Escape")
    scheme = page.locator("body").get_attribute("data-md-color-scheme")
    page.locator("label.md-header__button[for^='__palette']:visible").first.click()
    assert page.locator("body").get_attribute("data-md-color-scheme") != scheme  # palette
    page.locator("nav.md-nav--primary a.md-nav__link[href*='auszahlung']").first.click()
    page.wait_for_url("**/auszahlung/")  # navigation
    page.goto(example_site + "newsletter/")
    page.locator("article a[href*='2026-']").first.click()
    page.wait_for_load_state("load")
    frame = page.locator("iframe.newsletter-email")
    frame.wait_for(state="attached")
    page.wait_for_function(
        "() => parseInt(document.querySelector('iframe.newsletter-email').style.height) > 0"
    )  # hilfe.js sized the archived email's frame
    assert violations == []
    page.close()


def test_an_injected_inline_script_and_handler_are_blocked(browser, example_site, tmp_path):
    """Defence in depth: if markup ever got through, the policy would not run it."""
    page = browser.new_page()
    violations = _violations(page)
    page.goto(example_site + "zahlungen/sepa-lastschrift/")
    html = page.content().replace(
        "</article>",
        '<script>document.title="ausgefuehrt"</script>'
        '<img src="x" onerror="document.title=\'ausgefuehrt\'"></article>',
        1,
    )
    page.route("**/injiziert/", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(example_site + "zahlungen/sepa-lastschrift/injiziert/")
    page.wait_for_load_state("load")
    assert page.title() != "ausgefuehrt"
    assert len(violations) >= 2, violations
    page.close()


def test_the_review_lists_every_new_element_that_is_more_than_text(make_project, cli):
    """R-4: the visible text stays the same, but a hidden frame, a script, a handler, a style
    and a link to a new host were added: each is listed in red on the review page."""
    from conftest import git

    from generator.review.pipeline import review

    root = make_project(
        {
            "content/index.md": INDEX.replace("Konto", "Start"),
            "content/konto/index.md": INDEX,
            "content/konto/a.md": INDEX.replace("Konto", "A") + "\nEin Absatz.\n",
        }
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    added = (
        '<p onmouseover="x()">Ein Absatz.</p>\n\n'
        '<iframe src="https://fremd.example/" sandbox style="display:none"></iframe>\n\n'
        "<script>steal()</script>\n\n<style>p{color:red}</style>\n\n"
        '<a href="https://fremd.example/x"></a>\n'
    )
    (root / "content/konto/a.md").write_text(
        INDEX.replace("Konto", "A") + "\n" + added, encoding="utf-8"
    )
    result = review(load_project(root))
    [page] = [p for p in result.pages if p.source == "content/konto/a.md"]
    assert page.note == "unchanged-active"
    listed = "\n".join(page.active)
    for what in (
        "<iframe",
        "<script",
        "<style",
        "onmouseover",
        "Link zu neuem Host: fremd.example",
    ):
        assert what in listed, page.active
    assert any(p.path == "content/konto/a.md" and "'script'" in p.message for p in result.problems)
    html = (root / "build/review/index.html").read_text(encoding="utf-8")
    assert "Der sichtbare Text ist unverändert – aber" in html
    assert html.count('<div class="active">') == 1
    assert "&lt;iframe" in html and '<iframe src="https://fremd' not in html


def test_the_job_summary_shows_pull_request_text_as_text():
    """R-43: no HTML, autolink, mention or broken code span from a subject, title or path."""
    from generator.review.summary import code, escape

    shown = escape('Hallo @gruender <img src="https://fremd.example/p.png"> www.fremd.example `x`')
    assert "\\<img" in shown and "@gruender" not in shown  # a backslash: shown, not a tag
    assert "https://" not in shown and "www.fremd" not in shown
    assert "\\`x\\`" in shown
    assert escape("Zeile eins\n# Überschrift") == "Zeile eins \\# Überschrift"
    assert code("content/a`b.md") == "`` content/a`b.md ``"
    assert code("content/a.md") == "`content/a.md`"


def test_template_syntax_over_several_lines_is_found_like_on_one(cli, make_project):
    """R-29: a merge field, a tag or a fact reference split over lines is read, or refused at
    its first line; it never reaches members as raw template syntax."""
    body = "Hallo {{\n  member.first_name\n}},\n\n{% if\n  member.x %}Geheim{% endif %}\n"
    article = INDEX.replace("Konto", "A") + "\nBeitrag: {{ fakt.beitrag\n}} im Monat.\n"
    project = make_project(
        {
            "content/index.md": INDEX,
            "content/a.md": article,
            "fakten.yml": "beitrag:\n  wert: 4,90 €\n",
            "newsletters/2026-11-02-test.md": newsletter_text(body),
        }
    )
    result = cli(project, "check")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    rel = "newsletters/2026-11-02-test.md"
    assert any(line.startswith(f"{rel}:12: ") and "{% if" in line for line in lines), lines
    assert not any("first_name" in line for line in lines), lines  # read as the merge field
    assert not any(line.startswith("content/a.md") for line in lines), lines  # fact filled in
    (project / "newsletters/2026-11-02-test.md").unlink()
    assert cli(project, "build").exit_code == 0
    page = (project / "site/a/index.html").read_text(encoding="utf-8")
    assert "Beitrag: 4,90 € im Monat." in " ".join(page.split()) and "fakt" not in page


def test_a_rebuild_parses_only_what_changed_and_still_refuses(cli, make_project, monkeypatch):
    """The memo of clean files (.rundbrief/cache/scan-clean.txt) skips what is byte for byte
    the same; a changed page is parsed again, and a refused one is never remembered."""
    from generator.site import scan

    project = make_project({"content/index.md": INDEX, "content/a.md": INDEX.replace("Konto", "A")})
    assert cli(project, "build").exit_code == 0
    parsed: list[str] = []
    real = scan.findings

    def counting(data, **options):
        if "page" in options:  # (not the search index's titles)
            parsed.append(options["page"])
        return real(data, **options)

    monkeypatch.setattr(scan, "findings", counting)
    assert cli(project, "build").exit_code == 0
    assert parsed == []
    (project / "content" / "a.md").write_text(
        INDEX.replace("Konto", "A") + "\n<p onclick=x()>Text</p>\n", encoding="utf-8"
    )
    for _ in range(2):
        result = cli(project, "build")
        assert result.exit_code == 1 and "content/a.md:7: 'onclick'" in result.stderr
    assert parsed.count("a/index.html") == 2


RECORDING_BUILD = """
import os, sys
from pathlib import Path
from generator.build import build
from generator.core.settings import load_project
from generator.site import scan

real, log = scan.findings, Path(sys.argv[2])

def recording(data, **options):
    with log.open("a", encoding="utf-8") as out:
        out.write(f"{os.getpid()} {options.get('page', '-')}\\n")
    return real(data, **options)

scan.findings = recording
build(load_project(Path(sys.argv[1])))
print(os.getpid())
"""


def test_pages_are_scanned_in_a_second_process_while_mkdocs_writes(make_project, tmp_path):
    """MkDocs renders on one core; each page it writes is scanned on the other meanwhile, and
    the build's own process parses none of them again (a fresh process: no threads)."""
    articles = {f"content/{n}.md": INDEX.replace("Konto", f"A{n}") for n in range(10)}
    project = make_project({"content/index.md": INDEX, **articles})  # more than one batch
    log = tmp_path / "parsed.txt"
    done = subprocess.run(
        [sys.executable, "-c", RECORDING_BUILD, str(project), str(log)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    build_process = done.stdout.split()[-1]
    parsed = [line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines()]
    pages = {"index.html", *(f"{n}/index.html" for n in range(10))}
    beside = {page for pid, page in parsed if pid != build_process}
    assert pages <= beside
    assert not pages & {page for pid, page in parsed if pid == build_process}
    assert (project / "site" / "9" / "index.html").is_file()


def test_a_page_found_clean_beside_mkdocs_is_scanned_again_if_its_bytes_differ(
    tmp_path, monkeypatch
):
    """The worker's word counts only for the very bytes it scanned, at that path."""
    from generator.site import scan

    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    clean, hostile = "<!doctype html><p>Text</p>", "<!doctype html><p onclick=x()>Text</p>"
    [key] = scan.scan_pages((site, frozenset(), frozenset()), [("a/index.html", clean)])
    assert scan.scan_pages((site, frozenset(), frozenset()), [("a/index.html", hostile)]) == []
    assert scan.scan_pages((site, frozenset(), frozenset({key})), [("b/index.html", clean)]) != [
        key
    ]
    parsed: list[str] = []
    real = scan.findings

    def counting(data, **options):
        parsed.append(options.get("page", ""))
        return real(data, **options)

    monkeypatch.setattr(scan, "findings", counting)
    (site / "a" / "index.html").write_text(hostile, encoding="utf-8")  # changed after the scan
    [problem] = scan.scan_folder(site, "site", [], frozenset(), scan.Memo(frozenset({key})))
    assert problem.path == "site/a/index.html" and "'onclick'" in problem.message
    (site / "a" / "index.html").write_text(clean, encoding="utf-8")
    assert scan.scan_folder(site, "site", [], frozenset(), scan.Memo(frozenset({key}))) == []
    assert parsed == ["a/index.html"]  # the hostile bytes only


def test_a_worker_that_is_gone_leaves_every_page_to_the_final_scan(tmp_path):
    """A worker that died (killed, out of memory) fails no page: nothing counts as scanned."""
    from concurrent.futures.process import BrokenProcessPool

    from generator.site.beside import BATCH, Beside
    from generator.site.builder import SearchPage, search_entries
    from generator.site.searchindex import Sections, WordCounter

    def broken(item):  # noqa: ANN001, ANN202
        raise BrokenProcessPool("gone")

    beside = Beside(broken, tmp_path)
    beside.searching({})
    for n in range(BATCH + 1):
        beside.written(f"{n}/index.html", "<p onclick=x()>Text</p>")
        beside.searched(SearchPage(f"{n}/", f"Seite {n}", f"<h1>Seite {n}</h1><p>Text</p>", [], {}))
    assert beside.clean() == set()
    # The search index is made in this process, from the pages kept for that.
    sections = Sections(WordCounter.of_site(tmp_path))
    for page in beside.kept:
        for entry in search_entries(page, {}):
            sections.add(entry)
    made = beside.index()
    assert made is not None and made == sections.made(tmp_path)
    assert [entry["location"] for entry in made[0]] == [f"{n}/" for n in range(BATCH + 1)]


def test_a_memo_a_pull_request_committed_lets_no_page_skip_the_scan(tmp_path, monkeypatch):
    """Memo keys are computable: only a memo sealed on this machine counts."""
    from generator.core.sealed import seal
    from generator.site import scan

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    site, state = tmp_path / "site", tmp_path / ".rundbrief"
    (site / "a").mkdir(parents=True)
    hostile = b"<!doctype html><p onclick=x()>Text</p>"
    (site / "a" / "index.html").write_bytes(hostile)
    key = scan._key(scan._prefix(frozenset()), "a/index.html", hostile)
    (state / "cache").mkdir(parents=True)
    (state / scan.MEMO).write_text(key + "\n", encoding="ascii")  # committed by the request
    [problem] = scan.scan_folder(site, "site", [], frozenset(), scan.Memo.read(state))
    assert "'onclick'" in problem.message
    (state / scan.MEMO).write_bytes(seal(key.encode()))  # this machine's own memo counts
    assert scan.Memo.read(state).before == {key}
    memo = scan.Memo(now={key})
    memo.write(state)
    assert scan.Memo.read(state).before == {key}
