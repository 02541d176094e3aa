"""The report section: who gets the send report by mail."""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.declare import key
from generator.core.schema import email_addresses


@dataclass(frozen=True)
class ReportSettings:
    """Who ``rundbrief report --mail`` sends the report to."""

    recipients: tuple[str, ...] = key(
        "E-Mail-Adressen, an die rundbrief report --mail den Versandbericht schickt (als "
        "HTML-Mail mit Diagrammen, die Tabellen als CSV angehängt).",
        default=(),
        check=email_addresses,
    )
