"""Drive the help site's own search box in a real browser, as a member types."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

QUERIES = Path(__file__).resolve().parent / "data" / "search_queries.tsv"
BLIND_QUERIES = QUERIES.with_name("search_queries_blind.tsv")
"""Written blind, before any tuning; measured, never tuned for (bench/search.py --quality)."""
SEARCH_INPUT = "input.md-search__input"
RESULT_LINKS = ".md-search-result__item > a.md-search-result__link:first-child"


@dataclass(frozen=True)
class Query:
    """A query of the query set: its kind, the text typed and the page it must find."""

    kind: str
    text: str
    expected: str  # site path such as "zahlungen/sepa-lastschrift/"; "" = nothing sensible


def load_queries(path: Path = QUERIES) -> list[Query]:
    """The query set (tab-separated: kind, query, expected page)."""
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, text, expected = (line.split("\t") + [""])[:3]
            queries.append(Query(kind, text, expected.strip()))
    return queries


def open_search(page) -> None:  # noqa: ANN001 - Playwright page
    """Focus the header search box the way a person does: click into it."""
    page.locator("label.md-search__icon, " + SEARCH_INPUT).first.click()
    page.locator(SEARCH_INPUT).wait_for(state="visible")


def type_query(page, text: str, delay: float = 15) -> None:  # noqa: ANN001
    """Clear the search box and type ``text`` key by key (the theme searches on every key)."""
    box = page.locator(SEARCH_INPUT)
    box.fill("")
    box.press("Backspace")
    page.keyboard.type(text, delay=delay)


def result_paths(page) -> list[str]:  # noqa: ANN001
    """Site paths of the articles in the result list, in order (fragments and queries dropped)."""
    hrefs = page.eval_on_selector_all(RESULT_LINKS, "links => links.map(a => a.href)")
    paths = []
    for href in hrefs:
        path = urlsplit(href).path.lstrip("/")
        paths.append(path)
    return paths


def settled_results(page, timeout: float = 10.0) -> list[str]:  # noqa: ANN001
    """The result list once it stops changing (the worker answers every keystroke)."""
    deadline = time.monotonic() + timeout
    previous: list[str] | None = None
    meta = page.locator(".md-search-result__meta")
    while time.monotonic() < deadline:
        current = result_paths(page)
        text = meta.inner_text()
        if current == previous and "Initialisiere" not in text and "initialis" not in text:
            return current
        previous = current
        page.wait_for_timeout(150)
    return result_paths(page)
