"""Synonyms for the help site's search: OpenThesaurus and the site's own list, cut to its words.

Members search with words the articles do not use: "Pleite" for "Insolvenz", "MwSt" for
"Umsatzsteuer", "refund" for "Erstattung". Two sources, both in OpenThesaurus' text format
(one group of synonyms per line, separated by ``;``, remarks in brackets):

- OpenThesaurus, a maintained German thesaurus (LGPL), as Debian's ``openthesaurus-de-text``
  installs it (``scripts/setup``); without it the search still works, without its synonyms,
  and ``check``/``build`` warn;
- ``overrides/search/synonyme.txt``: the site's own groups – the usual abbreviations of the
  tax, contract and payment terms of ``fakten.yml`` and the English words for the topics of
  the articles – copied by the site builder into ``search/`` and read from there.

Only groups holding a word of the site are kept, and only those words become targets: the
index gains ``synonyms``, each word a member may type that the site does not use (folded like
every indexed word) with the indexed words it stands for (``packed``: one string). The worker stems both sides, so inflected forms meet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from generator.core.i18n import _
from generator.core.problems import Problem

THESAURUS = Path("/usr/share/openthesaurus-de/openthesaurus.txt")
"""Where Debian's openthesaurus-de-text puts the thesaurus (read from outside the repository)."""
SITE_LIST = "search/synonyme.txt"
"""The site's own groups, as the site builder copies them from ``overrides/``."""
ENDINGS = ("en", "er", "es", "e", "n", "s")
REMARK = re.compile(r"\([^)]*\)")
UNUSED = re.compile(r"\((?:[^)]*\b)?(?:veraltet|geh\.|derb|vulg\.|selten)[^)]*\)")
"""Remarks of words members do not type into a help site's search: archaic, elevated, vulgar."""
WORD = re.compile(r"[^\W_]+")


def thesaurus_problems(path: Path = THESAURUS) -> list[Problem]:
    """A warning when OpenThesaurus is not installed: the search then lacks its synonyms."""
    if path.is_file():
        return []
    return [
        Problem(
            str(path),
            0,
            _(
                "OpenThesaurus is not installed: the search will not know German synonyms "
                "(install the Debian package openthesaurus-de-text, see scripts/setup)"
            ),
            severity="warning",
        )
    ]


def groups(text: str) -> Iterator[list[str]]:
    """The groups of a thesaurus text: each a list of single words (phrases left out)."""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        words = []
        for term in line.split(";"):
            if "(" in term:  # (a remark: most terms have none)
                if UNUSED.search(term):
                    continue
                term = REMARK.sub(" ", term)
            word = term.strip()
            if word.isalnum():  # one word, as WORD reads it (letters and digits, no "_")
                words.append(word)
                continue
            found = WORD.findall(term)
            if len(found) == 1:
                words.append(found[0])
        if len(words) > 1:
            yield words


def root(form: str) -> str:
    """A folded word without its last ending: "Passwörter" and "Passwort" meet halfway."""
    for ending in ENDINGS:
        if len(form) > len(ending) + 4 and form.endswith(ending):
            return form[: -len(ending)]
    return form


def synonym_table(
    sources: Iterable[list[str]], vocabulary: Iterable[str], fold: Callable[[str], str]
) -> dict[str, str]:
    """Each folded word of a group holding a word of ``vocabulary``: the site's words it means."""
    return table_of(folded_groups(sources, fold), vocabulary)


def folded_groups(sources: Iterable[list[str]], fold: Callable[[str], str]) -> list[dict[str, str]]:
    """Each group as the roots of its words, each with the folded form of its shortest word.

    Groups of a single root are left out: they can lead no word to another.
    """
    found: list[dict[str, str]] = []
    folded: dict[str, tuple[str, str]] = {}  # word -> (root, form): a word is in many groups
    for group in sources:
        forms = {}
        for word in sorted(group, key=len, reverse=True):
            if word not in folded:
                form = fold(word)
                folded[word] = root(form), form
            key, form = folded[word]
            forms[key] = form
        if len(forms) > 1:
            found.append(forms)
    return found


def table_of(groups: Iterable[dict[str, str]], vocabulary: Iterable[str]) -> dict[str, str]:
    """Each folded word of a group (``folded_groups``) holding a word of ``vocabulary``: the
    site's words it means.

    Words of the site are left out as keys: the site finds them itself, and a thesaurus
    group mixes senses ("Nachlass": inheritance and discount) – its words should only help
    where the site would otherwise find nothing for them.
    """
    # One word per root on both sides (the shortest): the worker stems every word, and
    # "insolvenz" stands for "insolvenzen" too – half the size at 1,000 pages.
    by_root: dict[str, str] = {}
    for form in sorted(set(vocabulary), key=lambda form: (len(form), form)):
        by_root.setdefault(root(form), form)
    table: dict[str, set[str]] = {}
    for forms in groups:
        targets = {by_root[key] for key in forms if key in by_root}
        if not targets:
            continue
        for key, form in forms.items():
            if key not in by_root:
                table.setdefault(form, set()).update(targets)
    ordered = sorted(table.items(), key=lambda item: item[0].encode("utf-16-be"))  # (as JS sorts)
    return {form: ",".join(sorted(targets)) for form, targets in ordered}


def packed(table: dict[str, str]) -> str:
    """The table as one string, each set of targets once: ``key,key:target,target|…``.

    Most words of a thesaurus group lead to the same words of the site; written once per
    group the table is a third smaller (measured at 1,000 pages, gzip-compressed).
    """
    keys: dict[str, list[str]] = {}
    for form, targets in table.items():
        keys.setdefault(targets, []).append(form)
    return "|".join(f"{','.join(forms)}:{targets}" for targets, forms in keys.items())


def read_groups(site_dir: Path, thesaurus: Path = THESAURUS) -> list[list[str]]:
    """The site's own groups and, if installed, OpenThesaurus'."""
    found: list[list[str]] = []
    for path in (site_dir / SITE_LIST, thesaurus):
        if path.is_file():
            found += groups(path.read_text(encoding="utf-8"))
    return found
