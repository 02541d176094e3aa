"""Campaign sources in ``marketing-assets/``: schema, loading and the rules every campaign obeys."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from generator.config import Project
from generator.marketing.fonts import FONT_DIR, missing_glyphs
from generator.marketing.textfit import Box
from generator.problems import Problem
from generator.schema import Field, Schema
from generator.sources import load_yaml_file, read_sources

TEMPLATES = "templates"
PLACEHOLDER_CODE = "DEINCODE"
"""Stands for the member's code in the generic material on the help site."""
AD_LABELS = ("Anzeige", "Werbung")
"""Members earning rewards must label advertising (§ 5a Abs. 4 UWG): one of these words."""
TEXT_VARIABLES = {"link", "code", "name"}


def _slug(value: Any) -> str | None:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value):
        return f"expected lowercase letters, digits and hyphens (it names files), got '{value}'"
    return None


def _https_url(value: Any) -> str | None:
    if not re.match(r"https://[^/\s]+", value):
        return f"expected an absolute https:// URL, got '{value}'"
    return None


def _colour(value: Any) -> str | None:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        return f"expected a colour like #00796b, got '{value}'"
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
    "campaign",
    (
        Field("title", "text", "Name of the campaign.", required=True),
        Field("slug", "text", "Folder name of its files.", required=True, check=_slug),
        Field("description", "text", "One sentence for the help site.", required=True),
        Field(
            "landing_url", "text", "Where links point (default: referral_url).", check=_https_url
        ),
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


@dataclass(frozen=True)
class Text:
    """A text of the campaign (a small template) and the file line it comes from."""

    key: str
    value: str
    line: int


@dataclass(frozen=True)
class Placed:
    """A text placed in a box of an image."""

    text: str
    box: Box
    color: str
    button: bool
    member: bool
    line: int


@dataclass(frozen=True)
class QrSpot:
    """Where an image carries the QR code."""

    x: float
    y: float
    size: float


@dataclass(frozen=True)
class ImageSpec:
    """One image of a campaign: size, template and the texts in their boxes."""

    name: str
    title: str
    width: int
    height: int
    medium: str
    template: str
    background: str
    qr: QrSpot | None
    boxes: tuple[Placed, ...]
    line: int

    @property
    def personal(self) -> bool:
        """Whether the image differs per member (QR code, name or code on it)."""
        return self.qr is not None or any(box.member for box in self.boxes)


@dataclass(frozen=True)
class TextAsset:
    """A social post or an email text."""

    name: str
    title: str
    subject: Text | None
    text: Text


@dataclass(frozen=True)
class FlyerSpec:
    """The print flyer: its template and texts."""

    name: str
    title: str
    template: str
    stylesheet: str
    headline: str
    text: str
    points: tuple[str, ...]
    scan_hint: str
    line: int


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


def load_campaigns(project: Project) -> tuple[list[Campaign], list[Problem]]:
    """Read and validate every campaign YAML file in ``marketing-assets/``."""
    folder = project.assets_dir
    sources, problems = read_sources(folder, project.root, "*.yml")
    campaigns: list[Campaign] = []
    shared = _digest_of(sorted((folder / TEMPLATES).glob("*")) + sorted(FONT_DIR.glob("*.ttf")))
    for source in sources:
        if source.path.parent != folder:
            continue  # only campaign files live at the top level
        loaded, found = load_yaml_file(source, CAMPAIGN)
        problems += found
        if loaded is None:
            continue
        values, lines = loaded
        digest = hashlib.sha256((shared + source.text).encode()).hexdigest()
        campaign = _campaign(source.rel, values, lines, project, folder / TEMPLATES, digest)
        found = check_campaign(campaign, lines)
        problems += found
        if not found:
            campaigns.append(campaign)
    seen: dict[str, str] = {}
    for campaign in campaigns:
        if campaign.slug in seen:
            problems.append(
                Problem(
                    campaign.source,
                    1,
                    f"slug '{campaign.slug}' is used by {seen[campaign.slug]} too",
                )
            )
        seen[campaign.slug] = campaign.source
    return campaigns, problems


def _digest_of(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _campaign(
    rel: str,
    values: dict[str, Any],
    lines: dict[str, int],
    project: Project,
    templates: Path,
    digest: str,
) -> Campaign:
    texts = {
        key: Text(f"texts.{key}", value, lines[f"texts.{key}"])
        for key, value in values["texts"].items()
        if value is not None
    }
    images = tuple(_image(item, lines, f"images.{n}") for n, item in enumerate(values["images"]))
    posts = tuple(
        TextAsset(
            item["name"], item["title"], None, _text(item, lines, f"social_posts.{n}", "text")
        )
        for n, item in enumerate(values["social_posts"])
    )
    emails = tuple(
        TextAsset(
            item["name"],
            item["title"],
            _text(item, lines, f"emails.{n}", "subject"),
            _text(item, lines, f"emails.{n}", "text"),
        )
        for n, item in enumerate(values["emails"])
    )
    flyer = values["flyer"]
    return Campaign(
        source=rel,
        title=values["title"],
        slug=values["slug"],
        description=values["description"],
        landing_url=values["landing_url"] or project.settings.referral_url,
        utm_source=values["utm_source"],
        utm_campaign=values["utm_campaign"],
        texts=texts,
        images=images,
        social_posts=posts,
        emails=emails,
        consent_note=Text("consent_note", values["consent_note"], lines["consent_note"]),
        flyer=_flyer(flyer, lines["flyer"]) if flyer else None,
        templates=templates,
        digest=digest,
    )


def _text(item: dict[str, Any], lines: dict[str, int], prefix: str, key: str) -> Text:
    return Text(f"{prefix}.{key}", item[key], lines[f"{prefix}.{key}"])


def _image(item: dict[str, Any], lines: dict[str, int], prefix: str) -> ImageSpec:
    boxes = tuple(
        Placed(
            text=box["text"],
            box=Box(
                box["x"],
                box["y"],
                box["width"],
                box["height"],
                box["size"],
                box["min_size"],
                box["bold"],
                box["align"],
            ),
            color=box["color"],
            button=box["button"],
            member=box["member"],
            line=lines[f"{prefix}.boxes.{n}"],
        )
        for n, box in enumerate(item["boxes"])
    )
    spot = item["qr"]
    qr = QrSpot(spot["x"], spot["y"], spot["size"]) if spot else None
    return ImageSpec(
        item["name"],
        item["title"],
        item["width"],
        item["height"],
        item["medium"],
        item["template"],
        item["background"],
        qr,
        boxes,
        lines[prefix],
    )


def _flyer(values: dict[str, Any], line: int) -> FlyerSpec:
    return FlyerSpec(
        values["name"],
        values["title"],
        values["template"],
        values["stylesheet"],
        values["headline"],
        values["text"],
        tuple(values["points"]),
        values["scan_hint"],
        line,
    )


def check_campaign(campaign: Campaign, lines: dict[str, int]) -> list[Problem]:
    """The rules beyond the schema: labels, links, consent, templates, glyphs, unique names."""
    rel = campaign.source
    problems: list[Problem] = []
    for text in all_texts(campaign):
        problems += _check_template_text(rel, text)
    for post in campaign.social_posts:
        if not any(label in post.text.value for label in AD_LABELS):
            problems.append(
                Problem(
                    rel,
                    post.text.line,
                    f"{post.text.key}: label the post as advertising ('Anzeige' or '#Werbung')",
                )
            )
    for asset in (*campaign.social_posts, *campaign.emails):
        if "link" not in _variables(asset.text.value):
            problems.append(
                Problem(
                    rel,
                    asset.text.line,
                    f"{asset.text.key}: the text must carry the referral link '{{{{ link }}}}'",
                )
            )
    if not any(label in campaign.texts["label"].value for label in AD_LABELS):
        problems.append(
            Problem(
                rel, campaign.texts["label"].line, "texts.label: expected 'Anzeige' or 'Werbung'"
            )
        )
    names: dict[str, int] = {}
    for index, image in enumerate(campaign.images):
        if not any(box.text == "label" for box in image.boxes):
            problems.append(
                Problem(
                    rel,
                    image.line,
                    f"images.{index}: every image carries the advertising label: add a box with 'text: label'",
                )
            )
        for box in image.boxes:
            if box.text not in campaign.texts:
                problems.append(
                    Problem(
                        rel,
                        box.line,
                        f"images.{index}: box uses texts.{box.text}, which is not set",
                    )
                )
            if box.box.min_size > box.box.max_size:
                problems.append(
                    Problem(rel, box.line, f"images.{index}: min_size is larger than size")
                )
        problems += _check_file(rel, image.line, campaign.templates / image.template)
    flyer = campaign.flyer
    if flyer:
        problems += _check_file(rel, flyer.line, campaign.templates / flyer.template)
        problems += _check_file(rel, flyer.line, campaign.templates / flyer.stylesheet)
    named = [(image.name, image.line) for image in campaign.images]
    named += [(item.name, item.text.line) for item in (*campaign.social_posts, *campaign.emails)]
    named += [(flyer.name, flyer.line)] if flyer else []
    for name, line in named:
        if name in names:
            problems.append(Problem(rel, line, f"name '{name}' is used twice (line {names[name]})"))
        names.setdefault(name, line)
    return problems


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


ENVIRONMENT = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)


def _variables(value: str) -> set[str]:
    from jinja2 import meta

    return set(meta.find_undeclared_variables(ENVIRONMENT.parse(value)))


def _check_template_text(rel: str, text: Text) -> list[Problem]:
    try:
        unknown = _variables(text.value) - TEXT_VARIABLES
    except TemplateError as error:
        return [Problem(rel, text.line, f"{text.key}: {error}")]
    problems = [
        Problem(
            rel,
            text.line,
            f"{text.key}: unknown placeholder '{{{{ {name} }}}}' (allowed: link, code, name)",
        )
        for name in sorted(unknown)
    ]
    missing = missing_glyphs(text.value)
    if missing:
        problems.append(
            Problem(
                rel,
                text.line,
                f"{text.key}: the shipped font has no glyph for {', '.join(repr(c) for c in missing)}",
            )
        )
    return problems


def _check_file(rel: str, line: int, path: Path) -> list[Problem]:
    if path.is_file():
        return []
    return [Problem(rel, line, f"template file not found: {path.parent.name}/{path.name}")]
