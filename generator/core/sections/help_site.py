"""The help_site section: contact article, service hours, votes and the banner above every page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.core.declare import key
from generator.core.schema import email_address


@dataclass(frozen=True, kw_only=True)
class Announcement:
    """A banner above every page of the help site, shown until (and including) a date."""

    text: str = key(
        "Ein Satz über jeder Seite des Hilfe-Centers (darf Fakten nennen).", names_facts=True
    )
    link: str | None = key(
        "Wohin „Mehr erfahren“ führt: ein Artikel (Pfad in content/, z. B. "
        "zahlungen/x.md) oder eine https-Adresse.",
        default=None,
    )

    until: dt.date = key("Letzter Tag, an dem der Hinweis erscheint (JJJJ-MM-TT).")


@dataclass(frozen=True)
class HelpSiteSettings:
    """What the help site shows from the settings besides the operator's contact data."""

    contact_page: str | None = key(
        "Artikel, wie man den Support erreicht (Pfad in content/, z. B. support/kontakt.md).",
        default=None,
    )
    support_hours: str | None = key(
        "Wann das Telefon besetzt ist, neben operator.phone im Hilfe-Center "
        "(darf einen Fakt nennen: {{ fakt.servicezeiten }}).",
        default=None,
        names_facts=True,
    )
    support_email: str | None = key(
        "Adresse des Mitgliederservice unter jedem Artikel (sonst operator.email; darf "
        "einen Fakt nennen: {{ fakt.support_email }}).",
        default=None,
        names_facts=True,
    )
    feedback_address: str | None = key(
        "Adresse für „War dieser Artikel hilfreich?“ (ein Alias des Rückmeldungs-Postfachs): "
        "die zwei Links unter jedem Artikel öffnen eine E-Mail an sie; rundbrief feedback "
        "zählt die Stimmen, der Bericht zeigt sie. Ohne sie erscheint die Frage nicht.",
        default=None,
        check=email_address,
    )
    announcement: Announcement | None = key(
        "Ein Hinweis über jeder Seite bis zu einem Tag, z. B. für einen geänderten Lastschrifttag.",
        default=None,
    )
