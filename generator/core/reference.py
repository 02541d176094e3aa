"""A declared schema as a German reference table and as a JSON Schema for the editor.

Both are made from the same :class:`Schema` the sources are validated with, so neither can
drift from it. Which declarations are written where is decided one floor up, in
``generator/reference.py`` (core does not import the capabilities).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.core.schema import Field, Schema

KIND_NAMES = {
    "text": "Text",
    "date": "Datum (JJJJ-MM-TT)",
    "datetime": "Datum und Uhrzeit (JJJJ-MM-TT HH:MM)",
    "boolean": "true oder false",
    "integer": "ganze Zahl",
    "number": "Zahl",
    "scalar": "Text, ganze Zahl oder Datum",
    "texts": "Liste von Texten",
    "mapping": "Abschnitt",
    "mappings": "Liste von Abschnitten",
}
"""How the reference names each kind of value."""

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class Row:
    """One key of the reference table."""

    key: str
    kind: str
    default: str
    allowed: str
    doc: str


def rows(schema: Schema, prefix: str = "") -> Iterator[Row]:
    """Every key of ``schema``, nested keys after their section, as written in the file."""
    fields = list(schema.fields)
    if schema.extra is not None:
        fields.append(dataclasses.replace(schema.extra, name=_placeholder(schema)))
    for field in fields:
        dotted = prefix + field.name
        yield Row(dotted, KIND_NAMES[field.kind], _default(field), _allowed(field), field.doc)
        if field.schema is not None:
            below = dotted + ("[]." if field.kind == "mappings" else ".")
            yield from rows(field.schema, below)


def _placeholder(schema: Schema) -> str:
    """How a key the writer chooses is shown: ``<name>``, or the form its rule demands."""
    return str(getattr(schema.keys, "placeholder", "<name>"))


def _default(field: Field) -> str:
    if field.required:
        return "Pflicht"
    value = field.default
    if value is None or dataclasses.is_dataclass(value):
        return "–"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, list | tuple):
        return ", ".join(f"`{item}`" for item in value) if value else "(keine)"
    if value == "":
        return "(leer)"
    return f"`{value}`"


def _allowed(field: Field) -> str:
    parts = [", ".join(f"`{choice}`" for choice in field.choices)] if field.choices else []
    if field.bounds is not None:
        low, high = (_number(bound) for bound in field.bounds)
        parts.append(f"{low} bis {high}")
    hint = getattr(field.check, "hint", None)
    if hint:
        parts.append(str(hint))
    if field.names_facts:
        parts.append("darf Fakten nennen: {{ fakt.<name> }}")
    return "; ".join(parts)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def _cell(text: str) -> str:
    """A table cell of Markdown: no pipe ends it, no angle bracket becomes HTML."""
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", " ")
    )


def markdown_table(schema: Schema) -> str:
    """The reference table of a schema: key, type, default, allowed values, description."""
    lines = [
        "| Schlüssel | Typ | Vorgabe | Erlaubt | Beschreibung |",
        "|---|---|---|---|---|",
    ]
    for row in rows(schema):
        lines.append(
            f"| `{row.key}` | {row.kind} | {_cell(row.default)} | "
            f"{_cell(row.allowed)} | {_cell(row.doc)} |"
        )
    return "\n".join(lines) + "\n"


FACTS_DEF = "#/$defs/fakten"


def json_schema(
    schema: Schema,
    title: str,
    description: str,
    enums: Mapping[str, Sequence[str]] = {},
    facts: Sequence[str] = (),
) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a schema.

    ``enums`` adds known values by dotted key (``[]`` items without their index); ``facts``
    are the names of the known facts, offered as examples wherever a text may name one.
    """
    document: dict[str, Any] = {
        "$schema": JSON_SCHEMA,
        "title": title,
        "description": description,
        **_object(schema, "", enums),
    }
    if facts and FACTS_DEF in json.dumps(document):
        examples = [f"{{{{ fakt.{name} }}}}" for name in facts]
        document["$defs"] = {"fakten": {"examples": examples}}
    else:
        _drop_facts(document)
    return document


def _drop_facts(node: Any) -> None:
    """No facts known: no reference to their examples either."""
    if isinstance(node, dict):
        if node.get("$ref") == FACTS_DEF:
            del node["$ref"]
        for value in node.values():
            _drop_facts(value)
    elif isinstance(node, list):
        for value in node:
            _drop_facts(value)


def _object(schema: Schema, prefix: str, enums: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    result: dict[str, Any] = {"type": "object"}
    if schema.fields:
        result["properties"] = {
            field.name: _value(field, prefix + field.name, enums) for field in schema.fields
        }
        required = [field.name for field in schema.fields if field.required]
        if required:
            result["required"] = required
    if schema.extra is not None:
        result["additionalProperties"] = _value(schema.extra, prefix + "*", enums)
        names = getattr(schema.keys, "json", None)
        if names:
            result["propertyNames"] = dict(names)
    else:
        result["additionalProperties"] = False
    return result


def _value(field: Field, dotted: str, enums: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    result: dict[str, Any] = {"title": field.label} if field.label else {}
    if field.doc:
        result["description"] = field.doc
    if field.kind in ("mapping", "mappings") and field.schema is not None:
        inner = _object(field.schema, dotted + ".", enums)
        result |= {"type": "array", "items": inner} if field.kind == "mappings" else inner
        return result
    result |= _scalar(field.kind)
    extra = dict(getattr(field.check, "json", None) or {})
    choices = list(enums.get(dotted, field.choices))
    if field.kind == "texts":
        if choices:
            result["items"] = {"type": "string", "enum": choices}
        elif extra or field.names_facts:
            result["items"] = {"type": "string", **extra}
        if field.names_facts:
            result["items"]["$ref"] = FACTS_DEF
    else:
        if choices:
            result["enum"] = choices
        result |= extra
        if field.kind == "text" and field.required and not choices and "pattern" not in result:
            result["pattern"] = r"\S"  # (an empty required text is refused)
        if field.names_facts:
            result["$ref"] = FACTS_DEF  # (the known facts, offered while typing)
    if field.bounds is not None:
        result["minimum"], result["maximum"] = field.bounds
    default = _json_default(field.default)
    if not field.required and default is not None:
        result["default"] = default
    return result


def _scalar(kind: str) -> dict[str, Any]:
    kinds: dict[str, dict[str, Any]] = {
        "text": {"type": "string"},
        "date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "datetime": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}"},
        "boolean": {"type": "boolean"},
        "integer": {"type": "integer"},
        "number": {"type": "number"},
        "scalar": {"type": ["string", "integer"]},
        "texts": {"type": "array"},
        "mapping": {"type": "object"},
        "mappings": {"type": "array"},
    }
    return kinds[kind]


def _json_default(value: Any) -> Any:
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return None
