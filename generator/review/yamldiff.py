"""Which keys of a YAML file (settings, site configuration, facts) changed, and how."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

LONGEST = 160
"""Characters of a value shown; a long list is named, not printed whole."""


class _Loader(yaml.SafeLoader):
    """Reads plain keys; tags such as mkdocs.yml's !ENV or !!python/name stay opaque."""


_Loader.add_multi_constructor("", lambda loader, suffix, node: f"!{suffix}")


@dataclass(frozen=True)
class KeyChange:
    """One key whose value differs; None where the key is absent on that side."""

    key: str
    old: str | None
    new: str | None


def changed_keys(old: bytes | None, new: bytes | None) -> tuple[KeyChange, ...] | None:
    """The keys (dotted, e.g. ``newsletter.reply_to``) whose values differ; None if unreadable."""
    before, after = _flat(old), _flat(new)
    if before is None or after is None:
        return None
    keys = sorted(set(before) | set(after))
    return tuple(
        KeyChange(key, _shown(before, key), _shown(after, key))
        for key in keys
        if before.get(key, _ABSENT) != after.get(key, _ABSENT)
    )


_ABSENT = object()


def _flat(data: bytes | None) -> dict[str, Any] | None:
    if data is None:
        return {}
    try:
        loaded = yaml.load(data.decode("utf-8-sig"), Loader=_Loader)  # noqa: S506 - safe subclass
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    flat: dict[str, Any] = {}
    _walk(loaded, "", flat)
    return flat


def _walk(value: Any, prefix: str, flat: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _walk(item, f"{prefix}{key}.", flat)
    elif prefix:
        flat[prefix.rstrip(".")] = value


def _shown(values: dict[str, Any], key: str) -> str | None:
    if key not in values:
        return None
    value = values[key]
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"
