"""Schemas for front matter and YAML files: every wrong key is a problem at its line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import yaml

from generator.core.dates import parse_moment
from generator.core.i18n import N_, _
from generator.core.problems import Problem
from generator.core.yamltree import YamlTree

Kind = Literal[
    "text",
    "date",
    "datetime",
    "boolean",
    "integer",
    "number",
    "scalar",
    "texts",
    "mapping",
    "mappings",
]

EXPECTED: dict[str, str] = {
    "text": N_("text"),
    "date": N_("a date (YYYY-MM-DD)"),
    "datetime": N_(
        "a date and time (YYYY-MM-DD HH:MM, optionally followed by an offset such as +01:00 "
        "or a zone such as Europe/Berlin)"
    ),
    "boolean": N_("true or false"),
    "integer": N_("a whole number"),
    "number": N_("a number"),
    "scalar": N_("text, a whole number or a date"),
    "texts": N_("a list of texts"),
    "mapping": N_("a mapping of keys"),
    "mappings": N_("a list of mappings"),
}

Check = Callable[[Any], str | None]
"""A further rule on a value of the right kind: returns a message, or None if the value is fine."""


C = TypeVar("C", bound=Callable[..., Any])


def hinted(
    hint: str, placeholder: str | None = None, json: dict[str, Any] | None = None, **keywords: Any
) -> Callable[[C], C]:
    """Attach to a check what the reference says of it and the part the editor can check too.

    ``hint``: the rule in a few German words for the table; ``keywords`` (and ``json``, for
    keywords such as ``not``): JSON Schema the editor can apply (``pattern``, ``minLength``…);
    ``placeholder``: how a key checked by it is shown (``<JJJJ-MM-TT>``).
    """

    def mark(check: C) -> C:
        setattr(check, "hint", hint)  # noqa: B010 - an attribute mypy does not know of
        setattr(check, "json", (json or {}) | keywords)  # noqa: B010
        setattr(check, "placeholder", placeholder or "<name>")  # noqa: B010
        return check

    return mark


@hinted("https://…", pattern=r"^https://[^/\s]+")
def https_url(value: str) -> str | None:
    """Check: an absolute https:// URL."""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc:
        return _("expected an absolute https:// URL, got '{value}'").format(value=value)
    return None


@hinted("E-Mail-Adresse", pattern=r"^[^@\s<>,;]+@[^\s<>,;]*\.[^\s<>,;]*$")
def email_address(value: str) -> str | None:
    """Check: a plain email address (no display name, no list)."""
    local, _at, domain = value.partition("@")
    if not local or "." not in domain or any(c in value for c in " \r\n<>,;"):
        return _("expected an email address, got '{value}'").format(value=value)
    return None


@hinted("Liste von E-Mail-Adressen")
def email_addresses(values: tuple[str, ...]) -> str | None:
    """Check: a list of plain email addresses, none twice."""
    for value in values:
        problem = email_address(str(value))
        if problem is not None:
            return problem
    if len({str(v).lower() for v in values}) < len(values):
        return _("an address appears twice")
    return None


@dataclass(frozen=True)
class Field:
    """One key of a schema: its kind, whether it is required, and what it means."""

    name: str
    kind: Kind
    doc: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    schema: Schema | None = None
    check: Check | None = None
    bounds: tuple[float, float] | None = None
    shapes_email: bool = False
    names_facts: bool = False
    label: str = ""
    """Its short name in the editor's form; the doc is the hint below it."""


@dataclass(frozen=True)
class Schema:
    """The keys a front matter block or YAML mapping may have.

    A mapping whose keys are names chosen by the writer (the facts of ``fakten.yml``, the
    dates of a change) has no fixed fields but ``extra``: every key takes that field, once
    ``keys`` accepts its name.
    """

    name: str
    fields: tuple[Field, ...]
    extra: Field | None = None
    keys: Check | None = None

    def validate(
        self, tree: YamlTree, rel: str, start_line: int
    ) -> tuple[dict[str, Any], dict[str, int], list[Problem]]:
        """Check the tree; return values (defaults filled in), lines by dotted key, problems."""
        if tree.node is None:
            problems = [
                Problem(rel, start_line, _("missing required key '{key}'").format(key=f.name))
                for f in self.fields
                if f.required
            ]
            return self.defaults(), {}, problems
        return _validate_mapping(self, tree.node, tree.loader, rel, tree.offset, "", start_line)

    def defaults(self) -> dict[str, Any]:
        """Every key with its default value (None for required keys)."""
        return {f.name: f.default for f in self.fields}


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """The value of a node; a date that does not exist (2027-13-01) stays the text it is.

    PyYAML raises ValueError for such a date; as text it gets the usual "expected a date,
    got text '2027-13-01'" at its line instead of a crash.
    """
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        loader.recursive_objects.pop(node, None)  # (left behind by the failed construction)
        return _as_text(node)


def _as_text(node: yaml.Node) -> Any:
    if isinstance(node, yaml.SequenceNode):
        return [_as_text(item) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        return {str(_as_text(key)): _as_text(value) for key, value in node.value}
    return str(node.value)


def _line(node: yaml.Node, offset: int) -> int:
    return int(node.start_mark.line) + 1 + offset


def describe(value: Any) -> str:
    """Name the YAML type of a value the way a writer thinks of it."""
    if value is None:
        return _("nothing")
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, dt.date):
        return _("a date")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a mapping")
    return type(value).__name__


def _validate_mapping(
    schema: Schema,
    node: yaml.Node,
    loader: yaml.SafeLoader,
    rel: str,
    offset: int,
    prefix: str,
    parent_line: int,
) -> tuple[dict[str, Any], dict[str, int], list[Problem]]:
    if not isinstance(node, yaml.MappingNode):
        value = _construct(loader, node)
        what = prefix.rstrip(".") or _(schema.name)
        return (
            {},
            {},
            [
                Problem(
                    rel,
                    _line(node, offset),
                    f"{what}: "
                    + _("expected {expected}, got {found}").format(
                        expected=_(EXPECTED["mapping"]), found=describe(value)
                    ),
                )
            ],
        )
    known = {f.name: f for f in schema.fields}
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    for key_node, value_node in node.value:
        key = str(_construct(loader, key_node))
        line = _line(key_node, offset)
        dotted = prefix + key
        if key in values:
            problems.append(Problem(rel, line, _("{key}: key appears twice").format(key=dotted)))
            continue
        field = known.get(key)
        if field is None and schema.extra is not None:
            message = schema.keys(key) if schema.keys is not None else None
            if message is not None:
                problems.append(Problem(rel, line, f"{dotted}: {message}"))
                continue
            field = replace(schema.extra, name=key)
        if field is None:
            allowed = ", ".join(sorted(known))
            problems.append(
                Problem(
                    rel,
                    line,
                    _("unknown key '{key}' (allowed: {allowed})").format(
                        key=dotted, allowed=allowed
                    ),
                )
            )
            continue
        lines[dotted] = line
        value, sub_lines, sub_problems = _validate_value(
            field, value_node, loader, rel, offset, dotted, line
        )
        values[key] = value
        lines.update(sub_lines)
        problems.extend(sub_problems)
    for field in schema.fields:
        if prefix + field.name not in lines:
            if field.required:
                problems.append(
                    Problem(
                        rel,
                        parent_line,
                        _("missing required key '{key}'").format(key=prefix + field.name),
                    )
                )
            values.setdefault(field.name, field.default)
    return values, lines, problems


def _validate_value(
    field: Field,
    node: yaml.Node,
    loader: yaml.SafeLoader,
    rel: str,
    offset: int,
    dotted: str,
    line: int,
) -> tuple[Any, dict[str, int], list[Problem]]:
    if field.kind == "mapping" and field.schema is not None:
        return _validate_mapping(field.schema, node, loader, rel, offset, dotted + ".", line)
    if field.kind == "mappings" and field.schema is not None:
        return _validate_mappings(field.schema, node, loader, rel, offset, dotted, line)
    value = _construct(loader, node)
    message = _kind_problem(field, value)
    if message is None and field.check is not None:
        message = field.check(value)
    if message is not None:
        return field.default, {}, [Problem(rel, line, f"{dotted}: {message}")]
    if field.kind == "datetime":
        value = parse_moment(value)  # (the text a writer typed, read once, here)
    return value, {}, []


def _validate_mappings(
    schema: Schema,
    node: yaml.Node,
    loader: yaml.SafeLoader,
    rel: str,
    offset: int,
    dotted: str,
    line: int,
) -> tuple[Any, dict[str, int], list[Problem]]:
    if not isinstance(node, yaml.SequenceNode):
        value = _construct(loader, node)
        return (
            [],
            {},
            [
                Problem(
                    rel,
                    line,
                    f"{dotted}: "
                    + _("expected {expected}, got {found}").format(
                        expected=_(EXPECTED["mappings"]), found=describe(value)
                    ),
                )
            ],
        )
    items: list[dict[str, Any]] = []
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    for index, item in enumerate(node.value):
        item_line = _line(item, offset)
        lines[f"{dotted}.{index}"] = item_line
        values, sub_lines, sub_problems = _validate_mapping(
            schema, item, loader, rel, offset, f"{dotted}.{index}.", item_line
        )
        items.append(values)
        lines.update(sub_lines)
        problems.extend(sub_problems)
    return items, lines, problems


def _kind_problem(field: Field, value: Any) -> str | None:
    """Say what is wrong with the kind of ``value``, or None if it has the right kind."""
    expected = _(EXPECTED[field.kind])
    ok = {
        "text": isinstance(value, str),
        "date": isinstance(value, dt.date) and not isinstance(value, dt.datetime),
        "datetime": parse_moment(value) is not None,
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "scalar": isinstance(value, str | int | dt.date)
        and not isinstance(value, bool | dt.datetime),
        "texts": isinstance(value, list) and all(isinstance(v, str) for v in value),
        "mapping": isinstance(value, dict),
        "mappings": isinstance(value, list) and all(isinstance(v, dict) for v in value),
    }[field.kind]
    if not ok:
        got = describe(value)
        if isinstance(value, str) and field.kind != "text":
            got = _("text '{value}'").format(value=value)
        problem = _("expected {expected}, got {found}").format(expected=expected, found=got)
        if field.kind in ("text", "scalar", "date", "datetime") and isinstance(value, list):
            # Usually the text went on the next line as a list item ("- Text"), or into brackets.
            problem += _("; write the text on one line after the key, without '- ' or brackets")
        return problem
    if field.kind == "text" and field.required and not value.strip():
        return _("must not be empty")
    if field.bounds is not None and field.kind in ("integer", "number"):
        low, high = field.bounds
        if not low <= value <= high:
            return _("expected a number from {low} to {high}, got {value}").format(
                low=_number(low), high=_number(high), value=value
            )
    if field.choices and field.kind != "texts" and value not in field.choices:
        # (the choices of a list hold for each item: its check names the wrong one)
        return _("expected one of {choices}, got '{value}'").format(
            choices=", ".join(field.choices), value=value
        )
    return None


def _number(value: float) -> str:
    """A bound as written: 64, not 64.0."""
    return str(int(value)) if float(value).is_integer() else str(value)
