"""The search index the help site ships: Material's, made small and ready to search.

Material's search plugin splits every page into sections and would write their full text to
``search/search_index.json``; the browser would download all of it and tokenise it before the
first result (at 1,000 pages: 6.5 MB, 1.8 MB gzip-compressed, about 2 s). rundbrief ships
instead what the search worker (``overrides/assets/javascripts/hilfe-suche.js``) needs, made
by ``Sections`` from Material's entries (in ``rundbrief build`` as MkDocs writes each page, in
the build's second process: ``beside.py``; otherwise from Material's file, after MkDocs):

- ``config.rundbrief.words``: every word as written, folded (``Kündigung``, ``Kuendigung`` →
  ``kundigung``), with its documents and weighted counts: pairs (gap to the previous
  document, count) as base-36 numbers, comma-separated, decoded only when a query needs the
  word; one line ``word:pairs`` per word, in JavaScript's string order, all in one string:
  the browser parses one string and copies it to the worker at once, where 15,000 keys of an
  object cost 30–40 ms more before the first result (measured at 1,000 pages, ``joined``);
- ``config.rundbrief.lengths``: the number of words of each document (for BM25);
- ``config.rundbrief.synonyms``: words members type that the site does not use, each with
  the site's words it stands for (``synonyms.py``: OpenThesaurus and the site's own list);
- ``docs``: location and title of every section, and a short excerpt of each article's
  opening text, for the result list (matching sections are listed by their headings).

The worker reads a full index too (a plain MkDocs build has no compacted one), so both must
agree on words: tokens are runs of letters and digits, folded the same way, and the German
stop words are the list in Material's ``lunr.de`` file, which the worker also uses.
"""

from __future__ import annotations

import html
import json
import operator
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from generator.core.files import read_output, write_text
from generator.site.synonyms import SITE_LIST, folded_groups, groups, packed, table_of
from generator.site.thesaurus import thesaurus_groups

INDEX = "search/search_index.json"
KEYWORDS = "search/keywords.json"
STOP_WORDS_FILE = "assets/javascripts/lunr/min/lunr.de.min.js"
FORMAT = 3

# Weights of a word by where it stands; the worker uses the same for a full index.
PAGE_TITLE, SECTION_TITLE, KEYWORD, TAG, TEXT = 10, 5, 8, 4, 1
EXCERPT = 220  # characters of an article's opening text shown under its title

WORD = re.compile(r"[^\W_]+")
TAG_RE = re.compile(r"<[^>]*>")


def fold(word: str) -> str:
    """A word as the search compares it: lower case, ae/oe/ue and ß spelled out, no accents."""
    if word.isascii():  # (most words: the same result without decomposing; the thesaurus's 89,000)
        return word.lower().replace("ae", "a").replace("oe", "o").replace("ue", "u")
    word = word.lower().replace("ß", "ss").replace("ae", "ä").replace("oe", "ö").replace("ue", "ü")
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f")


def plain_text(markup: str) -> str:
    """Text of an HTML fragment, tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(TAG_RE.sub(" ", markup)).split())


def excerpt(markup: str) -> str:
    """The beginning of a section's text, as escaped HTML, cut at a word."""
    text = plain_text(markup)
    if len(text) > EXCERPT:
        text = text[:EXCERPT].rsplit(" ", 1)[0] + " …"
    return html.escape(text, quote=False)


def stop_words(site_dir: Path) -> set[str]:
    """The German stop words of Material's lunr.de (empty if the file is not there)."""
    path = site_dir / STOP_WORDS_FILE
    found = (
        re.search(r'generateStopWordFilter\("([^"]*)"', read_output(path).decode("utf-8"))
        if path.is_file()
        else None
    )
    return set(found.group(1).split()) if found else set()


class WordCounter:
    """Counts the words of Material's index entries, each distinct word folded once."""

    def __init__(self, keywords: dict[str, list[str]], stop: set[str]) -> None:
        self.keywords, self.stop = keywords, stop
        self.forms: dict[str, str] = {}  # each distinct word folded once; a stop word becomes ""

    @classmethod
    def of_site(cls, site_dir: Path) -> WordCounter:
        """The counter for the site MkDocs writes into ``site_dir`` (its keywords, stop words).

        Both are files MkDocs copies before it writes the first page.
        """
        path = site_dir / KEYWORDS
        keywords = json.loads(read_output(path)) if path.is_file() else {}
        return cls(keywords, stop_words(site_dir))

    def count(self, doc: dict[str, Any]) -> tuple[dict[str, Any], Counter[str], int]:
        """One entry of Material's index (location, title, text, tags, boost), counted: its
        entry in the result list, each folded word (no stop word) weighted, its length."""
        forms, stop = self.forms, self.stop
        is_page = "#" not in doc["location"]
        title = plain_text(doc["title"])
        fields = [
            (title, PAGE_TITLE if is_page else SECTION_TITLE),
            (_text_of(doc.get("text", "")), TEXT),
            (plain_text(" ".join(doc.get("tags") or [])), TAG),
        ]
        if is_page:
            fields.append((" ".join(self.keywords.get(doc["location"], [])), KEYWORD))
        counts: Counter[str] = Counter()
        length = 0
        for text, weight in fields:
            found = WORD.findall(text)
            length += len(found)
            for word in set(found).difference(forms):
                forms[word] = "" if word.lower() in stop else fold(word)
            if weight == TEXT:  # (the bulk: counted in C)
                counts.update(map(forms.__getitem__, found))
                continue
            for form in map(forms.__getitem__, found):
                counts[form] += weight
        counts.pop("", None)
        # Material's bundle shows titles as HTML: only escaped text goes there (the worker
        # escapes again, for a full index too).
        entry = {"location": doc["location"], "title": html.escape(title, quote=False)}
        if is_page:
            entry["text"] = excerpt(doc.get("text", ""))
        if "boost" in doc:
            entry["boost"] = doc["boost"]
        return entry, counts, length


def synonym_groups(site_dir: Path) -> list[dict[str, str]]:
    """The site's own synonyms (``search/synonyme.txt``) and OpenThesaurus', folded."""
    site_list = site_dir / SITE_LIST
    own = groups(read_output(site_list).decode("utf-8")) if site_list.is_file() else []
    return [*folded_groups(own, fold), *thesaurus_groups(fold)]


class Sections:
    """The compact index as it is made: Material's entries counted and added in order."""

    def __init__(self, counter: WordCounter, found: list[dict[str, str]] | None = None) -> None:
        self.counter = counter
        self.found = found  # the synonym groups, if read already (``synonym_groups``)
        self.entries: list[dict[str, Any]] = []
        self.lengths: list[int] = []
        self.postings: defaultdict[str, list[int]] = defaultdict(list)  # form -> number, count…
        self.pages = 0  # (pages added by their entries: the build checks the count)

    def add(self, doc: dict[str, Any]) -> None:
        """One entry of Material's index, as the next section."""
        entry, counts, length = self.counter.count(doc)
        number = len(self.entries)
        postings = self.postings
        for form, count in counts.items():
            postings[form] += number, count
        self.entries.append(entry)
        self.lengths.append(length)

    def made(self, site_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The result list's entries, and ``config.rundbrief``: words, lengths, synonyms."""
        words = _packed(self.postings, len(self.entries))
        found = self.found if self.found is not None else synonym_groups(site_dir)
        return self.entries, {
            "format": FORMAT,
            "lengths": self.lengths,
            "words": joined(words),
            "synonyms": packed(table_of(found, words)),
        }


def compact(
    site_dir: Path, made: tuple[list[dict[str, Any]], dict[str, Any]] | None = None
) -> None:
    """Replace Material's search index in ``site_dir`` by the compact one (if there is one).

    ``made`` is the compact index made already (by the build's second process, as MkDocs
    wrote each page: ``site/beside.py``); without it the entries Material wrote are read and
    counted here.
    """
    path = site_dir / INDEX
    if not path.is_file():
        return
    index = json.loads(read_output(path))
    if made is None:
        sections = Sections(WordCounter.of_site(site_dir))
        for doc in index["docs"]:
            sections.add(doc)
        made = sections.made(site_dir)
    index["docs"], index["config"]["rundbrief"] = made
    (site_dir / SITE_LIST).unlink(missing_ok=True)  # (read here; the browser needs the table)
    text = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
    write_text(path, text, within=site_dir)  # (the door: site/ is written through nothing)


def _text_of(markup: str) -> str:
    """Text of an HTML fragment for counting its words: ``plain_text`` without the spacing."""
    return html.unescape(TAG_RE.sub(" ", markup))


def _packed(postings: dict[str, list[int]], documents: int) -> dict[str, str]:
    """Each form's (number, count) pairs as "gap,count,…" in base 36 (gaps stay small)."""
    table = [base36(n) for n in range(max(documents, 4096))]
    size = len(table)
    packed = {}
    # Sorted as JavaScript compares strings (UTF-16 code units): the worker uses the order
    # without sorting (it checks it as it reads the words, and sorts what is not in order).
    for form in sorted(postings, key=lambda word: word.encode("utf-16-be")):
        flat = postings[form]
        numbers = flat[0::2]
        flat[2::2] = map(operator.sub, numbers[1:], numbers)
        # pairs compress better than one number for both (measured: 598 against 670 KiB)
        if max(flat) < size:  # (nearly always: counted in C)
            packed[form] = ",".join(map(table.__getitem__, flat))
        else:
            packed[form] = ",".join(table[n] if n < size else base36(n) for n in flat)
    return packed


def joined(words: dict[str, str]) -> str:
    """Packed words as the index ships them: ``word:pairs`` lines (words are letters, digits)."""
    return "\n".join(f"{word}:{pairs}" for word, pairs in words.items())


def unjoined(text: str) -> dict[str, str]:
    """The words of ``joined`` text, as the worker reads them: word → packed pairs."""
    return dict(line.split(":", 1) for line in text.split("\n") if line)


def base36(number: int) -> str:
    """``number`` (not negative) in base 36, as JavaScript's ``parseInt(text, 36)`` reads it."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if not number:
            return text
