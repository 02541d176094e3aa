"""The operator section: the company behind the platform, as the Impressum names it."""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.declare import key
from generator.core.schema import email_address


@dataclass(frozen=True, kw_only=True)
class Operator:
    """The company behind the platform, as the Impressum names it."""

    name: str = key("Name des Unternehmens, das die Plattform betreibt (Impressum).")
    street: str = key("Straße und Hausnummer der Anschrift.")
    city: str = key("Postleitzahl und Ort.")
    country: str = key("Land der Anschrift.", default="Deutschland")
    phone: str = key("Telefonnummer für das Impressum.")
    email: str = key("Kontaktadresse für das Impressum.", check=email_address)
    register: str = key("Registergericht und Registernummer.")
    vat_id: str = key("Umsatzsteuer-Identifikationsnummer.")
    representatives: str = key("Wer das Unternehmen vertritt (Vorstand).")

    @property
    def address(self) -> str:
        """Postal address on one line."""
        return f"{self.street}, {self.city}"
