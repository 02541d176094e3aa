"""Facts: amounts, days, dates and addresses defined once and used by name everywhere.

``fakten.yml`` at the top of the repository holds every fact that appears in more than one
place. Help articles, newsletters and campaign texts name it — ``{{ fakt.mitgliedsbeitrag }}``
— instead of typing the value again. A fact may change on a date (``ab:``): a newsletter uses
the value valid on its date; an article or a campaign text, which is read on any day, names the
day it means — ``{{ fakt.lastschrift_tag | am("2027-01-01") }}`` — and ``ab(…)``/``bis(…)``
write that day as a date. The day must be one on which a value begins or ends: a change day
that moves in ``fakten.yml`` turns every sentence still naming the old day into a problem. The
operator and the web host in ``rundbrief.yml`` are facts too (``anbieter_*``, ``hosting_*``).

A value is one line without braces: a fact never shifts a line of the text that uses it (every
problem keeps its ``path:line``) and never brings template syntax (merge fields, Jinja,
attribute lists) into it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from generator.core import german, i18n
from generator.core.dates import german_date
from generator.core.declare import build, entries_schema, key
from generator.core.i18n import _
from generator.core.problems import Problem
from generator.core.schema import hinted
from generator.core.settings import Project, Settings
from generator.core.sources import read_source
from generator.core.yamltree import PLAIN_TAGS, YamlTree, parse_yaml, tag_problems

FACTS_FILE = "fakten.yml"
FILTERS = ("am", "ab", "bis")

REFERENCE = re.compile(r"\{\{\s*fakt\b.*?\}\}", re.DOTALL)
"""Every reference to a fact as it was typed, well-formed or not, also split over lines (R-29:
filled in or reported, never left as template syntax)."""
FORM = re.compile(
    r"""\{\{\s*fakt\.(?P<name>\w+)\s*"""
    r"""(?:\|\s*(?P<filter>\w+)\s*(?:\(\s*(?P<quote>["'])(?P<day>[^"']*)(?P=quote)\s*\))?\s*)?\}\}"""
)
"""A well-formed reference: ``{{ fakt.name }}`` or ``{{ fakt.name | am("YYYY-MM-DD") }}``."""
_NAME = re.compile(r"[a-z][a-z0-9_]*")


@hinted("kleine Buchstaben, Ziffern, _", pattern="^[a-z][a-z0-9_]*$")
def _fact_name(key: str) -> str | None:
    if not _NAME.fullmatch(key):
        return _(
            "a fact's name is written in small letters, digits and '_', e.g. {example}"
        ).format(example="mitgliedsbeitrag")
    return None


@hinted("JJJJ-MM-TT", placeholder="<JJJJ-MM-TT>", pattern=r"^\d{4}-\d{2}-\d{2}$")
def _iso_day(key: str) -> str | None:
    try:
        dt.date.fromisoformat(key)
    except ValueError:
        return _("expected the day of the change (YYYY-MM-DD), got '{value}'").format(value=key)
    return None


@hinted("eine Zeile, ohne { und }", pattern=r"^[^{}\r\n]*\S[^{}\r\n]*$")
def _one_line(value: Any) -> str | None:
    """Check: a value that can stand anywhere in a line of Markdown, YAML text or a template."""
    if not isinstance(value, str):
        return None
    if not value.strip():
        return _("must not be empty")
    if "\n" in value or "\r" in value:
        return _("a fact is one line; a line break would shift the lines of every text using it")
    if "{" in value or "}" in value:
        return _("must not contain '{' or '}': a fact never brings template syntax into a text")
    return None


@dataclass(frozen=True)
class FactEntry:
    """One fact of ``fakten.yml`` as written, declared once (reference: docs/seiten/referenz/fakten.md)."""

    wert: str | int | dt.date = key(
        "Der Wert: eine Zeile Text, eine ganze Zahl oder ein Datum (bis zur ersten Änderung).",
        check=_one_line,
        label="Wert",
    )
    info: str | None = key(
        "Wofür der Fakt steht, für alle, die die Datei bearbeiten (erscheint nirgends).",
        default=None,
        label="Wofür",
    )
    ab: dict[str, str | int | dt.date] | None = key(
        "Änderungen: der Tag (JJJJ-MM-TT) → der Wert ab diesem Tag.",
        default=None,
        keys=_iso_day,
        each=key("Der Wert ab diesem Tag.", check=_one_line),
        label="Änderungen ab einem Tag",
    )


FACTS = entries_schema(FACTS_FILE, FactEntry, "Ein Fakt, beim Namen genannt.", keys=_fact_name)


def render(value: Any) -> str:
    """A value as German text: dates as ``1. Januar 2027``, numbers as ``1.000``."""
    if isinstance(value, dt.date):
        return german_date(value)
    if isinstance(value, int):
        return german.number(value)
    return str(value)


@dataclass(frozen=True)
class Fact:
    """One fact: its value, and the days from which another value holds."""

    name: str
    value: str
    changes: tuple[tuple[dt.date, str], ...] = ()

    def on(self, day: dt.date) -> str:
        """The value valid on ``day``."""
        value = self.value
        for start, changed in self.changes:
            if start <= day:
                value = changed
        return value


@dataclass(frozen=True)
class Unresolved:
    """A reference that could not be filled in: where it is in the text, and why."""

    offset: int
    reference: str
    message: str


@dataclass(frozen=True)
class Facts:
    """Every fact of the project, the problems of ``fakten.yml``, and a digest for cache keys."""

    facts: Mapping[str, Fact]
    broken: frozenset[str] = frozenset()
    """Facts defined with a problem: a reference to one is reported as such, not as unknown."""
    problems: tuple[Problem, ...] = ()
    digest: str = ""
    unreadable: bool = False
    """``fakten.yml`` could not be read at all: no reference can be trusted."""

    def fill(self, text: str, on: dt.date | None = None) -> tuple[str, list[Unresolved]]:
        """``text`` with every fact filled in; ``on`` is the date of a newsletter.

        A reference that cannot be filled in is replaced by its name in «guillemets», which
        is no template syntax, and reported.
        """
        if "fakt" not in text:  # (most texts name no fact: skip the regular expression)
            return text, []
        unresolved: list[Unresolved] = []

        def replace(match: re.Match[str]) -> str:
            value, message = self._resolve(match, on)
            # A reference over several lines keeps them: no later line of the text moves.
            breaks = "\n" * match.group(0).count("\n")
            if message is None:
                return value + breaks
            unresolved.append(Unresolved(match.start(), match.group(0), message))
            return "«" + " ".join(match.group(0).strip("{} ").split()) + "»" + breaks

        return REFERENCE.sub(replace, text), unresolved

    def _resolve(self, match: re.Match[str], on: dt.date | None) -> tuple[str, str | None]:
        reference = match.group(0)
        form = FORM.fullmatch(reference)
        if form is None:
            return "", _("cannot read {reference}; write {plain} or {dated}").format(
                reference=reference,
                plain="{{ fakt.<name> }}",
                dated='{{ fakt.<name> | am("YYYY-MM-DD") }}',
            )
        name, kind, text = form.group("name"), form.group("filter"), form.group("day")
        fact = self.facts.get(name)
        if fact is None:
            return "", self._unknown(name)
        if kind is None:
            if on is not None:
                return fact.on(on), None
            if fact.changes:
                day = fact.changes[0][0]
                return "", _(
                    "fakt.{name} changes on {day}: name the day you mean, e.g. {example}"
                ).format(
                    name=name,
                    day=german_date(day),
                    example=f'{{{{ fakt.{name} | am("{day.isoformat()}") }}}}',
                )
            return fact.value, None
        if kind not in FILTERS:
            return "", _("unknown filter '{filter}' in {reference}; use am, ab or bis").format(
                filter=kind, reference=reference
            )
        try:
            day = dt.date.fromisoformat(text or "")
        except ValueError:
            return "", _('{reference}: {filter} needs a day, e.g. {filter}("2027-01-01")').format(
                reference=reference, filter=kind
            )
        # The day must be one on which a value begins or ends: when a change day in fakten.yml
        # moves, every sentence still naming the old day becomes a problem at its line.
        starts = [start for start, _value in fact.changes]
        ends = [start - dt.timedelta(days=1) for start in starts]
        if not starts:
            return "", _("{reference}: fakt.{name} does not change; write {plain}").format(
                reference=reference, name=name, plain=f"{{{{ fakt.{name} }}}}"
            )
        allowed = {"am": starts + ends, "ab": starts, "bis": ends}[kind]
        if day not in allowed:
            message = {
                "am": _("{reference}: no value of fakt.{name} begins or ends on that day ({days})"),
                "ab": _("{reference}: fakt.{name} gets no new value on that day ({days})"),
                "bis": _("{reference}: no value of fakt.{name} ends on that day ({days})"),
            }[kind]
            days = ", ".join(boundary.isoformat() for boundary in sorted(allowed))
            return "", message.format(reference=reference, name=name, days=days)
        if kind == "am":
            return fact.on(day), None
        return german_date(day), None

    def _unknown(self, name: str) -> str:
        if self.unreadable or name in self.broken:
            return _("fakt.{name} cannot be used until the problem in {file} is fixed").format(
                name=name, file=FACTS_FILE
            )
        close = difflib.get_close_matches(name, list(self.facts), n=1)
        if close:
            return _("unknown fact 'fakt.{name}'; did you mean 'fakt.{close}'?").format(
                name=name, close=close[0]
            )
        return _("unknown fact 'fakt.{name}': define it in {file}").format(
            name=name, file=FACTS_FILE
        )


def line_problems(rel: str, first_line: int, text: str, found: list[Unresolved]) -> list[Problem]:
    """Problems at the file line of each unresolved reference of a text starting at ``first_line``."""
    return [
        Problem(rel, first_line + text.count("\n", 0, item.offset), item.message) for item in found
    ]


def builtin_facts(settings: Settings) -> dict[str, str]:
    """The facts ``rundbrief.yml`` defines: the operator (Impressum) and the web host."""
    operator, hosting = settings.operator, settings.hosting
    facts = {
        "anbieter_name": operator.name,
        "anbieter_strasse": operator.street,
        "anbieter_ort": operator.city,
        "anbieter_land": operator.country,
        "anbieter_anschrift": operator.address,
        "anbieter_telefon": operator.phone,
        "anbieter_email": operator.email,
        "anbieter_register": operator.register,
        "anbieter_ust_id": operator.vat_id,
    }
    if hosting.provider == "github-pages":
        facts |= {"hosting_name": GITHUB[0], "hosting_anschrift": GITHUB[1]}
    else:
        facts |= {"hosting_name": hosting.name or "", "hosting_anschrift": hosting.address or ""}
    return facts


GITHUB = ("GitHub, Inc.", "88 Colin P. Kelly Jr. Street, San Francisco, CA 94107, USA")
"""Who runs GitHub Pages, as the privacy policy names it."""


def load_facts(project: Project) -> Facts:
    """The project's facts (``fakten.yml`` and those of ``rundbrief.yml``), with their problems.

    Read on every call (a few microseconds), parsed once per content: every newsletter and
    campaign asks for the facts, and each has to see a change made a moment ago.
    """
    path = project.root / FACTS_FILE
    builtins = tuple(builtin_facts(project.settings).items())
    if not path.is_file():
        return _parse(None, builtins, i18n.language())
    source = read_source(path, project.root)
    if isinstance(source, Problem):
        return Facts({}, problems=(source,), digest=source.message, unreadable=True)
    return _parse(source.text, builtins, i18n.language())


@lru_cache(maxsize=8)
def _parse(text: str | None, builtins: tuple[tuple[str, str], ...], language: str) -> Facts:
    del language  # part of the cache key: the problems are worded in it
    digest = hashlib.sha256(repr((text, builtins)).encode()).hexdigest()
    facts = {name: Fact(name, value) for name, value in builtins}
    problems: list[Problem] = []
    broken: set[str] = set()
    for name, value in builtins:
        message = _one_line(value)
        if message is not None:
            problems.append(Problem("rundbrief.yml", 0, f"fakt.{name}: {message}"))
            broken.add(name)
    if text is None or not text.strip():
        return Facts(facts, frozenset(broken), tuple(problems), digest)
    tree = parse_yaml(text, FACTS_FILE, refuse_tags=False)
    if isinstance(tree, Problem):
        return Facts(facts, frozenset(broken), (*problems, tree), digest, unreadable=True)
    tagged, tagged_names = _drop_tagged(tree)
    if tagged and not tagged_names:  # the file as a whole is tagged: nothing can be trusted
        return Facts(facts, frozenset(broken), (*problems, *tagged), digest, unreadable=True)
    values, lines, found = FACTS.validate(tree, FACTS_FILE, start_line=1)
    problems += sorted([*tagged, *found], key=lambda problem: problem.line)
    broken |= tagged_names | _with_problems(lines, found)
    for name, fact in values.items():
        if name in facts:
            problems.append(
                Problem(
                    FACTS_FILE,
                    lines[name],
                    _("{name}: this fact comes from rundbrief.yml; change it there").format(
                        name=name
                    ),
                )
            )
        elif name not in broken:
            entry = build(FactEntry, fact)
            changes = sorted(
                (dt.date.fromisoformat(day), render(value))
                for day, value in (entry.ab or {}).items()
            )
            facts[name] = Fact(name, render(entry.wert), tuple(changes))
            problems += _changes_nothing(facts[name], lines)
    return Facts(facts, frozenset(broken), tuple(problems), digest)


def _drop_tagged(tree: YamlTree) -> tuple[list[Problem], set[str]]:
    """Problems for YAML tags; each fact holding one is taken out of ``tree`` (named in the set).

    Only that fact is broken: every other fact of the file stays usable.
    """
    node = tree.node
    if node is None:
        return [], set()
    if not isinstance(node, yaml.MappingNode) or node.tag not in PLAIN_TAGS:
        return tag_problems(node, FACTS_FILE, tree.offset), set()
    problems: list[Problem] = []
    names: set[str] = set()
    kept = []
    for name, value in node.value:
        found = tag_problems(name, FACTS_FILE, tree.offset) + tag_problems(
            value, FACTS_FILE, tree.offset
        )
        if found:
            problems += found
            names.add(str(name.value))
        else:
            kept.append((name, value))
    node.value = kept  # (the tree was composed for this call alone)
    return problems, names


def _changes_nothing(fact: Fact, lines: Mapping[str, int]) -> list[Problem]:
    """A problem for each dated change to the value that holds already (R-35: a no-op change)."""
    problems = []
    before = fact.value
    for day, value in fact.changes:
        if value == before:
            key = f"{fact.name}.ab.{day.isoformat()}"
            problems.append(
                Problem(
                    FACTS_FILE,
                    lines.get(key, lines.get(fact.name, 1)),
                    _(
                        "{key}: the value is the same as before ({value}): this changes nothing"
                    ).format(key=f"{fact.name}.ab.{day.isoformat()}", value=value),
                )
            )
        before = value
    return problems


def _with_problems(lines: Mapping[str, int], problems: list[Problem]) -> set[str]:
    """The facts in whose lines (from their name to the next fact's) a problem was found."""
    starts = sorted((line, key) for key, line in lines.items() if "." not in key)
    broken = set()
    for problem in problems:
        owner = [key for line, key in starts if line <= problem.line]
        if owner:
            broken.add(owner[-1])
    return broken
