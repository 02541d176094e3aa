"""Read and validate the campaigns in ``marketing-assets/``."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from generator.core.facts import Facts, load_facts
from generator.core.files import read_bytes, walk
from generator.core.i18n import _
from generator.core.problems import Problem
from generator.core.settings import Project
from generator.core.sources import SourceFile, load_yaml_file, read_sources
from generator.marketing.campaign import (
    TEMPLATES,
    Campaign,
    FlyerSpec,
    ImageSpec,
    Placed,
    QrSpot,
    Text,
    TextAsset,
)
from generator.marketing.fonts import FONT_DIR
from generator.marketing.rules import check_campaign
from generator.marketing.schemas import CAMPAIGN
from generator.marketing.textfit import Box


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
        # What shapes the campaign's files: templates, fonts, the source and the facts it uses
        # (their values are in ``values``; a change to another fact renders nothing again).
        digest = hashlib.sha256((shared + source.text + repr(values)).encode()).hexdigest()
        campaign = _campaign(source.rel, values, lines, project, folder / TEMPLATES, digest)
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
