"""All files of a campaign for one recipient: images, QR codes, texts and the flyer."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass

from generator.core.problems import Problem
from generator.core.sections.operator import Operator
from generator.marketing.campaign import PLACEHOLDER_CODE, Campaign, TextAsset
from generator.marketing.compose import Part, personal_parts
from generator.marketing.flyerparts import member_flyer
from generator.marketing.render import (
    Recipient,
    compact,
    fill,
    flyer_pdf,
    image_svg,
    link,
    png,
    qr_png,
    qr_svg,
    qr_target,
)

SAMPLE = Recipient(PLACEHOLDER_CODE, "Maxi Mustermann")
"""Whose name the contrast of the texts naming a member is checked with."""
HOME_FLYER = "Flyer für den Drucker zu Hause (DIN A4 mit zwei A5-Flyern, ohne Schnittmarken)"
Shared = MutableMapping[str, bytes]
"""Renders that are the same for every member (banners without QR or name), by file name."""


@dataclass(frozen=True)
class Asset:
    """One file of the material, with what the help site shows about it."""

    filename: str
    kind: str  # image, post, email, flyer, qr
    title: str
    data: bytes
    text: str = ""
    width: int = 0
    height: int = 0
    parts: tuple[Part, ...] = ()
    """A member's image in a kit: the rectangles in ``data`` that go onto the generic image."""
    generic: str = ""
    """…and the generic image's file name (shared by every kit)."""


def render_assets(
    campaign: Campaign, operator: Operator, recipient: Recipient, shared: Shared | None = None
) -> tuple[list[Asset], list[Problem]]:
    """Render every asset of ``campaign`` for ``recipient``; member-independent images once."""
    assets: list[Asset] = []
    problems: list[Problem] = []
    for spec in campaign.images:
        filename = f"{spec.name}.png"
        generic = recipient.code is None
        if spec.personal and not generic and shared is not None and filename in shared:
            # A kits run: only the parts that name the member, put onto the shared generic
            # image by the kit's page (compose.py).
            data, parts, found = personal_parts(campaign, spec, recipient, shared[filename])
            problems += found
            if data is not None:
                name, size = f"{spec.name}-teile.png", (spec.width, spec.height)
                assets.append(Asset(name, "image", spec.title, data, "", *size, parts, filename))
            continue
        cached = None if spec.personal or shared is None else shared.get(filename)
        if cached is None:
            svg, found = image_svg(campaign, spec, recipient, check_contrast=generic)
            problems += found
            if generic and any(box.member for box in spec.boxes):
                # The texts naming the member are checked as a member's kit would show them.
                _svg, found = image_svg(campaign, spec, SAMPLE, check_contrast=True)
                problems += [p for p in found if p not in problems]
            if svg is None:
                continue
            cached = compact(png(svg, spec.width, spec.height))
            if shared is not None and generic:
                shared[filename] = cached
        assets.append(Asset(filename, "image", spec.title, cached, "", spec.width, spec.height))
    qr_url = qr_target(campaign, recipient, "print", "qr-code")
    assets.append(Asset("qr-code.png", "qr", "QR-Code (PNG)", qr_png(qr_url), qr_url))
    assets.append(
        Asset("qr-code.svg", "qr", "QR-Code (SVG, für den Druck)", qr_svg(qr_url), qr_url)
    )
    for post in campaign.social_posts:
        text = fill(post.text.value, recipient, link(campaign, recipient, "social", post.name))
        assets.append(Asset(f"{post.name}.txt", "post", post.title, _utf8(text), text))
    for email in campaign.emails:
        text = email_text(campaign, email, recipient)
        assets.append(Asset(f"{email.name}.txt", "email", email.title, _utf8(text), text))
    if campaign.flyer:
        # A member's flyers: their personal area put into the layout every member shares.
        flyer = member_flyer if recipient.code else flyer_pdf
        pdf, found = flyer(campaign, campaign.flyer, operator, recipient, home=False)
        problems += found
        if pdf is not None:
            assets.append(Asset(f"{campaign.flyer.name}.pdf", "flyer", campaign.flyer.title, pdf))
        if campaign.flyer.home_stylesheet:
            pdf, found = flyer(campaign, campaign.flyer, operator, recipient, home=True)
            problems += found
            if pdf is not None:
                name, title = f"{campaign.flyer.name}-zuhause.pdf", HOME_FLYER
                assets.append(Asset(name, "flyer", title, pdf))
    return assets, problems


def email_text(campaign: Campaign, email: TextAsset, recipient: Recipient) -> str:
    """An email text: the consent note for the member first, then subject and message."""
    url = link(campaign, recipient, "email", email.name)
    subject = fill(email.subject.value, recipient, url) if email.subject else ""
    body = fill(email.text.value, recipient, url).strip()
    return f"{campaign.consent_note.value.strip()}\n\nBetreff: {subject}\n\n{body}\n"


def email_parts(campaign: Campaign, email: TextAsset, recipient: Recipient) -> tuple[str, str]:
    """Subject and message of an email text, without the note (what the member copies)."""
    url = link(campaign, recipient, "email", email.name)
    subject = fill(email.subject.value, recipient, url) if email.subject else ""
    return subject, fill(email.text.value, recipient, url).strip()


def _utf8(text: str) -> bytes:
    return text.rstrip("\n").encode("utf-8") + b"\n"
