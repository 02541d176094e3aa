"""The review section: what ``rundbrief review`` needs beyond the repository."""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.declare import key
from generator.core.schema import email_addresses


@dataclass(frozen=True)
class ReviewSettings:
    """What ``rundbrief review`` needs beyond the repository."""

    members_file: str | None = key(
        "Mitgliederdatei außerhalb von git (oder https://-URL), aus der jeder Befehl ohne "
        "--members die Mitglieder liest – review zählt darin die Empfänger jeder Zielgruppe "
        "(~ erlaubt, relative Pfade ab dem Repository; RUNDBRIEF_MEMBERS_FILE und "
        "members.query haben Vorrang).",
        default=None,
    )
    approvers: tuple[str, ...] = key(
        "E-Mail-Adressen, die rundbrief review --mail jede Änderung zur Freigabe schickt "
        "(jeden geänderten Newsletter wie für ein Mitglied, dazu eine Zusammenfassung). Es "
        "gilt die Liste auf main: ein Pull Request kann keine Empfänger hinzufügen.",
        default=(),
        check=email_addresses,
    )
