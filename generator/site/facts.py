"""Facts and hosting blocks in the pages of the help site, filled in when the tree is staged.

Help articles and the Werbemittel pages name facts (``{{ fakt.mitgliedsbeitrag }}``, see
``core/facts.py``). A page may also hold text that is true for one hosting provider only — the
privacy policy says who serves the site — in blocks that are kept for the provider chosen in
``rundbrief.yml`` and blanked for every other::

    <!-- hosting: sftp -->
    Das Hilfe-Center wird bei {{ fakt.hosting_name }} in Deutschland betrieben …
    <!-- /hosting -->

Both keep every line where it is, so every later problem still names the line of the source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from generator.core.facts import Facts, line_problems
from generator.core.i18n import _
from generator.core.problems import Problem
from generator.core.sections.hosting import HOSTING_PROVIDERS
from generator.site.stage import Page

_OPEN = re.compile(r"\s*<!--\s*hosting:\s*(?P<provider>\S+?)\s*-->\s*")
_CLOSE = re.compile(r"\s*<!--\s*/hosting\s*-->\s*")
SOURCES = ("content/", "marketing-assets/")
"""Pages written by hand; generated pages (the newsletter archive) are filled already."""


def fill_pages(
    pages: Iterable[Page], facts: Facts, provider: str
) -> tuple[list[Page], list[Problem]]:
    """Every page with its facts filled in and only the hosting blocks of ``provider`` kept."""
    filled: list[Page] = []
    problems: list[Problem] = []
    for page in pages:
        if page.source is None or not page.source.startswith(SOURCES):
            filled.append(page)
            continue
        body, found = facts.fill(page.body)
        problems += line_problems(page.source, page.body_line, page.body, found)
        body, found_blocks = hosting_blocks(body, page.source, page.body_line, provider)
        problems += found_blocks
        problems += [
            Problem(
                page.source,
                1,
                _("{key}: facts are filled in in the text only, not in the front matter").format(
                    key=key
                ),
            )
            for key in ("title", "description")
            if "{{" in str(page.meta.get(key) or "")
        ]
        filled.append(page if body == page.body else replace(page, body=body))
    return filled, problems


def hosting_blocks(
    text: str, rel: str, first_line: int, provider: str
) -> tuple[str, list[Problem]]:
    """``text`` with the hosting blocks of other providers blanked, line for line."""
    if "hosting" not in text:  # (nearly every page: skip looking at each line)
        return text, []
    lines = text.split("\n")
    problems: list[Problem] = []
    opened: tuple[int, str] | None = None  # (line number, provider) of the open block
    first: int | None = None
    chosen = False
    for index, line in enumerate(lines):
        number = first_line + index
        start, end = _OPEN.fullmatch(line), _CLOSE.fullmatch(line)
        if start:
            name = start.group("provider")
            if opened is not None:
                problems.append(Problem(rel, number, _("hosting blocks cannot be nested")))
            elif name not in HOSTING_PROVIDERS:
                problems.append(
                    Problem(
                        rel,
                        number,
                        _("unknown hosting provider '{provider}' (known: {known})").format(
                            provider=name, known=", ".join(HOSTING_PROVIDERS)
                        ),
                    )
                )
            opened = (number, name)
            first = number if first is None else first
            chosen = chosen or name == provider
            lines[index] = ""
        elif end:
            if opened is None:
                problems.append(
                    Problem(
                        rel,
                        number,
                        _("{marker} without an opening hosting block").format(
                            marker="<!-- /hosting -->"
                        ),
                    )
                )
            opened = None
            lines[index] = ""
        elif opened is not None and opened[1] != provider:
            lines[index] = ""
    if opened is not None:
        problems.append(
            Problem(
                rel,
                opened[0],
                _("hosting block is not closed: add {marker}").format(marker="<!-- /hosting -->"),
            )
        )
    if first is not None and not chosen:
        problems.append(
            Problem(
                rel,
                first,
                _(
                    "no hosting block for '{provider}', the provider chosen in rundbrief.yml "
                    "(hosting.provider): this page would not say who hosts the site"
                ).format(provider=provider),
            )
        )
    return "\n".join(lines), problems
