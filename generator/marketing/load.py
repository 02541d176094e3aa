"""Read and validate the campaigns in ``marketing-assets/``."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from generator.core.declare import build
from generator.core.facts import Facts, load_facts
from generator.core.files import read_bytes, walk
from generator.core.i18n import _
from generator.core.problems import Problem
from generator.core.settings import Project
from generator.core.sources import SourceFile, load_yaml_file, read_sources
from generator.marketing.campaign import TEMPLATES, Campaign, Text, TextAsset
from generator.marketing.fonts import FONT_DIR
from generator.marketing.presets import (
    STANDARD_SIZES,
    preset_images,
    preset_problems,
    with_overrides,
)
from generator.marketing.rules import check_campaign
from generator.marketing.schemas import CAMPAIGN, Brand, CampaignFile


def load_campaigns(project: Project) -> tuple[list[Campaign], list[Problem]]:
    """Read and validate every campaign YAML file in ``marketing-assets/``."""
    folder = project.assets_dir
    sources, problems = read_sources(folder, project.root, "*.yml")  # (and refuses any link out)
    campaigns: list[Campaign] = []
    templates, _refused = walk(project.root, folder / TEMPLATES)
    shared = _digest_of(project.root, templates + sorted(FONT_DIR.glob("*.ttf")))
    facts = load_facts(project)
    for source in sources:
        if source.path.parent != folder:
            continue  # only campaign files live at the top level
        loaded, found = load_yaml_file(source, CAMPAIGN)
        problems += found
        if loaded is None:
            continue
        values, lines = loaded
        values, found = _with_facts(values, lines, source, facts)
        problems += found
        picture, found = read_picture(source.rel, folder, values.get("picture"), lines)
        problems += found
        # What shapes the campaign's files: templates, fonts, the source, the facts it uses
        # (their values are in ``values``; a change to another fact renders nothing again)
        # its picture, and the platform's name (the flyer's brand).
        brand = project.settings.platform_name
        digest = hashlib.sha256(
            (shared + source.text + repr(values) + (picture or "") + brand).encode()
        ).hexdigest()
        campaign = _campaign(source.rel, values, lines, project, folder / TEMPLATES, digest)
        campaign = replace(campaign, picture=picture)
        if "preset" in values and values["preset"] is not None:
            set_texts = {k for k, v in (values.get("texts") or {}).items() if isinstance(v, str)}
            sizes = tuple(values.get("sizes") or STANDARD_SIZES)
            problems += preset_problems(source.rel, values["preset"], sizes, set_texts, lines)
        found = check_campaign(campaign)
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
                    _("slug '{slug}' is used by {other} too").format(
                        slug=campaign.slug, other=seen[campaign.slug]
                    ),
                )
            )
        seen[campaign.slug] = campaign.source
    shorts: dict[str, str] = {}
    for campaign in campaigns:
        if campaign.short_form and campaign.short in shorts:
            problems.append(
                Problem(
                    campaign.source,
                    1,
                    _(
                        "short name '{short}' of the short links is used by {other} too: set "
                        "another one with 'short:'"
                    ).format(short=campaign.short, other=shorts[campaign.short]),
                )
            )
        shorts.setdefault(campaign.short, campaign.source)
    return campaigns, problems


def _with_facts(
    values: dict[str, Any], lines: dict[str, int], source: SourceFile, facts: Facts
) -> tuple[dict[str, Any], list[Problem]]:
    """Every text of the campaign with its facts filled in; problems at the reference's line."""
    source_lines = source.text.split("\n")
    problems: list[Problem] = []

    def line_of(reference: str, key_line: int) -> int:
        # The reference stands in the file as typed, at or after the line of its key.
        for number in range(max(key_line, 1), len(source_lines) + 1):
            if reference in source_lines[number - 1]:
                return number
        return key_line

    def fill(value: Any, dotted: str, line: int) -> Any:
        if isinstance(value, str):
            text, found = facts.fill(value)
            problems.extend(
                Problem(source.rel, line_of(item.reference, line), f"{dotted}: {item.message}")
                for item in found
            )
            return text
        if isinstance(value, dict):
            named = {key: f"{dotted}.{key}" if dotted else str(key) for key in value}
            return {
                key: fill(item, named[key], lines.get(named[key], line))
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [
                fill(item, f"{dotted}.{index}", lines.get(f"{dotted}.{index}", line))
                for index, item in enumerate(value)
            ]
        return value

    return fill(values, "", 1), problems


PICTURE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
PICTURE_BYTES = 8 * 1024 * 1024
"""A photo for banners, not a camera's raw file: it is embedded in every image that shows it."""


def read_picture(
    rel: str, folder: Path, name: str | None, lines: dict[str, int]
) -> tuple[str | None, list[Problem]]:
    """The campaign's picture as a data URL: a file of ``marketing-assets/``, never a link out."""
    if name is None:
        return None, []
    line = lines.get("picture", 1)
    path = folder / name
    inside = path.resolve().is_relative_to(folder.resolve())
    below = [
        part for part in (path, *path.parents) if part.is_relative_to(folder) and part != folder
    ]
    if not inside or any(part.is_symlink() for part in below):
        return None, [
            Problem(
                rel, line, _("picture: {name} is not a file of marketing-assets/").format(name=name)
            )
        ]
    try:
        data = path.read_bytes()
    except OSError:
        return None, [
            Problem(
                rel, line, _("picture: {name} not found in marketing-assets/").format(name=name)
            )
        ]
    if len(data) > PICTURE_BYTES:
        return None, [
            Problem(rel, line, _("picture: {name} is larger than 8 MB").format(name=name))
        ]
    kind = PICTURE_TYPES[path.suffix.lower()]
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}", []


def _digest_of(root: Path, paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        data = read_bytes(path, root, path.parent)
        if not isinstance(data, Problem):
            digest.update(path.name.encode() + b"\0" + data)
    return digest.hexdigest()


def _campaign(
    rel: str,
    values: dict[str, Any],
    lines: dict[str, int],
    project: Project,
    templates: Path,
    digest: str,
) -> Campaign:
    """The campaign: its declared parts as built, its texts with the key and line of each."""
    file = build(CampaignFile, values, lines)
    images = file.images
    if file.preset is not None:
        made = preset_images(
            file.preset,
            file.sizes or STANDARD_SIZES,
            file.colors or Brand(),
            {name for name, value in vars(file.texts).items() if isinstance(value, str)},
            picture=file.picture is not None,
            line=lines.get("preset", 1),
        )
        images = with_overrides(made, file.images)

    def text(key: str, value: str) -> Text:
        return Text(key, value, lines.get(key, 1))

    named = {
        f"texts.{name}": value
        for name, value in vars(file.texts).items()
        if isinstance(value, str)  # (a text that is not set is no text)
    }
    return Campaign(
        source=rel,
        title=file.title,
        slug=file.slug,
        description=file.description,
        landing_url=file.landing_url or project.settings.referral_url,
        utm_source=file.utm_source,
        utm_campaign=file.utm_campaign or file.slug,
        short=file.short or "".join(word[0] for word in file.slug.split("-"))[:6],
        short_form=project.settings.short_link,
        platform=project.settings.platform_name,
        texts={key.removeprefix("texts."): text(key, value) for key, value in named.items()},
        images=images,
        social_posts=tuple(
            TextAsset(post.name, post.title, None, text(f"social_posts.{n}.text", post.text))
            for n, post in enumerate(file.social_posts)
        ),
        emails=tuple(
            TextAsset(
                email.name,
                email.title,
                text(f"emails.{n}.subject", email.subject),
                text(f"emails.{n}.text", email.text),
            )
            for n, email in enumerate(file.emails)
        ),
        consent_note=text("consent_note", file.consent_note),
        flyer=file.flyer,
        templates=templates,
        digest=digest,
    )
