"""The print flyer: A5 with 3 mm bleed, crop marks, the operator's address and a working QR code."""

from __future__ import annotations

import io

import pytest
from marketing_helpers import decode_qr, repo_campaign
from pypdf import PdfReader

from generator.marketing.render import GENERIC, Recipient, flyer_pdf

BLEED_PT = 3 / 25.4 * 72  # 3 mm in PostScript points: 8.5 pt
A5_PT = (148 / 25.4 * 72, 210 / 25.4 * 72)


@pytest.fixture(scope="module")
def member_flyer() -> PdfReader:
    project, campaign = repo_campaign()
    assert campaign.flyer is not None
    pdf, problems = flyer_pdf(
        campaign,
        campaign.flyer,
        project.settings.operator,
        Recipient("anna-42", "Anna Beispiel", 2),
    )
    assert problems == [] and pdf is not None
    return PdfReader(io.BytesIO(pdf))


def test_flyer_is_one_a5_page_with_3_mm_bleed_outside_the_trim_box(member_flyer):
    assert len(member_flyer.pages) == 1
    page = member_flyer.pages[0]
    trim, bleed = page.trimbox, page.bleedbox
    assert float(trim.width) == pytest.approx(A5_PT[0], abs=0.1)
    assert float(trim.height) == pytest.approx(A5_PT[1], abs=0.1)
    # Compare sizes, not coordinates: the bleed box starts at a negative origin.
    assert float(bleed.width) - float(trim.width) == pytest.approx(2 * BLEED_PT, abs=0.05)
    assert float(bleed.height) - float(trim.height) == pytest.approx(2 * BLEED_PT, abs=0.05)
    assert float(trim.left) - float(bleed.left) == pytest.approx(BLEED_PT, abs=0.05)
    # Crop marks are drawn outside the bleed: the media box is at least as large.
    assert float(page.mediabox.width) >= float(bleed.width)


def test_flyer_names_the_operator_with_postal_address(member_flyer):
    project, _ = repo_campaign()
    operator = project.settings.operator
    text = member_flyer.pages[0].extract_text()
    for part in (operator.name, operator.street, operator.city):
        assert part in text
    assert "Anzeige".upper() in text.upper()
    assert "Totalverlust" in text


def test_qr_code_in_the_flyer_decodes_to_the_members_short_link(member_flyer):
    images = member_flyer.pages[0].images
    decoded = [text for image in images for text in decode_qr(image.image)]
    # rundbrief.yml's short_link: code, the campaign's short name, p for print.
    assert decoded == ["https://mwk.example/r/anna-42/mwmp"]
    text = member_flyer.pages[0].extract_text()
    assert "anna-42" in text and "mwk.example/r/anna-42/mwmp" in text


def test_generic_flyer_shows_no_placeholder_code():
    project, campaign = repo_campaign()
    assert campaign.flyer is not None
    pdf, _ = flyer_pdf(campaign, campaign.flyer, project.settings.operator, GENERIC)
    assert pdf is not None
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert "DEINCODE" not in page.extract_text()
    (url,) = [text for image in page.images for text in decode_qr(image.image)]
    assert "ref=" not in url and "utm_medium=print" in url


def test_the_flyer_names_the_platform_as_rundbrief_yml_does():
    from dataclasses import replace

    project, campaign = repo_campaign()
    assert campaign.platform == project.settings.platform_name == "Mitgliederwerk"
    other = replace(campaign, platform="Anderswerk")
    assert other.flyer is not None
    pdf, _ = flyer_pdf(other, other.flyer, project.settings.operator, GENERIC)
    assert pdf is not None
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Anderswerk" in text and "Mitgliederwerk\n" not in text
