"""Short links: every personal link in a kit is short, QR codes encode it, the platform can map it."""

from __future__ import annotations

import html
import json
import re

import pytest
from marketing_helpers import (
    KIT_SECRET,
    approve,
    copy_marketing,
    decode_qr,
    kit_folder,
    member_image,
    templates_files,
)
from members_helpers import kit_rows, members_csv
from pypdf import PdfReader

from generator.core.settings import load_project
from generator.marketing.load import load_campaigns
from generator.marketing.pages import short_links

SLUG = "mitglieder-werben-mitglieder"


@pytest.fixture(autouse=True)
def kit_secret(monkeypatch) -> None:
    monkeypatch.setenv("RUNDBRIEF_UNSUBSCRIBE_SECRET", KIT_SECRET)


def _kit(make_project, cli, settings_edit=None):
    root = make_project({})
    copy_marketing(root)
    if settings_edit:
        path = root / "rundbrief.yml"
        path.write_text(settings_edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    approve(root)
    members = root / "members.csv"
    members.write_text(members_csv(kit_rows([("Anna", "Beispiel", "anna-2026")])), encoding="utf-8")
    result = cli(root, "kits", "--members", str(members))
    assert result.exit_code == 0, result.stderr
    return root, kit_folder(root, "anna-2026") / SLUG


def test_every_qr_code_of_a_kit_decodes_to_a_short_link_of_at_most_45_characters(make_project, cli):
    _root, kit = _kit(make_project, cli)
    decoded = decode_qr((kit / "qr-code.png").read_bytes())
    decoded += decode_qr(member_image(kit.parent, "social-1080x1080"))
    decoded += decode_qr(member_image(kit.parent, "social-1200x630"))
    flyer = PdfReader(kit / "flyer-a5.pdf").pages[0]
    decoded += [text for image in flyer.images for text in decode_qr(image.image)]
    assert decoded == [
        "https://mwk.example/r/anna-2026/mwmp",
        "https://mwk.example/r/anna-2026/mwms",
        "https://mwk.example/r/anna-2026/mwms",
        "https://mwk.example/r/anna-2026/mwmp",
    ]
    assert all(len(link) <= 45 for link in decoded)


def test_every_text_of_a_kit_carries_only_short_links(make_project, cli):
    _root, kit = _kit(make_project, cli)
    page = (kit.parent / "index.html").read_text(encoding="utf-8")
    texts = [html.unescape(a) for a in re.findall(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)]
    assert len(texts) == 8  # three posts, two emails with a subject each, the banners' HTML
    for text in [t for t in texts if "Betreff" not in t and len(t) > 80]:
        links = re.findall(r"https://[^\s\"<>]+", text)
        assert links, text
        assert all(link.startswith("https://mwk.example/r/anna-2026/mwm") for link in links)
        assert all(len(link) <= 45 for link in links)
        assert "utm_" not in text


def test_without_a_short_link_form_the_links_are_long_with_utm_fields(make_project, cli):
    _root, kit = _kit(make_project, cli, lambda text: re.sub(r"(?m)^short_link: .*\n", "", text))
    (link,) = decode_qr((kit / "qr-code.png").read_bytes())
    assert "ref=anna-2026" in link and f"utm_campaign={SLUG}" in link and "utm_medium=print" in link


def test_a_short_link_form_without_the_medium_is_a_problem_at_its_line(make_project, cli):
    root = make_project({})
    path = root / "rundbrief.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("{campaign}{medium}", "{campaign}")
    path.write_text(text, encoding="utf-8")
    line = text.split("\n").index("short_link: https://mwk.example/r/{code}/{campaign}") + 1
    result = cli(root, "check")
    assert result.exit_code == 1
    assert f"rundbrief.yml:{line}: short_link: " in result.stderr


def test_the_platform_gets_the_table_that_maps_a_short_link_to_its_fields(make_project):
    root = make_project({})
    copy_marketing(root)
    project = load_project(root)
    campaigns, problems = load_campaigns(project)
    assert problems == []
    table = json.loads(short_links(project, campaigns))
    assert table["form"] == "https://mwk.example/r/{code}/{campaign}{medium}"
    assert table["campaigns"]["mwm"]["utm_campaign"] == SLUG
    assert table["campaigns"]["mwm"]["utm_source"] == "empfehlung"
    assert table["media"] == {"b": "banner", "s": "social", "e": "email", "p": "print"}


def test_two_campaigns_with_one_short_name_are_a_problem(make_project):
    campaign = """\
title: {title}
slug: {slug}
description: Eine Kampagne für Tests.
texts:
  label: Anzeige
  risk: Aktien sind mit Risiken verbunden.
"""
    root = make_project(
        {
            "marketing-assets/a.yml": campaign.format(title="A", slug="mehr-wert"),
            "marketing-assets/b.yml": campaign.format(title="B", slug="mit-wirkung"),
            **templates_files(),
        }
    )
    _campaigns, problems = load_campaigns(load_project(root))
    assert any("'mw'" in problem.message for problem in problems), problems
