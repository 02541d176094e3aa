"""The review section: what ``rundbrief review`` needs beyond the repository."""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.declare import key


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
