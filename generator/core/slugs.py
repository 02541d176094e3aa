"""File-name slugs in German spelling, for every scaffold (newsletters, help articles)."""

from __future__ import annotations

import re

_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)


def slugify(title: str) -> str:
    """A file-name slug in German spelling: 'Grüße für Sie' → 'gruesse-fuer-sie'."""
    text = title.translate(_GERMAN).lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:60].rstrip("-")
