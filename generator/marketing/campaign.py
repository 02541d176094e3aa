"""A campaign of ``marketing-assets/``: what it holds once validated, and its text templates.

Its images and flyer are the declared objects of ``schemas.py``; its texts are seen here with
the key and line each comes from, for the problems the rules find in them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.marketing.schemas import FlyerSpec, ImageSpec

TEMPLATES = "templates"
PLACEHOLDER_CODE = "DEINCODE"
"""Stands for the member's code in the generic material on the help site."""
AD_LABELS = ("Anzeige", "Werbung")
"""Members earning rewards must label advertising (§ 5a Abs. 4 UWG): one of these words."""


@dataclass(frozen=True)
class Text:
    """A text of the campaign (a small template) and the file line it comes from."""

    key: str
    value: str
    line: int


@dataclass(frozen=True)
class TextAsset:
    """A social post or an email text."""

    name: str
    title: str
    subject: Text | None
    text: Text


@dataclass(frozen=True)
class Campaign:
    """A validated campaign, with a digest of everything its output depends on."""

    source: str
    title: str
    slug: str
    description: str
    landing_url: str
    utm_source: str
    utm_campaign: str
    texts: Mapping[str, Text]
    images: tuple[ImageSpec, ...]
    social_posts: tuple[TextAsset, ...]
    emails: tuple[TextAsset, ...]
    consent_note: Text
    flyer: FlyerSpec | None
    templates: Path
    digest: str
    picture: str | None = None
    """The campaign's picture as a data URL, for the images that show it."""
    short: str = ""
    """The campaign's short name in short links."""
    short_form: str | None = None
    """The platform's short-link form (``short_link`` of ``rundbrief.yml``), if it has one."""
    platform: str = ""
    """The platform's name as members know it (``platform_name``): the flyer's brand."""


def all_texts(campaign: Campaign) -> list[Text]:
    """Every text of the campaign that ends up in an asset."""
    texts = [*campaign.texts.values(), campaign.consent_note]
    for asset in (*campaign.social_posts, *campaign.emails):
        texts += [asset.text] + ([asset.subject] if asset.subject else [])
    if campaign.flyer:
        line = campaign.flyer.line
        flyer = campaign.flyer
        texts += [
            Text("flyer", value, line)
            for value in (flyer.headline, flyer.text, flyer.scan_hint, *flyer.points)
        ]
    return texts


PLACEHOLDER = re.compile(r"\{\{\s*(link|code|name)\s*\}\}")
"""The only template syntax a campaign text may hold: its three placeholders."""
TEMPLATE_SYNTAX = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|\{\{|\{%|\{#", re.DOTALL)
"""Anything that looks like a template expression, statement or comment."""


def variables(value: str) -> set[str]:
    """The placeholders a text uses."""
    return {match.group(1) for match in PLACEHOLDER.finditer(value)}


def unknown_syntax(value: str) -> list[str]:
    """Template syntax in a text that is not one of its placeholders (``lipsum()``, ``*``, …).

    A text is filled by replacing its placeholders, never rendered as a template: nothing
    in it is evaluated, so no expression can loop, multiply a string a billion times or
    reach into Python objects.
    """
    return [
        match.group(0)
        for match in TEMPLATE_SYNTAX.finditer(value)
        if not PLACEHOLDER.fullmatch(match.group(0))
    ]


def fill_text(value: str, values: Mapping[str, str]) -> str:
    """The text with its placeholders replaced (a final line break dropped, as templates do)."""
    text = value[:-1] if value.endswith("\n") else value
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)
