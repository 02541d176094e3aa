"""Werbemittel rendering: exact image sizes, text fitting, font coverage, labels and notes."""

from __future__ import annotations

import io
import re

import pytest
from marketing_helpers import LONG_NAME, decode_qr, repo_campaign, templates_files
from PIL import Image

from generator.marketing.assets import email_text, render_assets
from generator.marketing.campaign import all_texts
from generator.marketing.fonts import covered, missing_glyphs
from generator.marketing.render import GENERIC, Recipient, image_svg, png
from generator.marketing.textfit import Box, fit

EXPECTED_SIZES = {
    "banner-300x250": (300, 250),
    "banner-728x90": (728, 90),
    "banner-160x600": (160, 600),
    "banner-320x50": (320, 50),
    "social-1080x1080": (1080, 1080),
    "social-1200x630": (1200, 630),
}


@pytest.fixture(scope="module")
def generic_assets():
    project, campaign = repo_campaign()
    assets, problems = render_assets(campaign, project.settings.operator, GENERIC)
    assert problems == []
    return {asset.filename: asset for asset in assets}


def test_every_png_has_exactly_its_declared_size(generic_assets):
    _, campaign = repo_campaign()
    declared = {spec.name: (spec.width, spec.height) for spec in campaign.images}
    assert declared == EXPECTED_SIZES
    for name, size in declared.items():
        image = Image.open(io.BytesIO(generic_assets[f"{name}.png"].data))
        assert image.format == "PNG"
        assert image.size == size, name


def test_a_very_long_name_fits_by_wrapping_and_shrinking():
    project, campaign = repo_campaign()
    member = Recipient("max-1", " ".join(LONG_NAME), 2)
    for spec in (s for s in campaign.images if any(box.member for box in s.boxes)):
        svg, problems = image_svg(campaign, spec, member)
        assert problems == []
        assert svg is not None
        texts = re.findall(r"<text [^>]*font-size=\"(\d+)\"[^>]*>([^<]*)</text>", svg)
        shown = " ".join(text for _, text in texts)
        # Wrapped, never cut: every part of the name is on the image.
        assert all(part in shown for part in LONG_NAME), spec.name
        image = Image.open(io.BytesIO(png(svg, spec.width, spec.height)))
        assert image.size == (spec.width, spec.height)


def test_fitting_wraps_at_hyphens_then_shrinks():
    name = "Eine Empfehlung von " + " ".join(LONG_NAME)
    box = Box(0, 0, 220, 120, max_size=40, min_size=10)
    fitted = fit(name, box)
    assert fitted is not None
    assert fitted.size < 40
    assert len(fitted.lines) >= 2
    assert "".join(line.text.replace(" ", "") for line in fitted.lines) == name.replace(" ", "")
    assert fit(name, Box(0, 0, 60, 12, max_size=12, min_size=10)) is None


CAMPAIGN = """\
title: Test
slug: test
description: Eine Kampagne für Tests.
utm_campaign: test
texts:
  label: Anzeige
  headline: {headline}
  risk: Aktien sind mit Risiken bis hin zum Totalverlust verbunden.
images:
  - name: banner-320x50
    title: Mobile Banner
    width: 320
    height: 50
    medium: banner
    boxes:
      - {{text: label, x: 50, y: 2, width: 60, height: 12, size: 9, min_size: 8}}
      - {{text: headline, x: 50, y: 14, width: 150, height: 24, size: 14, min_size: 9, bold: true}}
      - {{text: risk, x: 50, y: 38, width: 266, height: 11, size: 8, min_size: 7}}
consent_note: Nur an Menschen schicken, die zugestimmt haben.
"""


def test_a_text_too_long_for_any_size_is_a_problem_at_its_line(make_project, cli):
    headline = "Mitgliederwerk – gemeinsam gehört uns mehr, heute, morgen und übermorgen"
    files = {"marketing-assets/test.yml": CAMPAIGN.format(headline=headline), **templates_files()}
    project = make_project(files)
    result = cli(project, "check")
    assert result.exit_code == 1
    assert (
        "marketing-assets/test.yml:7: texts.headline: passt auch mit 9 px nicht in seine Box "
        "im Bild 'banner-320x50' (320×50); kürzen Sie den Text"
    ) in result.stderr
    assert not (project / "build").exists()


def test_a_short_text_in_the_same_box_passes(make_project, cli):
    files = {
        "marketing-assets/test.yml": CAMPAIGN.format(headline="Mitmachen!"),
        **templates_files(),
    }
    result = cli(make_project(files), "check")
    assert result.exit_code == 0, result.stderr


def test_the_shipped_font_covers_every_character_of_the_campaign():
    _, campaign = repo_campaign()
    text = "".join(t.value for t in all_texts(campaign)) + " ".join(LONG_NAME)
    for needed in "äöüÜß€„“–":
        assert needed in text
    for needed in "äöüÄÖÜßẞ€„“‚‘–»«":
        assert ord(needed) in covered() and ord(needed) in covered(bold=True)
    assert missing_glyphs(text) == []
    assert missing_glyphs(text, bold=True) == []
    assert missing_glyphs("Emoji 🙂") == ["🙂"]


def test_a_glyph_the_font_lacks_is_a_problem(make_project, cli):
    files = {"marketing-assets/test.yml": CAMPAIGN.format(headline="Hallo 🙂"), **templates_files()}
    result = cli(make_project(files), "check")
    assert result.exit_code == 1
    assert (
        "marketing-assets/test.yml:7: texts.headline: die mitgelieferte Schrift enthält kein "
        "Zeichen für '🙂'" in result.stderr
    )


def test_every_banner_and_social_image_carries_the_advertising_label():
    _, campaign = repo_campaign()
    for spec in campaign.images:
        for recipient in (GENERIC, Recipient("anna", "Anna Beispiel", 2)):
            svg, _ = image_svg(campaign, spec, recipient)
            assert svg is not None and ">Anzeige</text>" in svg, spec.name


def test_an_image_without_the_label_is_a_problem(make_project, cli):
    text = CAMPAIGN.format(headline="Mitmachen!").replace(
        "      - {text: label, x: 50, y: 2, width: 60, height: 12, size: 9, min_size: 8}\n", ""
    )
    result = cli(make_project({"marketing-assets/test.yml": text, **templates_files()}), "check")
    assert result.exit_code == 1
    assert (
        "marketing-assets/test.yml:10: images.0: jedes Bild trägt den Werbehinweis: "
        "fügen Sie eine Box mit 'text: label' hinzu"
    ) in result.stderr


def test_every_social_text_is_labelled_and_carries_the_link(generic_assets):
    _, campaign = repo_campaign()
    assert len(campaign.social_posts) == 3
    for post in campaign.social_posts:
        text = generic_assets[f"{post.name}.txt"].data.decode()
        assert "Anzeige" in text or "#Werbung" in text
        assert "https://mwk.example/r/DEINCODE/mwms" in text  # (short: rundbrief.yml)


def test_a_social_text_without_label_is_a_problem(make_project, cli):
    text = CAMPAIGN.format(headline="Mitmachen!") + (
        "social_posts:\n  - name: kurz\n    title: Kurz\n    text: Komm zu uns! {{ link }}\n"
    )
    result = cli(make_project({"marketing-assets/test.yml": text, **templates_files()}), "check")
    assert result.exit_code == 1
    assert (
        "marketing-assets/test.yml:23: social_posts.0.text: kennzeichnen Sie den Beitrag als "
        "Werbung ('Anzeige' oder '#Werbung')"
    ) in result.stderr


def test_every_email_text_carries_the_consent_note(generic_assets):
    _, campaign = repo_campaign()
    assert len(campaign.emails) == 2
    note = campaign.consent_note.value
    assert "erlaubt" in note
    for email in campaign.emails:
        text = generic_assets[f"{email.name}.txt"].data.decode()
        assert text.startswith(note)
        assert "Betreff: " in text and "https://mwk.example/r/DEINCODE/mwme" in text
        member_text = email_text(campaign, email, Recipient("anna", "Anna Beispiel", 2))
        assert member_text.startswith(note) and "https://mwk.example/r/anna/mwme" in member_text


def test_generic_qr_code_leads_to_the_landing_page_with_utm_fields(generic_assets):
    (url,) = decode_qr(generic_assets["qr-code.png"].data)
    assert url == (
        "https://www.mitgliederwerk.example/mitmachen?utm_source=empfehlung&utm_medium=print"
        "&utm_campaign=mitglieder-werben-mitglieder&utm_content=qr-code"
    )


def test_a_soft_hyphen_breaks_a_compound_with_a_visible_hyphen():
    box = Box(0, 0, 132, 60, max_size=16, min_size=10, bold=True)
    fitted = fit("10 € Willkommens\u00adguthaben", box)
    assert fitted is not None
    assert [line.text for line in fitted.lines] == ["10 €", "Willkommens-", "guthaben"]
    assert fitted.size == 16
    whole = fit("10 € Willkommens\u00adguthaben", Box(0, 0, 600, 60, max_size=16, min_size=10))
    assert whole is not None and [line.text for line in whole.lines] == ["10 € Willkommensguthaben"]
