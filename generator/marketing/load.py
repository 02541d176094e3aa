"""Read and validate the campaigns in ``marketing-assets/``."""

from __future__ import annotations

import hashlib
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
from generator.marketing.rules import check_campaign
from generator.marketing.schemas import CAMPAIGN, CampaignFile


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
    """The campaign: its declared parts as built, its texts with the key and line of each."""
    file = build(CampaignFile, values, lines)

    def text(key: str, value: str) -> Text:
        return Text(key, value, lines[key])

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
        utm_campaign=file.utm_campaign,
        texts={key.removeprefix("texts."): text(key, value) for key, value in named.items()},
        images=file.images,
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
