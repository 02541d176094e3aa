"""The build's second process: each page scanned and indexed while MkDocs renders the next.

MkDocs renders on one core. As it is about to write a page, the page's HTML goes to a worker
process that scans it for active content (``scan.scan_pages``); as Material's search plugin
indexes it, the page goes there too, where Material's own parser splits it into sections and
their words are counted into the compact index (``searchindex.Sections``). At the end the
build takes the keys of the pages found clean (the final scan passes over those files if their
bytes are the ones scanned) and the compact index, made.

Nothing depends on the worker: a batch it could not take or finish leaves its pages to the
final scan, and the index is then made here, from the pages kept for that.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from generator.core.workers import in_background
from generator.site.builder import SearchPage, search_entries
from generator.site.scan import Memo, scan_pages
from generator.site.searchindex import Sections, WordCounter, synonym_groups

BATCH = 8
"""Pages handed over at once: each handing over wakes the pool's threads in this process."""

State = tuple[Path, frozenset[str], frozenset[str]]
Index = tuple[list[dict[str, Any]], dict[str, Any]]


def add_page(sections: Sections, page: SearchPage, config: dict[str, Any]) -> None:
    """The sections Material's search index makes of ``page``, added to the index."""
    for entry in search_entries(page, config):
        if "boost" in entry:  # (as Material's JSON would carry it)
            entry["boost"] = json.loads(json.dumps(entry["boost"], default=str))
        sections.add(entry)
    sections.pages += 1


_made: dict[Path, Sections] = {}
"""In the worker: the index being made of each site folder's pages."""


def work(state: State, item: tuple[Any, ...]) -> Any:
    """In the worker: ``("pages", pages, searched, config)`` gives the memo keys of the clean
    pages and adds the searched ones to the index (``config``: Material's search plugin's);
    ``("index",)`` gives the number of pages added and the index made."""
    folder = state[0]
    if item[0] == "index":
        sections = _made.pop(folder, None)
        return (0, None) if sections is None else (sections.pages, sections.made(folder))
    _, pages, searched, config = item
    if searched:
        if folder not in _made:  # (MkDocs has copied keywords, stop words, synonyms by now)
            _made[folder] = Sections(WordCounter.of_site(folder), synonym_groups(folder))
        for page in searched:
            add_page(_made[folder], page, config)
    return scan_pages(state, pages) if pages else []


class Beside:
    """Pages handed to a worker as MkDocs writes and indexes them; what it found at the end."""

    def __init__(self, submit: Callable[[tuple[Any, ...]], Future[Any]], site: Path) -> None:
        self.submit: Callable[[tuple[Any, ...]], Future[Any]] | None = submit
        self.site = site
        self.batches: list[Future[Any]] = []
        self.pages: list[tuple[str, str]] = []
        self.waiting: list[SearchPage] = []
        self.kept: list[SearchPage] = []  # every page searched: indexed here if the worker fails
        self.config: dict[str, Any] | None = None  # Material's search plugin's, once diverted

    def written(self, rel: str, html: str) -> None:
        """The page at ``rel`` as MkDocs writes it: scanned in the worker."""
        self.pages.append((rel, html))
        if len(self.pages) >= BATCH:
            self._send()

    def searching(self, config: dict[str, Any]) -> None:
        """Material's search hands its pages here (``searched``) from now on."""
        self.config = config

    def searched(self, page: SearchPage) -> None:
        """A page as Material's search would index it: split and counted in the worker."""
        self.kept.append(page)
        self.waiting.append(page)

    def _send(self) -> None:
        if self.pages or self.waiting:
            batch = ("pages", self.pages, self.waiting, self.config or {})
            self.pages, self.waiting = [], []
            self.batches.append(self._submit(batch))

    def _submit(self, item: tuple[Any, ...]) -> Future[Any]:
        if self.submit is not None:
            try:
                return self.submit(item)
            except RuntimeError:  # the worker is gone: never fail MkDocs' page for it
                self.submit = None  # (the final scan parses what it would have)
        failed: Future[Any] = Future()
        failed.set_exception(RuntimeError("no worker"))
        return failed

    def _done(self) -> list[Any]:
        """Each batch's result, waiting for the last; None for one the worker failed."""
        self._send()
        results = []
        for batch in self.batches:
            try:
                results.append(batch.result())
            except Exception:  # (a worker that failed: its pages are done in place)
                results.append(None)
        return results

    def clean(self) -> set[str]:
        """The memo keys of the pages the worker found clean (waiting for the last)."""
        return {key for keys in self._done() if keys for key in keys}

    def index(self) -> Index | None:
        """The compact index of every page searched (None if Material's search kept them)."""
        if self.config is None:
            return None
        failed = None in self._done()
        if not failed:
            try:
                pages, made = self._submit(("index",)).result()
                if pages == len(self.kept):
                    return made
            except Exception:  # (made here instead, below)
                pass
        sections = Sections(WordCounter.of_site(self.site))
        for page in self.kept:
            add_page(sections, page, self.config)
        return sections.made(self.site)


@contextmanager
def pages_beside(site_dir: Path, own: frozenset[str], memo: Memo) -> Iterator[Beside | None]:
    """A worker that scans and indexes each page while MkDocs renders the next.

    What it finds clean, the final scan passes over (``scan_written(clean=…)``) if the file's
    bytes are those it scanned; everything else is scanned there, as without it. Pages the
    ``memo`` knows as clean are not parsed again. None in a process that runs threads (the
    preview's server): no worker can be forked there, and the build does all of it itself.
    """
    with in_background(work, (site_dir, own, memo.before)) as submit:
        yield None if submit is None else Beside(submit, site_dir)
