"""User-facing messages in German (default) or English, through gettext catalogues.

Code holds English message ids: ``_("broken link: {target} does not exist").format(target=…)``.
``generator/locale/<language>/LC_MESSAGES/rundbrief.po`` translates them; the compiled ``.mo``
files ship with the package. ``language`` in ``rundbrief.yml`` picks the catalogue; until a
project is loaded (and for the settings file's own problems) German is used.
"""

from __future__ import annotations

import gettext
from pathlib import Path

from generator.core import german

DOMAIN = "rundbrief"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DEFAULT = "de"

_active: gettext.NullTranslations = gettext.NullTranslations()
_language = ""


def catalogue(language: str) -> gettext.NullTranslations:
    """The translations of ``language``; English needs none (the message ids are English)."""
    if language == "en":
        return gettext.translation(DOMAIN, LOCALE_DIR, languages=["en"], fallback=True)
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])


def use(language: str) -> None:
    """Make ``language`` the language of every message from now on."""
    global _active, _language
    if language != _language:
        _active, _language = catalogue(language), language


def language() -> str:
    """The language messages are currently written in."""
    return _language


def _(message: str) -> str:
    """``message`` in the active language."""
    return _active.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, in the active language."""
    return _active.ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark ``message`` for the catalogue; it is translated where it is shown, with ``_``."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 - as N_, with a plural
    """Mark a singular and plural pair for the catalogue (translated with ``ngettext``)."""
    return singular, plural


use(DEFAULT)


def number(value: float, decimals: int = 0) -> str:
    """``value`` as readers of the active language write it: 1.204,5 in German, 1,204.5 in English."""
    if _language == "de":
        return german.number(value, decimals)
    return f"{value:,.{decimals}f}"
