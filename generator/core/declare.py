"""Declared once: a frozen dataclass is the schema of a YAML block and the typed object it becomes.

Each field carries what a writer needs to know in ``dataclasses.field(metadata=…)``, written
with ``key(...)``: its doc (German, as the reference and the editor show it), a check, the
allowed choices, bounds, and whether it shapes an email. Its kind comes from the type hint:

    str → text, int → whole number, float → number, bool → true/false, dt.date → date,
    dt.datetime → date and time (naive unless the writer gives a zone or offset),
    str | int | dt.date → text, number or date, tuple[str, ...] → list of texts,
    a dataclass → nested mapping, tuple[a dataclass, ...] → list of mappings,
    dict[str, X] → a mapping whose keys the writer names (checked by ``keys``).

``schema_of`` derives the validating :class:`Schema` (so every problem keeps its
``path:line: key: expected …, got …``), and ``build`` turns the validated values into the
instance. Nothing else describes the fields: the reference pages and JSON Schemas are made
from the same declarations.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, TypeVar

from generator.core.schema import Check, Field, Kind, Schema

T = TypeVar("T")

_SCALARS: dict[Any, Kind] = {
    str: "text",
    int: "integer",
    float: "number",
    bool: "boolean",
    dt.date: "date",
    dt.datetime: "datetime",
}


def key(
    doc: str,
    *,
    label: str = "",
    default: Any = dataclasses.MISSING,
    check: Check | None = None,
    choices: tuple[str, ...] = (),
    bounds: tuple[float, float] | None = None,
    shapes_email: bool = False,
    names_facts: bool = False,
    keys: Check | None = None,
    each: Any = None,
) -> Any:
    """A declared key: a dataclass field with its doc and rules; required when it has no default.

    ``label``: the field's short German name in the editor's form (``/admin/``); the doc is
    its hint there.

    ``shapes_email``: the value changes an email or its checks (it is part of the newsletter
    cache key). ``names_facts``: the text may name facts (``{{ fakt.<name> }}``), filled in when
    it is read; the editor offers the known ones. ``keys`` and ``each`` (another ``key(...)``) describe a ``dict[str, X]`` whose
    keys the writer chooses: the rule for a key, and the doc and check of each value.
    """
    metadata = {
        "doc": doc,
        "label": label,
        "check": check,
        "choices": choices,
        "bounds": bounds,
        "shapes_email": shapes_email,
        "names_facts": names_facts,
        "keys": keys,
        "each": each.metadata if each is not None else None,
    }
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def located() -> Any:
    """Not a key: the line of the object in its file, filled in by ``build`` from the line map."""
    return dataclasses.field(default=0, metadata={"located": True})


@cache
def declared_fields(cls: type) -> list[tuple[dataclasses.Field[Any], Any]]:
    """The keys of a declared dataclass with their resolved type hints (``located`` left out).

    A field without a doc is an error, not a key the schema silently leaves out: every key a
    writer may set is explained in the reference and the editor.
    """
    hints = typing.get_type_hints(cls)
    fields = [(f, hints[f.name]) for f in dataclasses.fields(cls) if "located" not in f.metadata]
    undocumented = [f.name for f, _hint in fields if not str(f.metadata.get("doc", "")).strip()]
    if undocumented:
        raise TypeError(f"{cls.__name__}: declare {', '.join(undocumented)} with key(doc, …)")
    return fields


@cache
def schema_of(cls: type, name: str = "") -> Schema:
    """The validating schema of a declared dataclass (``name`` is how messages call the block)."""
    return Schema(name or cls.__name__, tuple(_field(f, hint) for f, hint in declared_fields(cls)))


def entries_schema(name: str, cls: type, doc: str, keys: Check) -> Schema:
    """A file that is a mapping of names chosen by the writer, each a ``cls`` (``fakten.yml``)."""
    return Schema(name, (), extra=Field("", "mapping", doc, schema=schema_of(cls)), keys=keys)


def _optional(hint: Any) -> tuple[Any, bool]:
    """``X | None`` → (X, True); anything else → (hint, False)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1 < len(typing.get_args(hint)):
            return args[0], True
    return hint, False


def kind_of(hint: Any) -> tuple[Kind, type | None, Any]:
    """The kind of a type hint, the dataclass it nests (if any) and, for dicts, the value type."""
    hint, _optional_ = _optional(hint)
    if hint in _SCALARS:
        return _SCALARS[hint], None, None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union) and set(args) <= {str, int, dt.date}:
        return "scalar", None, None
    if dataclasses.is_dataclass(hint):
        return "mapping", typing.cast(type, hint), None
    if origin is tuple and args[1:] == (Ellipsis,):
        if args[0] is str:
            return "texts", None, None
        if dataclasses.is_dataclass(args[0]):
            return "mappings", typing.cast(type, args[0]), None
    if origin is dict and args[0] is str:
        return "mapping", None, args[1]
    raise TypeError(f"cannot declare a field of type {hint!r}")


def _field(f: dataclasses.Field[Any], hint: Any) -> Field:
    meta = f.metadata
    kind, nested, values = kind_of(hint)
    required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    default = None if required else f.default
    if isinstance(default, tuple) and kind in ("texts", "mappings"):
        default = list(default)  # (the validated value of a list in YAML is a list, too)
    schema = None
    if nested is not None:
        schema = schema_of(nested, f.name)
    elif values is not None:
        each = meta["each"] or {}
        value_kind, value_class, _values = kind_of(values)
        extra = Field(
            "",
            value_kind,
            each.get("doc", ""),
            required=True,
            check=each.get("check"),
            schema=schema_of(value_class) if value_class else None,
        )
        schema = Schema(f.name, (), extra=extra, keys=meta["keys"])
    return Field(
        f.name,
        kind,
        meta["doc"],
        required=required,
        default=default,
        choices=meta["choices"],
        schema=schema,
        check=meta["check"],
        bounds=meta["bounds"],
        shapes_email=meta["shapes_email"],
        names_facts=meta["names_facts"],
        label=meta["label"],
    )


def build(cls: type[T], values: Mapping[str, Any], lines: Mapping[str, int] | None = None) -> T:
    """The instance of a declared dataclass from validated values (absent keys: the defaults).

    ``lines`` is the line map of the validation (dotted key → line): every nested object
    with a ``located()`` field gets the line it stands at.
    """
    declared: Any = cls
    return typing.cast(T, _converter(declared)(values, lines or {}, ""))


Converter = Callable[[Any, Mapping[str, int], str], Any]


@cache
def _converter(hint: Any) -> Converter:
    """How a validated value of ``hint`` becomes typed; worked out once per type, not per value."""
    hint, _optional_ = _optional(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return _object_converter(typing.cast(type, hint))
    if origin is tuple:
        item = _converter(args[0])

        def items(value: Any, lines: Mapping[str, int], dotted: str) -> Any:
            if not isinstance(value, list):
                return value
            return tuple(item(v, lines, f"{dotted}.{n}") for n, v in enumerate(value))

        return items
    if origin is dict:
        entry = _converter(args[1])

        def entries(value: Any, lines: Mapping[str, int], dotted: str) -> Any:
            if not isinstance(value, Mapping):
                return value
            return {str(k): entry(v, lines, f"{dotted}.{k}") for k, v in value.items()}

        return entries
    return lambda value, lines, dotted: value


def _object_converter(cls: type) -> Converter:
    keys = [(f.name, _converter(hint)) for f, hint in declared_fields(cls)]
    located_ = [f.name for f in dataclasses.fields(cls) if "located" in f.metadata]

    def convert(value: Any, lines: Mapping[str, int], dotted: str) -> Any:
        if not isinstance(value, Mapping):
            return value  # (None, or the default instance the validator filled in)
        below = f"{dotted}." if dotted else ""
        given = {
            name: None if value[name] is None else typed(value[name], lines, below + name)
            for name, typed in keys
            if name in value
        }
        for name in located_:
            given[name] = lines.get(dotted, 0)
        return cls(**given)

    return convert
