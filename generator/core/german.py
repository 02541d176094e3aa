"""Numbers, shares and counts as German readers write them: 1.204,5 · 0,31 % · 3 Hilfeseiten.

The one formatter for what members, the founder and the reviewer read (the site, emails,
report, review), which is German whatever language the command line speaks; ``i18n.number``
uses it for German messages.
"""

from __future__ import annotations


def number(value: float, decimals: int = 0) -> str:
    """``1.204`` or, with decimals, ``1.204,5``: thousands with a point, decimals with a comma."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def percent(value: float, digits: int = 2) -> str:
    """A value that is already in percent: ``0,31 %``."""
    return f"{number(value, digits)} %"


def counted(count: int, singular: str, plural: str) -> str:
    """``1 Hilfeseite``, ``3 Hilfeseiten``, ``1.204 Mitglieder``."""
    return f"{number(count)} {singular if count == 1 else plural}"
