"""Declared once: a frozen dataclass is the schema of a YAML block and the typed object it becomes.

Each field carries what a writer needs to know in ``dataclasses.field(metadata=…)``, written
with ``key(...)``: its doc (German, as the reference and the editor show it), a check, the
allowed choices, bounds, and whether it shapes an email. Its kind comes from the type hint:

    str → text, int → whole number, float → number, bool → true/false, dt.date → date,
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
from collections.abc import Mapping
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
}


def key(
    doc: str,
    *,
    default: Any = dataclasses.MISSING,
    check: Check | None = None,
    choices: tuple[str, ...] = (),
    bounds: tuple[float, float] | None = None,
    shapes_email: bool = False,
    keys: Check | None = None,
    each: Any = None,
) -> Any:
    """A declared key: a dataclass field with its doc and rules; required when it has no default.

    ``shapes_email``: the value changes an email or its checks (it is part of the newsletter
    cache key). ``keys`` and ``each`` (another ``key(...)``) describe a ``dict[str, X]`` whose
    keys the writer chooses: the rule for a key, and the doc and check of each value.
    """
    metadata = {
        "doc": doc,
        "check": check,
        "choices": choices,
        "bounds": bounds,
        "shapes_email": shapes_email,
        "keys": keys,
        "each": each.metadata if each is not None else None,
    }
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@cache
def declared_fields(cls: type) -> list[tuple[dataclasses.Field[Any], Any]]:
    """The fields of a declared dataclass with their resolved type hints.

    A field without a doc is an error, not a key the schema silently leaves out: every key a
    writer may set is explained in the reference and the editor.
    """
    hints = typing.get_type_hints(cls)
    fields = [(f, hints[f.name]) for f in dataclasses.fields(cls)]
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
    )


def build(cls: type[T], values: Mapping[str, Any]) -> T:
    """The instance of a declared dataclass from validated values (absent keys: the defaults)."""
    return _typed(cls, values)


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    hint, _optional_ = _optional(hint)
    if dataclasses.is_dataclass(hint) and isinstance(value, Mapping):
        fields = declared_fields(typing.cast(type, hint))
        given = {f.name: _typed(h, value[f.name]) for f, h in fields if f.name in value}
        return typing.cast(Any, hint)(**given)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple and isinstance(value, list):
        return tuple(_typed(args[0], item) for item in value)
    if origin is dict and isinstance(value, Mapping):
        return {str(name): _typed(args[1], item) for name, item in value.items()}
    return value
