"""Merge fields: ``{{ member.x }}`` in sources, a token through rendering, parts for filling in."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping

from generator.core.i18n import _
from generator.core.problems import RundbriefError

BUILTIN_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "referral_code",
    "referral_link",
    "unsubscribe_url",
)
KIT_FIELD = "werbemittel_url"
"""The member's own Werbemittel page; a field once ``kits.url`` says where kits are published."""

SOURCE_FIELD = re.compile(r"\{\{\s*member\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
"""A merge field as the writer types it."""
ANY_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
"""Anything that looks like template syntax; what SOURCE_FIELD does not match is a mistake."""

# Between Markdown and the inliner a field travels as letters and digits only: premailer
# URL-encodes '{{ }}' and spaces in href, and Markdown would take spaces for a link title.
# The field name is hex-encoded and closed by 'x', which is not a hex digit.
TOKEN = re.compile(r"rbf((?:[0-9a-f]{2})+)x")

Parts = tuple[str, ...]
"""Literal text at even positions, field names at odd positions."""


class MissingValue(RundbriefError):
    """A merge field has no value for this recipient."""


def token(name: str) -> str:
    """The letters-and-digits stand-in for field ``name``."""
    return f"rbf{name.encode('ascii').hex()}x"


PERSONAL_START = token("(")
PERSONAL_END = token(")")
"""Markers around a section marked ``{ .personal }``: gone for members, cut out of the archive.
(Their names are no field names, so no source can write them.)"""


def to_tokens(text: str, known: Iterable[str] | None = None) -> str:
    """Replace every ``{{ member.x }}`` by its token; with ``known``, drop anything else.

    Unknown fields and stray template syntax are reported as problems before rendering;
    dropping them lets the rest of the newsletter be rendered and checked in the same run.
    """
    if known is None:
        return SOURCE_FIELD.sub(lambda match: token(match.group(1)), text)
    names = set(known)
    # Text that already looks like a token would be filled with member data (or, naming no
    # field, break the rendering): it is reported as a problem and left out here.
    text = TOKEN.sub("", text)

    def replace(match: re.Match[str]) -> str:
        field = SOURCE_FIELD.fullmatch(match.group(0))
        return token(field.group(1)) if field and field.group(1) in names else ""

    return ANY_TEMPLATE.sub(replace, text)


def to_placeholders(text: str) -> str:
    """Replace every token by the readable ``{{ member.x }}``."""
    return TOKEN.sub(lambda match: "{{ member." + _name(match) + " }}", text)


def _name(match: re.Match[str]) -> str:
    return bytes.fromhex(match.group(1)).decode("ascii")


def compile_parts(text: str) -> Parts:
    """Split text holding tokens into literal and field parts, once per email."""
    pieces = TOKEN.split(text)
    return tuple(
        bytes.fromhex(piece).decode("ascii") if index % 2 else piece
        for index, piece in enumerate(pieces)
    )


def join_placeholders(parts: Parts) -> str:
    """The parts joined back with readable ``{{ member.x }}`` placeholders."""
    return "".join(
        "{{ member." + part + " }}" if index % 2 else part for index, part in enumerate(parts)
    )


def fill_source(text: str, values: Mapping[str, str]) -> str:
    """Fill ``{{ member.x }}`` fields of a short source text (a preheader), without escaping."""
    return fill(compile_parts(to_tokens(text)), values, escape=False)


def _rebuild(items: Iterable[tuple[bool, str]]) -> Parts:
    """Parts from (is_field, text) items, adjacent literals joined."""
    out = [""]
    for is_field, text in items:
        if is_field:
            out += [text, ""]
        else:
            out[-1] += text
    return tuple(out)


def _items(parts: Parts) -> Iterable[tuple[bool, str]]:
    return ((bool(index % 2), part) for index, part in enumerate(parts))


def member_parts(parts: Parts) -> Parts:
    """The parts as every member gets them: personal sections kept, their markers gone."""
    if "(" not in parts[1::2]:
        return parts
    return _rebuild(item for item in _items(parts) if not (item[0] and item[1] in ("(", ")")))


def archive_parts(parts: Parts, omitted: Iterable[str] = ()) -> Parts:
    """The parts for the public archive: personal sections cut out; ``omitted`` fields (with
    an empty archive value) left out together with the space before them, so that
    "Hallo {{ member.first_name }} {{ member.last_name }}," reads "Hallo liebes Mitglied,"."""
    omitted = set(omitted)
    if not omitted.intersection(parts[1::2]) and "(" not in parts[1::2]:
        return parts
    depth = 0
    kept: list[tuple[bool, str]] = []
    for is_field, text in _items(parts):
        if is_field and text == "(":
            depth += 1
        elif is_field and text == ")":
            depth = max(0, depth - 1)
        elif depth:
            continue
        elif is_field and text in omitted:
            if kept and not kept[-1][0] and kept[-1][1].endswith(" "):
                kept[-1] = (False, kept[-1][1][:-1])
        else:
            kept.append((is_field, text))
    return _rebuild(kept)


def fields_of(parts: Parts) -> frozenset[str]:
    """The field names the parts use."""
    return frozenset(parts[1::2])


def fill(parts: Parts, values: Mapping[str, str], *, escape: bool) -> str:
    """Join the parts with each field's value, HTML-escaped (quotes too) when ``escape``."""
    out = list(parts)
    try:
        if escape:
            for index in range(1, len(out), 2):
                out[index] = html.escape(values[out[index]], quote=True)
        else:
            for index in range(1, len(out), 2):
                out[index] = values[out[index]]
    except KeyError as error:
        raise MissingValue(
            _(
                "no value for merge field '{field}'; check the field's spelling "
                "(handbook: merge fields)"
            ).format(field=error.args[0])
        ) from None
    return "".join(out)


def unknown_fields(text: str, known: Iterable[str]) -> list[tuple[int, str]]:
    """(line offset, message) for every template expression in ``text`` that is not a known field."""
    known = set(known)
    found = []
    for match in ANY_TEMPLATE.finditer(text):  # (an expression may span lines)
        offset = text.count("\n", 0, match.start())
        shown = " ".join(match.group(0).split())
        field = SOURCE_FIELD.fullmatch(match.group(0))
        if field is None:
            found.append(
                (
                    offset,
                    _("unknown placeholder '{placeholder}'; write {example}").format(
                        placeholder=shown, example="{{ member.<field> }}"
                    ),
                )
            )
        elif field.group(1) not in known:
            found.append(
                (
                    offset,
                    _("unknown merge field 'member.{field}'; known: {known}").format(
                        field=field.group(1), known=", ".join(sorted(known))
                    ),
                )
            )
    return found
