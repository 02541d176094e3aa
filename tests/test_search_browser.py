"""The site search as members use it: typed key by key into the header search box of the built site.

The query set (tests/data/search_queries.tsv) covers inflected forms, compounds, umlauts typed
as ae/oe/ue or without dots, one typo, everyday phrasing, synonyms from `keywords:`, and
words still being typed. Each expected article must be among the first three results, and
no archived newsletter may rank above it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from conftest import copy_example
from search_helpers import Query, load_queries, open_search, settled_results, type_query

pytestmark = pytest.mark.browser

QUERIES = load_queries()


@pytest.fixture(scope="module")
def search_page(browser, example_site) -> Iterator[object]:  # noqa: ANN001
    """One article page of the built site with the search box open, kept for all queries."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.goto(example_site + "zahlungen/paypal/", wait_until="networkidle")
    open_search(page)
    page.requested = requested  # type: ignore[attr-defined]
    yield page
    context.close()


def test_query_set_covers_every_kind():
    kinds = {query.kind for query in QUERIES}
    assert {
        "inflected",
        "compound",
        "umlaut",
        "typo",
        "phrase",
        "synonym",
        "english",
        "everyday",
        "none",
    } <= kinds
    assert len([query for query in QUERIES if query.expected]) >= 30


@pytest.mark.parametrize(
    "query", [q for q in QUERIES if q.expected], ids=lambda q: f"{q.kind}-{q.text}"
)
def test_query_finds_the_article_in_the_first_three(search_page, query: Query):
    type_query(search_page, query.text)
    found = settled_results(search_page)
    assert query.expected in found[:3], f"{query.text!r} found {found[:5]}"
    position = found.index(query.expected)
    archived = [path for path in found[:position] if path.startswith("newsletter/")]
    assert not archived, f"archived newsletters rank above the article: {archived}"


@pytest.mark.parametrize(
    "query", [q for q in QUERIES if not q.expected], ids=lambda q: f"{q.kind}-{q.text}"
)
def test_nothing_found_says_so_and_shows_the_way_to_support(
    search_page, query: Query, example_site, artifacts
):
    type_query(search_page, query.text)
    assert settled_results(search_page) == []
    hint = search_page.locator(".hilfe-nichts-gefunden")
    hint.wait_for()
    assert "nichts gefunden" in hint.inner_text()
    link = hint.locator("a")
    assert urlsplit(link.evaluate("a => a.href")).path == "/support/kontakt/"
    search_page.screenshot(path=str(artifacts / "site-search-nothing-found.png"))
    # A query that finds something again takes the hint away.
    type_query(search_page, "Dividende")
    settled_results(search_page)
    assert search_page.locator(".hilfe-nichts-gefunden").count() == 0


def test_a_result_leads_to_the_article_and_nothing_leaves_the_site(search_page, example_site):
    type_query(search_page, "Lastschrfit")
    settled_results(search_page)
    search_page.locator(".md-search-result__item a[href*='sepa-lastschrift']").first.click()
    search_page.wait_for_url("**/zahlungen/sepa-lastschrift/**")
    assert "SEPA-Lastschrift" in search_page.locator("h1").first.inner_text()
    search_page.wait_for_load_state("networkidle")
    hosts = {urlsplit(url).netloc for url in search_page.requested}  # type: ignore[attr-defined]
    assert hosts == {urlsplit(example_site).netloc}, f"requests to other hosts: {hosts}"


def test_search_box_has_a_name(search_page):
    box = search_page.locator("input.md-search__input")
    assert box.get_attribute("aria-label") == "Suche"


def test_a_plain_mkdocs_build_searches_the_same_way(tmp_path, browser, serve_dir):
    """A successor builder gets Material's full index: the worker tokenises it in the browser."""
    root = copy_example(tmp_path / "plain")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(root / "plain-site")],
        cwd=root,
        check=True,
        capture_output=True,
    )
    index = json.loads((root / "plain-site/search/search_index.json").read_text(encoding="utf-8"))
    assert "rundbrief" not in index["config"]  # not compacted: the worker's fallback is used
    base = serve_dir(root / "plain-site")
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(base + "zahlungen/", wait_until="networkidle")
    open_search(page)
    for text in ("Lastschrfit", "IBAN", "Kuendigungsfrist"):
        type_query(page, text)
        found = settled_results(page)[:3]
        expected = (
            "konto/konto-kuendigen/" if text.startswith("K") else "zahlungen/sepa-lastschrift/"
        )
        assert expected in found, (text, found)
    context.close()
