""" "So nutzen Sie Ihre Werbemittel": the page in every kit that says what the member may do.

What the member may do, the advertising label and the risk notice, which image fits where, and
every text with the member's own link, ready to copy. Rendered from an autoescaped template of
the package (a member's name is data, never markup).
"""

from __future__ import annotations

import functools
import math
from importlib import resources

from jinja2 import Environment, StrictUndefined, Template

from generator.core.sections.operator import Operator
from generator.marketing.assets import Asset, email_parts
from generator.marketing.campaign import Campaign
from generator.marketing.presets import shape
from generator.marketing.render import Recipient, fill, link

FILENAME = "so-nutzen-sie-ihre-werbemittel.html"
PLACES = {
    "strip": "Mobile Websites: schmale Werbefläche oben oder unten (Mobile Banner)",
    "leaderboard": "Websites: breite Leiste über oder unter dem Inhalt (Leaderboard)",
    "rectangle": "Websites und Blogs: in der Seitenleiste oder zwischen Absätzen",
    "skyscraper": "Websites: hohe Seitenleiste neben dem Inhalt (Skyscraper)",
    "square": "Instagram, Facebook, LinkedIn: quadratischer Beitrag",
    "landscape": "Linkvorschau bei Facebook, LinkedIn, X und Messengern; Beitrag im Querformat",
}


@functools.cache
def _template() -> Template:
    text = resources.files("generator.marketing").joinpath("templates/anleitung.html.j2")
    environment = Environment(autoescape=True, undefined=StrictUndefined)
    return environment.from_string(text.read_text(encoding="utf-8"))


def guide(
    rendered: list[tuple[Campaign, list[Asset]]], operator: Operator, recipient: Recipient
) -> bytes:
    """The guide of one kit as HTML, for every campaign in it."""
    campaigns = [_campaign(campaign, assets, recipient) for campaign, assets in rendered]
    first = rendered[0][0] if rendered else None
    template = _template()
    html = template.render(
        name=recipient.name or "liebes Mitglied",
        code=recipient.code,
        operator=operator.name,
        label=first.texts["label"].value if first else "Anzeige",
        risk=first.texts["risk"].value if first and "risk" in first.texts else "",
        campaigns=campaigns,
    )
    return html.encode("utf-8")


def _campaign(campaign: Campaign, assets: list[Asset], recipient: Recipient) -> dict[str, object]:
    images = [
        {
            "file": asset.filename,
            "size": f"{asset.width} × {asset.height} px",
            "place": PLACES[shape(asset.width, asset.height)],
        }
        for asset in assets
        if asset.kind == "image"
    ]
    flyers = [{"file": a.filename, "title": a.title} for a in assets if a.kind == "flyer"]
    texts: list[dict[str, object]] = []
    for post in campaign.social_posts:
        value = fill(post.text.value, recipient, link(campaign, recipient, "social", post.name))
        texts.append({"title": post.title, "subject": "", "text": value, "rows": _rows(value)})
    for email in campaign.emails:
        subject, body = email_parts(campaign, email, recipient)
        texts.append({"title": email.title, "subject": subject, "text": body, "rows": _rows(body)})
    return {
        "title": campaign.title,
        "folder": campaign.slug,
        "link": link(campaign, recipient, "social", "link"),
        "images": images,
        "flyers": flyers,
        "texts": texts,
    }


def _rows(text: str) -> int:
    # Long lines wrap at about 70 characters in the page's width.
    return sum(max(1, math.ceil(len(line) / 70)) for line in text.split("\n")) + 1
