"""The kits section: where ``build/kits/`` is published, for the link in a member's mail."""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.declare import key
from generator.core.schema import https_url


@dataclass(frozen=True)
class KitSettings:
    """Where the personal Werbemittel kits are published."""

    url: str | None = key(
        "Adresse, unter der der Ordner build/kits/ veröffentlicht ist (mit / am Ende); "
        "{{ member.werbemittel_url }} führt auf den Ordner des Mitglieds darunter. Ohne: "
        "kein Link auf die Werbemittel in Mails.",
        default=None,
        check=https_url,
        shapes_email=True,
    )
