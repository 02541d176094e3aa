"""Facts files in the review: which YAML files hold facts, and where a fact is used.

A facts file (``fakten.yml``: fees, dates, addresses written once and used on many pages,
in newsletters and in campaign texts) is reviewed like every setting, key by key. A changed
fact changes every text that uses it, so the review also lists — and compares — those.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from generator.core.facts import FORM
from generator.core.settings import Project
from generator.core.sources import SourceFile, read_sources
from generator.newsletter.source import newsletter_sources
from generator.site.index import read_site

FACTS_FILES = ("fakten.yml",)
"""Repository paths of facts files."""


@dataclass(frozen=True, order=True)
class Use:
    """A place that shows a fact: a help page, a newsletter or a campaign (its source file)."""

    kind: Literal["page", "newsletter", "campaign"]
    source: str
    line: int = 0


def where_fact_is_used(project: Project, key: str) -> list[Use]:
    """Every help page, newsletter and campaign text of ``project`` that names fact ``key``.

    ``key`` may be dotted as the review compares YAML keys (``lastschrift_tag.ab.2027-01-01``):
    the fact is its first part. Each place is named with the line of its first reference.
    """
    return where_facts_are_used(project, [key])[key]


def where_facts_are_used(project: Project, keys: Iterable[str]) -> dict[str, list[Use]]:
    """``where_fact_is_used`` for many keys, reading the sources once."""
    index, _problems = read_site(project)
    places: list[tuple[Literal["page", "newsletter", "campaign"], SourceFile]] = [
        ("page", article.source) for article in index.articles
    ]
    newsletters, _unreadable = newsletter_sources(project)
    places += [("newsletter", source) for source in newsletters]
    campaigns, _unreadable = read_sources(project.assets_dir, project.root, "*.yml")
    places += [("campaign", source) for source in campaigns]
    first: dict[str, list[Use]] = defaultdict(list)  # fact name -> first reference per place
    for kind, source in places:
        named: set[str] = set()
        for match in FORM.finditer(source.text):
            name = match.group("name")
            if name not in named:
                named.add(name)
                line = source.text.count("\n", 0, match.start()) + 1
                first[name].append(Use(kind, source.rel, line))
    return {key: sorted(first.get(key.split(".", 1)[0], [])) for key in keys}
