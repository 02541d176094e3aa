""" "So nutzen Sie Ihre Werbemittel": the page of every kit, the one a member's mail links to.

What the member may do, the advertising label and the risk notice, every file to download
(the shared ones from ``gemeinsam/``), which image fits where, and every text with the
member's own link, ready to copy. Rendered from autoescaped templates of the package (a
member's name is data, never markup).
"""

from __future__ import annotations

import functools
import json
import math
from importlib import resources

from jinja2 import Environment, StrictUndefined, Template

from generator.core.sections.operator import Operator
from generator.marketing.assets import Asset, email_parts
from generator.marketing.campaign import Campaign
from generator.marketing.presets import shape
from generator.marketing.render import Recipient, fill, link

SCRIPT = "bilder.js"
"""Puts a member's images together on the kit's page (shipped beside this module)."""
PAGE = "index.html"
"""The kit's page: what ``{{ member.werbemittel_url }}`` opens."""
PLACES = {
    "strip": "Mobile Websites: schmale Werbefläche oben oder unten (Mobile Banner)",
    "leaderboard": "Websites: breite Leiste über oder unter dem Inhalt (Leaderboard)",
    "rectangle": "Websites und Blogs: in der Seitenleiste oder zwischen Absätzen",
    "skyscraper": "Websites: hohe Seitenleiste neben dem Inhalt (Skyscraper)",
    "square": "Instagram, Facebook, LinkedIn: quadratischer Beitrag",
    "landscape": "Linkvorschau bei Facebook, LinkedIn, X und Messengern; Beitrag im Querformat",
}


@functools.cache
def _template(name: str) -> Template:
    text = resources.files("generator.marketing").joinpath(f"templates/{name}")
    environment = Environment(autoescape=True, undefined=StrictUndefined)
    return environment.from_string(text.read_text(encoding="utf-8"))


def script() -> bytes:
    """The kit page's script, written once into the shared folder."""
    return resources.files("generator.marketing").joinpath(SCRIPT).read_bytes()


def landing_page(platform: str) -> bytes:
    """The page of ``build/kits/`` itself: no kit, no listing, where a member's link comes from."""
    return _template("kits-start.html.j2").render(platform=platform).encode("utf-8")


def guide(
    rendered: list[tuple[Campaign, list[Asset]]],
    operator: Operator,
    recipient: Recipient,
    shared: dict[str, set[str]] | None = None,
    shared_folder: str = "",
    embeds: dict[str, str] | None = None,
) -> bytes:
    """The page of one kit as HTML, for every campaign in it.

    A file named in ``shared`` (by campaign) is linked in ``../shared_folder/`` instead of
    the kit's own folder; ``embeds`` holds each campaign's HTML for the banners.
    """
    shared = shared or {}
    campaigns = [
        _campaign(campaign, assets, recipient, shared.get(campaign.slug, set()), shared_folder)
        | {"embed": (embeds or {}).get(campaign.slug, "")}
        for campaign, assets in rendered
    ]
    first = rendered[0][0] if rendered else None
    template = _template("anleitung.html.j2")
    html = template.render(
        name=recipient.name or "liebes Mitglied",
        code=recipient.code,
        operator=operator.name,
        label=first.texts["label"].value if first else "Anzeige",
        risk=first.texts["risk"].value if first and "risk" in first.texts else "",
        campaigns=campaigns,
        script=f"../{shared_folder}/{SCRIPT}" if shared_folder else "",
    )
    return html.encode("utf-8")


def _campaign(
    campaign: Campaign,
    assets: list[Asset],
    recipient: Recipient,
    shared: set[str],
    shared_folder: str,
) -> dict[str, object]:
    def href(name: str) -> str:
        folder = f"../{shared_folder}/" if name in shared else ""
        return f"{folder}{campaign.slug}/{name}"

    images = [
        {
            # A member's own image is put together on the page from the generic one and its
            # parts (compose.py); it downloads under the generic image's name.
            "file": asset.generic or asset.filename,
            "href": href(asset.filename),
            "generic": href(asset.generic) if asset.generic else "",
            "parts": json.dumps([[p.left, p.top, p.width, p.height, p.row] for p in asset.parts]),
            "width": asset.width,
            "height": asset.height,
            "size": f"{asset.width} × {asset.height} px",
            "place": PLACES[shape(asset.width, asset.height)],
        }
        for asset in assets
        if asset.kind == "image"
    ]
    flyers = [
        {"file": a.filename, "href": href(a.filename), "title": a.title}
        for a in assets
        if a.kind == "flyer"
    ]
    qr = [{"href": href(a.filename), "title": a.title} for a in assets if a.kind == "qr"]
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
        "qr": qr,
        "texts": texts,
    }


def _rows(text: str) -> int:
    # Long lines wrap at about 70 characters in the page's width.
    return sum(max(1, math.ceil(len(line) / 70)) for line in text.split("\n")) + 1
