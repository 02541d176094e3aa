"""The declaration of a campaign file: every key, its kind, its rules and what it means.

Declared once as dataclasses (see ``core/declare.py``): the validating schema, the reference
page ``docs/seiten/referenz/kampagnen.md`` and the editor's JSON Schema are made from them, and the
images and the flyer of a loaded campaign are these objects, each with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from generator.core.declare import key, located, schema_of
from generator.core.i18n import N_, _
from generator.core.schema import hinted, https_url
from generator.marketing.textfit import Box

PIXELS = (16, 4096)
"""Sane image sizes: a social image or banner, never a raster that fills the memory (R-20)."""
PLACE = (0, 4096)
"""Where a box or the QR code may stand inside an image."""
FONT_SIZES = (4, 400)


@hinted("kleine Buchstaben, Ziffern, Bindestriche", pattern="^[a-z0-9]+(-[a-z0-9]+)*$")
def _slug(value: Any) -> str | None:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value):
        return _(
            "expected lowercase letters, digits and hyphens (it names files), got '{value}'"
        ).format(value=value)
    return None


@hinted("Farbe wie #00796b", pattern="^#[0-9a-fA-F]{6}$")
def _colour(value: Any) -> str | None:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        return _("expected a colour like #00796b, got '{value}'").format(value=value)
    return None


def _name() -> Any:
    return key("Dateiname ohne Endung (kleine Buchstaben, Ziffern, Bindestriche).", check=_slug)


def _title() -> Any:
    return key("Titel im Hilfe-Center.")


@dataclass(frozen=True)
class CampaignTexts:
    """The texts placed on the images of a campaign, by name."""

    label: str = key("Werbekennzeichnung auf jedem Bild (Anzeige oder Werbung).", names_facts=True)
    headline: str | None = key("Hauptbotschaft.", default=None, names_facts=True)
    subline: str | None = key("Zweite Zeile der Botschaft.", default=None, names_facts=True)
    bonus: str | None = key("Was ein neues Mitglied bekommt.", default=None, names_facts=True)
    cta: str | None = key("Aufforderung auf der Schaltfläche.", default=None, names_facts=True)
    recommended_by: str | None = key(
        "Nennt das Mitglied; nur in persönlichen Paketen.", default=None, names_facts=True
    )
    code_hint: str | None = key(
        "Zeigt den Code des Mitglieds; nur in persönlichen Paketen.", default=None, names_facts=True
    )
    risk: str | None = key("Risikohinweis.", default=None, names_facts=True)


TEXT_NAMES = tuple(field.name for field in fields(CampaignTexts))


@dataclass(frozen=True)
class Placed:
    """A text placed in a box of an image."""

    text: str = key("Welcher Text aus texts hier steht.", choices=TEXT_NAMES)
    x: float = key("Linker Rand in Pixeln.", bounds=PLACE)
    y: float = key("Oberer Rand in Pixeln.", bounds=PLACE)
    width: float = key("Breite in Pixeln.", bounds=PLACE)
    height: float = key("Höhe in Pixeln.", bounds=PLACE)
    size: int = key("Größte Schriftgröße in Pixeln.", bounds=FONT_SIZES)
    min_size: int = key(
        "Kleinste Schriftgröße; passt der Text so nicht, ist er zu lang.", bounds=FONT_SIZES
    )
    bold: bool = key("Fette Schrift.", default=False)
    align: str = key("Ausrichtung.", default="left", choices=("left", "center"))
    color: str = key("Textfarbe (#rrggbb).", default="#ffffff", check=_colour)
    button: bool = key("Eine Schaltfläche hinter den Text zeichnen.", default=False)
    member: bool = key("Nur in persönlichen Paketen (der Text nennt das Mitglied).", default=False)
    line: int = located()

    @property
    def box(self) -> Box:
        """The box the text is fitted into."""
        return Box(
            self.x, self.y, self.width, self.height, self.size, self.min_size, self.bold, self.align
        )


@dataclass(frozen=True)
class QrSpot:
    """Where an image carries the QR code."""

    x: float = key("Linker Rand in Pixeln.", bounds=PLACE)
    y: float = key("Oberer Rand in Pixeln.", bounds=PLACE)
    size: float = key("Kantenlänge in Pixeln, weißer Rand eingeschlossen.", bounds=PIXELS)


@dataclass(frozen=True, kw_only=True)
class ImageSpec:
    """One image of a campaign: size, template and the texts in their boxes."""

    name: str = _name()
    title: str = _title()
    width: int = key("Breite in Pixeln.", bounds=PIXELS)
    height: int = key("Höhe in Pixeln.", bounds=PIXELS)
    medium: str = key("utm_medium der Links und QR-Codes.")
    template: str = key("SVG-Vorlage in marketing-assets/templates/.", default="banner.svg.j2")
    background: str = key("Hintergrundfarbe (#rrggbb).", default="#00796b", check=_colour)
    qr: QrSpot | None = key("Wo der QR-Code steht (wahlweise).", default=None)
    boxes: tuple[Placed, ...] = key("Die Texte des Bildes.")
    line: int = located()

    @property
    def personal(self) -> bool:
        """Whether the image differs per member (QR code, name or code on it)."""
        return self.qr is not None or any(box.member for box in self.boxes)


@dataclass(frozen=True)
class SocialPost:
    """A text for social networks."""

    name: str = _name()
    title: str = _title()
    text: str = key(
        "Der Beitrag; muss die Werbekennzeichnung und {{ link }} enthalten.", names_facts=True
    )


@dataclass(frozen=True)
class EmailText:
    """A text members send themselves."""

    name: str = _name()
    title: str = _title()
    subject: str = key("Betreffzeile.", names_facts=True)
    text: str = key("Die Nachricht; muss {{ link }} enthalten.", names_facts=True)


@dataclass(frozen=True, kw_only=True)
class FlyerSpec:
    """The print flyer: its template and texts."""

    name: str = _name()
    title: str = _title()
    template: str = key("HTML-Vorlage in marketing-assets/templates/.", default="flyer.html.j2")
    stylesheet: str = key("CSS-Datei in marketing-assets/templates/.", default="flyer.css")
    headline: str = key("Hauptbotschaft.", names_facts=True)
    text: str = key("Absatz unter der Überschrift.", names_facts=True)
    points: tuple[str, ...] = key("Kurze Liste der Vorteile.", default=(), names_facts=True)
    scan_hint: str = key("Text neben dem QR-Code.", names_facts=True)
    line: int = located()


@dataclass(frozen=True, kw_only=True)
class CampaignFile:
    """A campaign file of ``marketing-assets/``, declared once (docs/seiten/referenz/kampagnen.md)."""

    title: str = key("Name der Kampagne.")
    slug: str = key("Ordnername ihrer Dateien.", check=_slug)
    description: str = key("Ein Satz für das Hilfe-Center.", names_facts=True)
    landing_url: str | None = key(
        "Wohin die Links führen (sonst referral_url aus rundbrief.yml).",
        default=None,
        check=https_url,
    )
    utm_source: str = key("utm_source jedes Links.", default="empfehlung")
    utm_campaign: str = key("utm_campaign jedes Links.", check=_slug)
    texts: CampaignTexts = key("Texte, die auf den Bildern stehen.")
    images: tuple[ImageSpec, ...] = key("Banner und Bilder für soziale Netzwerke.", default=())
    social_posts: tuple[SocialPost, ...] = key("Texte für soziale Netzwerke.", default=())
    emails: tuple[EmailText, ...] = key("Texte, die Mitglieder selbst verschicken.", default=())
    consent_note: str = key(
        "Steht über jedem E-Mail-Text: nur mit Einwilligung senden.", names_facts=True
    )
    flyer: FlyerSpec | None = key("Flyer zum Drucken (wahlweise).", default=None)


CAMPAIGN = schema_of(CampaignFile, N_("campaign"))
