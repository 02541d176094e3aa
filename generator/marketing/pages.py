"""The "Werbemittel" section of the help site and the generic files under ``build/``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import jinja2

from generator.core.problems import Problem
from generator.core.referral import MEDIA
from generator.core.settings import Project
from generator.core.sources import Document, load_document, read_sources
from generator.marketing.assets import Asset, email_parts
from generator.marketing.cache import generic_assets
from generator.marketing.campaign import PLACEHOLDER_CODE, Campaign
from generator.marketing.load import load_campaigns
from generator.marketing.render import GENERIC, link
from generator.site.articles import HELP_PAGE
from generator.site.stage import Page, StaticFile

SECTION = "werbemittel"
INDEX = "werbemittel.md"
"""The section's introduction and rules for members; the campaigns are appended to it."""
SCRIPT = "kopieren.js"


@dataclass(frozen=True)
class MarketingStage:
    """The section's pages and files, the rendered files for ``build/``, and any problems."""

    pages: list[Page]
    files: list[StaticFile]
    outputs: list[StaticFile]
    problems: list[Problem]


def stage_marketing(project: Project, *, write_cache: bool = True) -> MarketingStage:
    """Pages and files of the section, and the rendered files for ``build/marketing-assets/``."""
    campaigns, problems = load_campaigns(project)
    documents, found = _documents(project)
    problems += found
    rendered: list[tuple[Campaign, list[Asset]]] = []
    for campaign in campaigns:
        assets, found = generic_assets(project, campaign, write_cache=write_cache)
        problems += found
        if not found:
            rendered.append((campaign, assets))
    if not documents and not campaigns:
        return MarketingStage([], [], [], problems)
    pages = [_page(doc, f"{SECTION}/{_name(doc)}") for doc in documents if _name(doc) != "index.md"]
    index = next((doc for doc in documents if _name(doc) == "index.md"), None)
    pages.append(index_page(index, rendered))
    script = resources.files("generator.marketing").joinpath(SCRIPT).read_bytes()
    files = [StaticFile(f"{SECTION}/{SCRIPT}", data=script)]
    outputs: list[StaticFile] = []
    if project.settings.short_link and rendered:
        outputs.append(
            StaticFile("marketing-assets/kurzlinks.json", data=short_links(project, campaigns))
        )
    for campaign, assets in rendered:
        for asset in assets:
            files.append(StaticFile(f"{SECTION}/{campaign.slug}/{asset.filename}", data=asset.data))
            outputs.append(
                StaticFile(f"marketing-assets/{campaign.slug}/{asset.filename}", data=asset.data)
            )
    return MarketingStage(pages, files, outputs, problems)


def short_links(project: Project, campaigns: list[Campaign]) -> bytes:
    """What the platform needs to turn a short link back into ref and UTM fields."""
    table = {
        "form": project.settings.short_link,
        "campaigns": {
            c.short: {
                "landing_url": c.landing_url,
                "utm_source": c.utm_source,
                "utm_campaign": c.utm_campaign,
            }
            for c in campaigns
        },
        "media": {letter: medium for medium, letter in MEDIA.items()},
    }
    return (json.dumps(table, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _documents(project: Project) -> tuple[list[Document], list[Problem]]:
    sources, problems = read_sources(project.assets_dir, project.root, "*.md")
    documents = []
    for source in sources:
        if source.path.parent != project.assets_dir:
            continue
        document, found = load_document(source, HELP_PAGE)
        problems += found
        if document is not None and not document.meta["draft"]:
            documents.append(document)
    return documents, problems


def _name(document: Document) -> str:
    return "index.md" if document.source.path.name == INDEX else document.source.path.name


def _page(document: Document, path: str, extra: str = "") -> Page:
    meta = document.meta
    # (the file name while the front matter is broken: the run reports it, never crashes on it)
    title = meta["title"] if isinstance(meta["title"], str) and meta["title"] else path
    return Page(
        path=path,
        title=title,
        body=document.body.rstrip("\n") + "\n" + extra,
        meta={"title": meta["title"], "description": meta["description"], "tags": meta["tags"]},
        order=meta["order"],
        source=document.rel,
        body_line=document.body_line,
    )


def index_page(intro: Document | None, rendered: list[tuple[Campaign, list[Asset]]]) -> Page:
    """The section's start page: introduction and rules, then every campaign with its assets."""
    parts = [campaign_markdown(campaign, assets) for campaign, assets in rendered]
    parts.append(templates().get_template("kopieren.html.j2").render(script=SCRIPT) + "\n")
    extra = "\n" + "\n".join(parts)
    if intro is not None:
        return _page(intro, f"{SECTION}/index.md", extra)
    return Page(f"{SECTION}/index.md", "Werbemittel", "# Werbemittel\n" + extra, order=50)


def campaign_markdown(campaign: Campaign, assets: list[Asset]) -> str:
    """One campaign on the page: its link, previews with downloads, and texts to copy."""
    emails = []
    for email in campaign.emails:
        subject, body = email_parts(campaign, email, GENERIC)
        emails.append((email, subject, body))
    return (
        templates()
        .get_template("campaign.md.j2")
        .render(
            campaign=campaign,
            slug=campaign.slug,
            placeholder=PLACEHOLDER_CODE,
            generic=link(campaign, GENERIC, "social", "link"),
            images=[a for a in assets if a.kind in ("image", "qr") and a.filename.endswith(".png")],
            printable=[a for a in assets if a.kind == "flyer" or a.filename.endswith(".svg")],
            posts=[a for a in assets if a.kind == "post"],
            emails=emails,
            consent=campaign.consent_note.value.strip(),
        )
    )


@cache
def templates() -> jinja2.Environment:
    """The templates of ``marketing/templates/`` (pages, snippets), autoescaped."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("generator.marketing", "templates"),
        autoescape=True,
        trim_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["md"] = markdown_text
    return environment


INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters other than tab and line breaks: invisible on a page, and an escape
character would make the page's scan refuse it (it can hide markup from a parser)."""


def markdown_text(text: str) -> str:
    """``text`` for Markdown that shows it literally: no emphasis, link, heading or list, and
    no invisible control character (pasted along with a text, never meant)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~])", r"\\\1", INVISIBLE.sub("", text))
