"""The schema of a campaign file: every key, its kind and what it means."""

from __future__ import annotations

import re
from typing import Any

from generator.core.i18n import N_, _
from generator.core.schema import Field, Schema, https_url


def _slug(value: Any) -> str | None:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value):
        return _(
            "expected lowercase letters, digits and hyphens (it names files), got '{value}'"
        ).format(value=value)
    return None


def _colour(value: Any) -> str | None:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        return _("expected a colour like #00796b, got '{value}'").format(value=value)
    return None


TEXTS = Schema(
    "texts",
    (
        Field(
            "label", "text", "Advertising label on every image (Anzeige/Werbung).", required=True
        ),
        Field("headline", "text", "Main message."),
        Field("subline", "text", "Second line of the message."),
        Field("bonus", "text", "What a new member gets."),
        Field("cta", "text", "Call to action on the button."),
        Field("recommended_by", "text", "Names the member; only in personal kits."),
        Field("code_hint", "text", "Shows the member's code; only in personal kits."),
        Field("risk", "text", "Risk warning."),
    ),
)
TEXT_NAMES = tuple(field.name for field in TEXTS.fields)

BOX = Schema(
    "box",
    (
        Field("text", "text", "Which of 'texts' goes here.", required=True, choices=TEXT_NAMES),
        Field("x", "number", "Left edge in pixels.", required=True),
        Field("y", "number", "Top edge in pixels.", required=True),
        Field("width", "number", "Width in pixels.", required=True),
        Field("height", "number", "Height in pixels.", required=True),
        Field("size", "integer", "Largest font size in pixels.", required=True),
        Field(
            "min_size",
            "integer",
            "Smallest font size before the text counts as too long.",
            required=True,
        ),
        Field("bold", "boolean", "Bold type.", default=False),
        Field("align", "text", "left or center.", default="left", choices=("left", "center")),
        Field("color", "text", "Text colour.", default="#ffffff", check=_colour),
        Field("button", "boolean", "Draw a button behind the text.", default=False),
        Field(
            "member", "boolean", "Only in personal kits (the text names the member).", default=False
        ),
    ),
)

QR_SPOT = Schema(
    "qr",
    (
        Field("x", "number", "Left edge in pixels.", required=True),
        Field("y", "number", "Top edge in pixels.", required=True),
        Field("size", "number", "Edge length in pixels, white margin included.", required=True),
    ),
)

IMAGE = Schema(
    "image",
    (
        Field("name", "text", "File name without extension.", required=True, check=_slug),
        Field("title", "text", "Shown on the help site.", required=True),
        Field("width", "integer", "Width in pixels.", required=True),
        Field("height", "integer", "Height in pixels.", required=True),
        Field("medium", "text", "utm_medium of links and QR codes.", required=True),
        Field(
            "template",
            "text",
            "SVG template in marketing-assets/templates/.",
            default="banner.svg.j2",
        ),
        Field("background", "text", "Background colour.", default="#00796b", check=_colour),
        Field("qr", "mapping", "Where the QR code goes (optional).", schema=QR_SPOT),
        Field("boxes", "mappings", "The texts of the image.", required=True, schema=BOX),
    ),
)

POST = Schema(
    "social post",
    (
        Field("name", "text", "File name without extension.", required=True, check=_slug),
        Field("title", "text", "Shown on the help site.", required=True),
        Field("text", "text", "The post; must carry the label and {{ link }}.", required=True),
    ),
)

EMAIL = Schema(
    "email",
    (
        Field("name", "text", "File name without extension.", required=True, check=_slug),
        Field("title", "text", "Shown on the help site.", required=True),
        Field("subject", "text", "Subject line.", required=True),
        Field("text", "text", "The message; must carry {{ link }}.", required=True),
    ),
)

FLYER = Schema(
    "flyer",
    (
        Field("name", "text", "File name without extension.", required=True, check=_slug),
        Field("title", "text", "Shown on the help site.", required=True),
        Field(
            "template",
            "text",
            "HTML template in marketing-assets/templates/.",
            default="flyer.html.j2",
        ),
        Field(
            "stylesheet", "text", "CSS file in marketing-assets/templates/.", default="flyer.css"
        ),
        Field("headline", "text", "Main message.", required=True),
        Field("text", "text", "Paragraph below the headline.", required=True),
        Field("points", "texts", "Short list of benefits.", default=[]),
        Field("scan_hint", "text", "Text next to the QR code.", required=True),
    ),
)

CAMPAIGN = Schema(
    N_("campaign"),
    (
        Field("title", "text", "Name of the campaign.", required=True),
        Field("slug", "text", "Folder name of its files.", required=True, check=_slug),
        Field("description", "text", "One sentence for the help site.", required=True),
        Field("landing_url", "text", "Where links point (default: referral_url).", check=https_url),
        Field("utm_source", "text", "utm_source of every link.", default="empfehlung"),
        Field("utm_campaign", "text", "utm_campaign of every link.", required=True, check=_slug),
        Field("texts", "mapping", "Texts placed on images.", required=True, schema=TEXTS),
        Field("images", "mappings", "Banners and social images.", default=[], schema=IMAGE),
        Field("social_posts", "mappings", "Texts for social networks.", default=[], schema=POST),
        Field("emails", "mappings", "Texts members send themselves.", default=[], schema=EMAIL),
        Field(
            "consent_note", "text", "Heads every email text: send only with consent.", required=True
        ),
        Field("flyer", "mapping", "Print flyer (optional).", schema=FLYER),
    ),
)
