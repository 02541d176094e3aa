"""Werbemittel from a design: layout presets, the twenty-line scaffold, readable text on every image."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marketing_helpers import REPO, templates_files
from PIL import Image

from generator.core.settings import load_project
from generator.marketing.assets import render_assets
from generator.marketing.contrast import needed_ratio, ratio
from generator.marketing.load import load_campaigns
from generator.marketing.presets import STANDARD_SIZES, preset_images, shape
from generator.marketing.render import GENERIC, Recipient, image_svg
from generator.marketing.schemas import Brand

FACTS = {"fakten.yml": (REPO / "fakten.yml").read_text(encoding="utf-8")}
PICTURE = (REPO / "content" / "assets" / "mwm-dezember.jpg").read_bytes()


def _render(project_root):
    project = load_project(project_root)
    campaigns, problems = load_campaigns(project)
    assert problems == []
    rendered = {}
    for campaign in campaigns:
        assets, found = render_assets(campaign, project.settings.operator, GENERIC)
        rendered[campaign.slug] = (campaign, assets, found)
    return rendered


def test_a_scaffolded_campaign_is_at_most_twenty_lines_and_builds_every_size(make_project, cli):
    root = make_project({**FACTS, **templates_files()})
    result = cli(root, "new", "kampagne", "Frühjahr für alle")
    assert result.exit_code == 0, result.stderr
    path = root / "marketing-assets" / "fruehjahr-fuer-alle.yml"
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 20
    assert cli(root, "check").exit_code == 0
    campaign, assets, problems = _render(root)["fruehjahr-fuer-alle"]
    assert problems == []
    images = {a.filename: Image.open(io.BytesIO(a.data)).size for a in assets if a.kind == "image"}
    expected = {
        f"{name}.png": tuple(map(int, name.split("-")[1].split("x"))) for name in STANDARD_SIZES
    }
    assert images == expected
    assert campaign.utm_campaign == "fruehjahr-fuer-alle"  # the slug, unless set
    again = cli(root, "new", "kampagne", "Frühjahr für alle")
    assert again.exit_code != 0  # never overwritten
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 20


PRESET = """\
title: Test
slug: test
description: Eine Kampagne für Tests.
preset: {preset}
{extra}
texts:
  label: Anzeige
  headline: Gemeinsam mehr bewegen.
  number: 10 €
  quote: „Ich rede mit, statt nur Kundin zu sein.“
  bonus: "10 € Willkommens\\u00adguthaben"
  cta: Jetzt Mitglied werden
  recommended_by: "Eine Empfehlung von\\n{{{{ name }}}}"
  risk: Aktien sind mit Risiken bis hin zum Totalverlust verbunden.
"""


@pytest.mark.parametrize(
    ("preset", "extra"),
    [("big-number", ""), ("photo-quote", "picture: bilder/foto.jpg"), ("photo-quote", "")],
)
def test_every_preset_places_every_text_readably_at_every_size(make_project, preset, extra):
    files = {"marketing-assets/test.yml": PRESET.format(preset=preset, extra=extra)}
    files |= {"marketing-assets/bilder/foto.jpg": PICTURE, **templates_files()}
    campaign, assets, problems = _render(make_project(files))["test"]
    assert problems == []
    assert {spec.name for spec in campaign.images} == set(STANDARD_SIZES)
    main_text = "number" if preset == "big-number" else "quote"
    for spec in campaign.images:
        assert any(box.text == main_text for box in spec.boxes), spec.name
        # (A strip 50 pixels high keeps its whole width for the texts.)
        has_room = shape(spec.width, spec.height) != "strip"
        assert (spec.picture is not None) == (bool(extra) and has_room), spec.name
    # And for a member: the name box is placed and fits.
    member = Recipient("ANNA2026", "Anna Beispiel", 2)
    for spec in campaign.images:
        svg, found = image_svg(campaign, spec, member)
        assert found == [] and svg is not None
        if spec.qr:
            assert "Anna Beispiel" in svg


def test_a_preset_needs_the_text_it_is_built_around(make_project, cli):
    text = PRESET.format(preset="big-number", extra="").replace("  number: 10 €\n", "")
    root = make_project({"marketing-assets/test.yml": text, **templates_files()})
    result = cli(root, "check")
    assert result.exit_code == 1
    assert "marketing-assets/test.yml:4: " in result.stderr
    assert "texts.number" in result.stderr


def test_an_unknown_size_is_a_problem_at_its_line(make_project, cli):
    text = PRESET.format(preset="big-number", extra="sizes: [banner-300x250, plakat-a1]")
    root = make_project({"marketing-assets/test.yml": text, **templates_files()})
    result = cli(root, "check")
    assert result.exit_code == 1
    assert "marketing-assets/test.yml:5: " in result.stderr
    assert "plakat-a1" in result.stderr


def test_own_pixel_boxes_replace_the_presets_image_of_that_name(make_project):
    own = """\
images:
  - name: banner-320x50
    title: Eigenes Mobile Banner
    width: 320
    height: 50
    medium: banner
    boxes:
      - {text: label, x: 50, y: 2, width: 60, height: 12, size: 9, min_size: 8}
      - {text: risk, x: 50, y: 38, width: 266, height: 11, size: 8, min_size: 7}
"""
    text = PRESET.format(preset="big-number", extra="sizes: [banner-320x50, banner-300x250]")
    campaign, _assets, problems = _render(
        make_project({"marketing-assets/test.yml": text + own, **templates_files()})
    )["test"]
    assert problems == []
    named = {spec.name: spec for spec in campaign.images}
    assert set(named) == {"banner-320x50", "banner-300x250"}
    assert named["banner-320x50"].title == "Eigenes Mobile Banner"
    assert [box.text for box in named["banner-320x50"].boxes] == ["label", "risk"]


@settings(max_examples=12, deadline=None)
@given(
    width=st.integers(min_value=120, max_value=1600),
    height=st.integers(min_value=40, max_value=1600),
    preset=st.sampled_from(["headline-button", "big-number", "photo-quote"]),
)
def test_a_preset_keeps_every_box_inside_the_image(width, height, preset):
    texts = {
        "label",
        "headline",
        "subline",
        "bonus",
        "cta",
        "risk",
        "number",
        "quote",
        "recommended_by",
    }
    (spec,) = preset_images(
        preset, (f"social-{width}x{height}",), Brand(), texts, picture=True, line=4
    )
    assert (spec.width, spec.height) == (width, height)
    for box in spec.boxes:
        assert box.x >= 0 and box.x + box.width <= width + 0.5, (shape(width, height), box)
        assert box.y >= 0 and box.y + box.height <= height + 0.5, (shape(width, height), box)
        assert box.min_size <= box.size
    if spec.qr:
        assert spec.qr.x + spec.qr.size <= width + 0.5 and spec.qr.y + spec.qr.size <= height + 0.5


# Readable text: a box of white text laid on the yellow decoration of the square social image.
ON_YELLOW = """\
title: Test
slug: test
description: Eine Kampagne für Tests.
texts:
  label: Anzeige
  cta: Mitmachen
  risk: Aktien sind mit Risiken bis hin zum Totalverlust verbunden.
images:
  - name: social-1080x1080
    title: Social
    width: 1080
    height: 1080
    medium: social
    boxes:
      - {{text: label, x: 60, y: 40, width: 300, height: 50, size: 34, min_size: 24}}
      - {{text: cta, x: 850, y: 235, width: 225, height: 60, size: 40, min_size: 30, bold: true{extra}}}
      - {{text: risk, x: 60, y: 1010, width: 660, height: 50, size: 22, min_size: 16}}
"""


def test_white_text_on_the_yellow_decoration_is_a_problem_at_its_line(make_project, cli):
    root = make_project(
        {"marketing-assets/test.yml": ON_YELLOW.format(extra=""), **templates_files()}
    )
    result = cli(root, "check")
    assert result.exit_code == 1
    problem = next(line for line in result.stderr.splitlines() if "test.yml:" in line)
    assert problem.startswith("marketing-assets/test.yml:16: texts.cta: #ffffff auf #")
    assert "'social-1080x1080'" in problem
    assert "3:1" in problem  # 40 px bold is large text
    # The colour behind is the yellow, as drawn over the petrol.
    behind = problem.split(" auf ")[1][:7]
    assert ratio("#ffffff", behind) < 3
    assert not (root / "build").exists()


@pytest.mark.parametrize("extra", [", color: auto", ", plate: auto", ', color: "#004d40"'])
def test_a_readable_colour_or_a_plate_makes_it_pass(make_project, cli, extra):
    root = make_project(
        {"marketing-assets/test.yml": ON_YELLOW.format(extra=extra), **templates_files()}
    )
    result = cli(root, "check")
    assert result.exit_code == 0, result.stderr


def test_wcag_thresholds():
    assert round(ratio("#ffffff", "#ffc107"), 2) == 1.63
    assert round(ratio("#000000", "#ffffff"), 1) == 21.0
    assert needed_ratio(23, False) == 4.5 and needed_ratio(24, False) == 3
    assert needed_ratio(18, True) == 4.5 and needed_ratio(19, True) == 3


def test_the_example_campaign_is_a_preset_and_readable_everywhere():
    # (readable: test_marketing_render renders it and asserts no problems)
    text = (REPO / "marketing-assets" / "mitglieder-werben-mitglieder.yml").read_text(
        encoding="utf-8"
    )
    assert "preset: headline-button" in text and "boxes:" not in text


def test_a_picture_that_is_missing_or_a_link_out_is_a_problem_at_its_line(make_project, tmp_path):
    outside = tmp_path / "geheim.jpg"
    outside.write_bytes(PICTURE)
    files = {
        "marketing-assets/a.yml": PRESET.format(preset="photo-quote", extra="picture: fehlt.jpg"),
        "marketing-assets/b.yml": PRESET.format(
            preset="photo-quote", extra="picture: link.jpg"
        ).replace("slug: test", "slug: zwei"),
        **templates_files(),
    }
    root = make_project(files)
    (root / "marketing-assets" / "link.jpg").symlink_to(outside)
    _campaigns, problems = load_campaigns(load_project(root))
    messages = {(p.path, p.line, p.message) for p in problems}
    assert (
        "marketing-assets/a.yml",
        5,
        "picture: fehlt.jpg nicht in marketing-assets/ gefunden",
    ) in messages
    assert (
        "marketing-assets/b.yml",
        5,
        "picture: link.jpg ist keine Datei in marketing-assets/",
    ) in messages
