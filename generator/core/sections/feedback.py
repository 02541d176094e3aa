"""The feedback section: where ``rundbrief feedback`` reads and files messages."""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.declare import key
from generator.core.schema import hinted


@hinted("mindestens 1", minimum=1)
def _at_least_one(value: int) -> str | None:
    return None if value >= 1 else f"expected at least 1, got {value}"


@dataclass(frozen=True)
class FeedbackSettings:
    """Where `rundbrief feedback` reads and files messages, and when soft bounces suppress."""

    folder: str = key(
        "IMAP-Ordner, in dem Unzustellbarkeiten und Abmeldungen ankommen.", default="INBOX"
    )
    processed_folder: str = key(
        "IMAP-Ordner, in den erkannte Nachrichten verschoben werden.", default="Verarbeitet"
    )
    quarantine_folder: str = key(
        "IMAP-Ordner für Nachrichten über einer Grenze (Größe, Verschachtelung, Teile) oder "
        "unlesbare; wird angelegt.",
        default="Quarantäne",
    )
    authserv_id: str = key(
        "authserv-id des eigenen Empfangsservers in Authentication-Results: nur dessen "
        "oberstes DMARC-Ergebnis zählt für Abmeldungen ohne Token (leer: keinem trauen).",
        default="",
    )
    soft_bounce_limit: int = key(
        "Vorübergehende Unzustellbarkeiten in Folge (verschiedene Newsletter), nach denen "
        "eine Adresse gesperrt wird.",
        default=3,
        check=_at_least_one,
    )
