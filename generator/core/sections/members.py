"""The members and signups sections: how the platform's exports are read, column by column."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator.core.declare import key

MEMBER_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "referral_code",
    "segments",
    "opt_in_at",
    "confirmed_at",
    "unsubscribed_at",
    "unsubscribed_all_at",
)
"""The fields of the members file rundbrief knows (the last one optional)."""


def _column(name: str) -> Any:
    return key(f"Spaltenüberschrift von {name} in der Mitgliederdatei.", default=name)


@dataclass(frozen=True)
class MemberColumns:
    """The column headers of the members file as the platform exports it, by field."""

    email: str = _column("email")
    first_name: str = _column("first_name")
    last_name: str = _column("last_name")
    referral_code: str = _column("referral_code")
    segments: str = _column("segments")
    opt_in_at: str = _column("opt_in_at")
    confirmed_at: str = _column("confirmed_at")
    unsubscribed_at: str = _column("unsubscribed_at")
    unsubscribed_all_at: str = _column("unsubscribed_all_at")

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """(field, header) pairs, so that ``dict(columns)`` maps each field to its header."""
        return iter((name, getattr(self, name)) for name in MEMBER_COLUMNS)


@dataclass(frozen=True)
class MembersSettings:
    """How the members are read: column headers by field, the known segments, or a query."""

    columns: MemberColumns = key(
        "Spaltenüberschriften der Mitgliederdatei, wie die Plattform sie exportiert, je Feld.",
        default=MemberColumns(),
    )
    segments: tuple[str, ...] = key(
        "Zielgruppen, die die audience eines Newsletters nennen darf (alle geht immer).",
        default=(),
        shapes_email=True,
    )
    query: str | None = key(
        "SQL-Abfrage (SELECT), die die Mitglieder aus der Datenbank der Plattform liest, statt "
        "einer Datei; Spalten wie in columns. Läuft nur lesend (READ ONLY); die Verbindung "
        "steht in der Umgebungsvariable RUNDBRIEF_MEMBERS_DATABASE_URL (postgresql://… oder "
        "mysql://…). --members und RUNDBRIEF_MEMBERS_FILE haben Vorrang.",
        default=None,
    )

    def column(self, name: str) -> str:
        """The header of field ``name`` in the members file."""
        return str(getattr(self.columns, name, name))


SIGNUP_COLUMNS = (
    "date",
    "referral_code",
    "utm_campaign",
    "utm_source",
    "utm_medium",
    "utm_content",
)
"""The fields of the platform's sign-up export that `rundbrief report --signups` reads."""


def _signup_column(name: str) -> Any:
    return key(f"Spaltenüberschrift von {name} im Anmelde-Export.", default=name)


@dataclass(frozen=True)
class SignupColumns:
    """The column headers of the platform's sign-up export, by field."""

    date: str = _signup_column("date")
    referral_code: str = _signup_column("referral_code")
    utm_campaign: str = _signup_column("utm_campaign")
    utm_source: str = _signup_column("utm_source")
    utm_medium: str = _signup_column("utm_medium")
    utm_content: str = _signup_column("utm_content")


@dataclass(frozen=True)
class SignupSettings:
    """How `rundbrief report --signups` reads the platform's sign-up export."""

    columns: SignupColumns = key(
        "Spaltenüberschriften des Anmelde-Exports, wie die Plattform ihn exportiert, je Feld.",
        default=SignupColumns(),
    )
    referrer_names: bool = key(
        "Im Bericht bei den Empfehlungscodes die Namen der Werbenden zeigen (aus der "
        "Mitgliederdatei; sonst nur die Codes).",
        default=False,
    )
    query: str | None = key(
        "SQL-Abfrage (SELECT), die den Anmelde-Export aus der Datenbank der Plattform liest, "
        "wenn rundbrief report ohne --signups läuft; Spalten wie in columns. Läuft nur lesend, "
        "über dieselbe Verbindung wie members.query (RUNDBRIEF_MEMBERS_DATABASE_URL).",
        default=None,
    )
