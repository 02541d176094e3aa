"""The rules every campaign obeys beyond its schema: labels, links, consent, templates, glyphs."""

from __future__ import annotations

from pathlib import Path

from generator.core.i18n import _
from generator.core.problems import Problem
from generator.marketing.campaign import (
    AD_LABELS,
    Campaign,
    Text,
    all_texts,
    unknown_syntax,
    variables,
)
from generator.marketing.fonts import missing_glyphs


def check_campaign(campaign: Campaign) -> list[Problem]:
    """The rules beyond the schema: labels, risk notices, links, consent, templates, glyphs, names."""
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
                    _("{key}: label the post as advertising ('Anzeige' or '#Werbung')").format(
                        key=post.text.key
                    ),
                )
            )
    for asset in (*campaign.social_posts, *campaign.emails):
        if "link" not in variables(asset.text.value):
            problems.append(
                Problem(
                    rel,
                    asset.text.line,
                    _("{key}: the text must carry the referral link '{link}'").format(
                        key=asset.text.key, link="{{ link }}"
                    ),
                )
            )
    risk = campaign.texts.get("risk")
    for post in campaign.social_posts:
        if risk is None or risk.value.strip() not in post.text.value:
            problems.append(
                Problem(
                    rel,
                    post.text.line,
                    _("{key}: the post must carry the risk notice of texts.risk").format(
                        key=post.text.key
                    ),
                )
            )
    if not any(label in campaign.texts["label"].value for label in AD_LABELS):
        problems.append(
            Problem(
                rel,
                campaign.texts["label"].line,
                _("texts.label: expected 'Anzeige' or 'Werbung'"),
            )
        )
    names: dict[str, int] = {}
    for index, image in enumerate(campaign.images):
        if not any(box.text == "label" for box in image.boxes):
            problems.append(
                Problem(
                    rel,
                    image.line,
                    _(
                        "images.{index}: every image carries the advertising label: add a box with 'text: label'"
                    ).format(index=index),
                )
            )
        if not any(box.text == "risk" for box in image.boxes):
            problems.append(
                Problem(
                    rel,
                    image.line,
                    _(
                        "images.{index}: every image carries the risk notice: add a box with 'text: risk'"
                    ).format(index=index),
                )
            )
        for box in image.boxes:
            if box.text not in campaign.texts:
                problems.append(
                    Problem(
                        rel,
                        box.line,
                        _("images.{index}: box uses texts.{text}, which is not set").format(
                            index=index, text=box.text
                        ),
                    )
                )
            if box.box.min_size > box.box.max_size:
                problems.append(
                    Problem(
                        rel,
                        box.line,
                        _("images.{index}: min_size is larger than size").format(index=index),
                    )
                )
        problems += _check_file(rel, image.line, campaign.templates / image.template)
    flyer = campaign.flyer
    if flyer:
        problems += _check_file(rel, flyer.line, campaign.templates / flyer.template)
        problems += _check_file(rel, flyer.line, campaign.templates / flyer.stylesheet)
        if flyer.home_stylesheet:
            problems += _check_file(rel, flyer.line, campaign.templates / flyer.home_stylesheet)
    named = [(image.name, image.line) for image in campaign.images]
    named += [(item.name, item.text.line) for item in (*campaign.social_posts, *campaign.emails)]
    named += [(flyer.name, flyer.line)] if flyer else []
    for name, line in named:
        if name in names:
            problems.append(
                Problem(
                    rel,
                    line,
                    _("name '{name}' is used twice (line {line})").format(
                        name=name, line=names[name]
                    ),
                )
            )
        names.setdefault(name, line)
    return problems


def _check_template_text(rel: str, text: Text) -> list[Problem]:
    problems = [
        Problem(
            rel,
            text.line,
            _("{key}: unknown placeholder '{placeholder}' (allowed: link, code, name)").format(
                key=text.key, placeholder=" ".join(found.split())
            ),
        )
        for found in unknown_syntax(text.value)
    ]
    missing = missing_glyphs(text.value)
    if missing:
        problems.append(
            Problem(
                rel,
                text.line,
                _("{key}: the shipped font has no glyph for {characters}").format(
                    key=text.key, characters=", ".join(repr(c) for c in missing)
                ),
            )
        )
    return problems


def _check_file(rel: str, line: int, path: Path) -> list[Problem]:
    if path.is_file():
        return []
    return [
        Problem(
            rel,
            line,
            _("template file not found: {path}").format(path=f"{path.parent.name}/{path.name}"),
        )
    ]
