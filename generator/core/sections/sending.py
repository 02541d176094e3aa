"""The sending section: the approval remote, the shrunken-send guard, scheduling and connections."""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.arguments import git_remote
from generator.core.declare import key

ADVERTISING_WORDS = (
    "Aktion",
    "Angebot",
    "Bonus",
    "Empfehlungslink",
    "Empfehlungsprogramm",
    "gratis",
    "Gutschein",
    "Prämie",
    "Rabatt",
    "werben",
    "Werbung",
)
"""Words a service notice may not hold (it goes out without newsletter consent)."""


@dataclass(frozen=True)
class SendingSettings:
    """The approval remote, the shrunken-send guard, connections and service-notice words."""

    remote: str = key(
        "Git-Remote, dessen main-Zweig enthält, was die Gründerin freigegeben hat.",
        default="origin",
        check=git_remote,  # (core/arguments: git must never read it as an option)
    )
    min_share: float = key(
        "Ein Versand wird verweigert, wenn ein kleinerer Anteil (0 bis 1) der nicht "
        "abgemeldeten Mitglieder der Zielgruppe ihn bekäme.",
        default=0.5,
        bounds=(0, 1),
    )
    due_window: int = key(
        "Stunden nach send_at, in denen send --due einen Newsletter noch verschickt oder "
        "einen angefangenen Versand fortsetzt. Danach geschieht nichts mehr von selbst: "
        "send --due überspringt ihn und meldet das (von Hand geht es weiter).",
        default=24,
        bounds=(1, 24 * 14),
    )
    connections: int = key(
        "SMTP-Verbindungen zugleich (Vorgabe von send --connections).", default=4, bounds=(1, 64)
    )
    advertising_words: tuple[str, ...] = key(
        "Wörter, die eine Service-Mitteilung zur Werbung machen (kind: service wird dann "
        "verweigert).",
        default=ADVERTISING_WORDS,
        shapes_email=True,
    )
