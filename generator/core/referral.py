"""Referral links: the platform's landing URL with a member's code and UTM fields."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from generator.core.i18n import _

CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""A referral code becomes a path and a URL: plain ASCII letters, digits, '-' and '_' only."""
RESERVED = re.compile(r"(?i)(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])")
"""Names Windows reserves for devices: a kit folder ``build/kits/CON`` cannot be created or
unpacked there (a zip of it neither)."""


def is_valid_code(code: str) -> bool:
    """Whether ``code`` is safe as a folder name (on every system) and a URL parameter."""
    return CODE.fullmatch(code) is not None and not is_reserved_name(code)


def is_reserved_name(code: str) -> bool:
    """Whether ``code`` is a device name of Windows (``CON``, ``nul``, ``COM1``)."""
    return RESERVED.fullmatch(code) is not None


def with_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` added; parameters already in the URL are kept as they are."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _ in query}
    query += [(key, value) for key, value in params.items() if key not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))


def referral_link(
    landing_url: str, code: str, *, source: str, medium: str, campaign: str, content: str = ""
) -> str:
    """The member's personal link: landing URL, ``ref`` code and the UTM fields."""
    params = {"ref": code, "utm_source": source, "utm_medium": medium, "utm_campaign": campaign}
    if content:
        params["utm_content"] = content
    return with_query(landing_url, params)


MEDIA = {"banner": "b", "social": "s", "email": "e", "print": "p"}
"""The medium of a short link as one letter (any other medium is written out)."""
SHORT_FIELDS = ("{code}", "{campaign}", "{medium}")


def short_link_form(value: str) -> str | None:
    """Check: a short-link form, an https URL with ``{code}``, ``{campaign}`` and ``{medium}``."""
    parts = urlsplit(value)
    rest = value
    for field in SHORT_FIELDS:
        rest = rest.replace(field, "")
    if parts.scheme != "https" or not parts.netloc or any(f not in value for f in SHORT_FIELDS):
        return _(
            "expected an https:// URL with {{code}}, {{campaign}} and {{medium}}, like "
            "https://mwk.example/r/{{code}}/{{campaign}}{{medium}}, got '{value}'"
        ).format(value=value)
    if "{" in rest or "}" in rest:
        return _(
            "only {{code}}, {{campaign}} and {{medium}} may stand in braces, got '{value}'"
        ).format(value=value)
    return None


def short_link(form: str, code: str, campaign: str, medium: str) -> str:
    """A member's short link: the form with the code, the campaign's short name and the medium."""
    letter = MEDIA.get(medium, medium)
    return form.replace("{code}", code).replace("{campaign}", campaign).replace("{medium}", letter)
