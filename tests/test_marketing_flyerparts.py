"""A member's flyer from the shared layout: the same page as laid out whole, at a fraction of the work."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pypdfium2
import pytest
from marketing_helpers import copy_marketing, decode_qr, repo_campaign
from pypdf import PdfReader

from generator.core.settings import load_project
from generator.marketing import flyerparts, render
from generator.marketing.flyerparts import member_flyer
from generator.marketing.load import load_campaigns
from generator.marketing.render import Recipient, flyer_pdf

REPO = Path(__file__).resolve().parent.parent


def _campaign(root: Path):
    """The project at ``root`` and its one campaign, which has a flyer."""
    project = load_project(root)
    campaigns, problems = load_campaigns(project)
    assert problems == []
    (campaign,) = campaigns
    assert campaign.flyer is not None
    return project, campaign


def _pixels(pdf: bytes) -> np.ndarray:
    page = pypdfium2.PdfDocument(pdf)[0]
    return np.asarray(page.render(scale=2).to_pil().convert("RGB"), dtype=np.int16)


@pytest.mark.parametrize("home", [False, True], ids=["druckerei", "zuhause"])
@pytest.mark.parametrize("code", ["anna-42", "m00001-123456"])
def test_a_members_flyer_is_the_page_laid_out_whole(home: bool, code: str) -> None:
    project, campaign = repo_campaign()
    assert campaign.flyer is not None
    member = Recipient(code, "Anna Beispiel", 2)
    whole, _ = flyer_pdf(campaign, campaign.flyer, project.settings.operator, member, home=home)
    pdf, problems = member_flyer(
        campaign, campaign.flyer, project.settings.operator, member, home=home
    )
    assert problems == [] and pdf is not None and whole is not None
    expected, got = _pixels(whole), _pixels(pdf)
    assert got.shape == expected.shape
    # The home printer's second flyer is half a pixel wider where the cut line stands.
    assert (np.abs(got - expected).max(axis=2) > 8).mean() < 0.0005
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = page.extract_text()
    assert text.count(f"mwk.example/r/{code}/mwmp") == (2 if home else 1)  # real text
    assert "DEINCODE" not in text and "Maxi" not in text
    decoded = [t for image in page.images for t in decode_qr(image.image)]
    assert decoded == [f"https://mwk.example/r/{code}/mwmp"]  # (one image, drawn twice at home)
    fonts = [
        font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        for font in page["/Resources"]["/Font"].values()
    ]
    assert fonts and all("/FontFile2" in descriptor for descriptor in fonts)  # embedded


def test_kits_lay_out_the_shared_flyer_once_and_each_member_only_their_area(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project, campaign = repo_campaign()
    assert campaign.flyer is not None
    layouts: list[bool] = []
    real = render.flyer_document

    def counted(*arguments, **options):  # type: ignore[no-untyped-def]
        layouts.append(bool(options.get("personal")))
        return real(*arguments, **options)

    monkeypatch.setattr(render, "flyer_document", counted)
    monkeypatch.setattr(flyerparts, "flyer_document", counted)
    monkeypatch.setattr(flyerparts, "_shared", {})
    from generator.marketing.assets import render_assets

    for number in range(4):
        member = Recipient(f"mitglied-{number}", f"Mitglied {number}", number + 2)
        assets, problems = render_assets(campaign, project.settings.operator, member, {})
        assert problems == []
        assert [a.filename for a in assets if a.kind == "flyer"] == [
            "flyer-a5.pdf",
            "flyer-a5-zuhause.pdf",
        ]
    # Two whole layouts (print shop, home printer) for all four; one small one per member.
    assert layouts.count(False) == 2
    assert layouts.count(True) == 4


def _project_with_template(tmp_path: Path, change: tuple[str, str]) -> Path:
    root = tmp_path / "projekt"
    root.mkdir()
    for name in ("rundbrief.yml", "mkdocs.yml"):
        (root / name).write_bytes((REPO / name).read_bytes())
    copy_marketing(root)
    template = root / "marketing-assets" / "templates" / "flyer.html.j2"
    text = template.read_text(encoding="utf-8")
    assert change[0] in text
    template.write_text(text.replace(*change), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "change",
    [
        ('<p class="register">', '<p class="register">Code {{ code }} · '),
        (" data-persoenlich", ""),
    ],
    ids=["names-the-member-outside-the-area", "no-area-marked"],
)
def test_a_template_that_names_the_member_elsewhere_is_laid_out_whole(
    tmp_path: Path, change: tuple[str, str]
) -> None:
    project, campaign = _campaign(_project_with_template(tmp_path, change))
    member = Recipient("ben-7", "Ben Muster", 3)
    pdf, problems = member_flyer(
        campaign, campaign.flyer, project.settings.operator, member, home=False
    )
    assert problems == [] and pdf is not None
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "DEINCODE" not in text
    assert text.count("ben-7") == (3 if "register" in change[0] else 2)


def test_a_home_stylesheet_that_restyles_the_personal_area_is_followed(tmp_path: Path) -> None:
    root = _project_with_template(tmp_path, ("<title>", "<title>"))
    sheet = root / "marketing-assets" / "templates" / "flyer-zuhause.css"
    sheet.write_text(
        sheet.read_text(encoding="utf-8") + "\n.link { font-size: 12pt; color: #b00020; }\n",
        encoding="utf-8",
    )
    project, campaign = _campaign(root)
    member = Recipient("cara-9", "Cara Beispiel", 4)
    operator = project.settings.operator
    whole, _ = flyer_pdf(campaign, campaign.flyer, operator, member, home=True)
    pdf, problems = member_flyer(campaign, campaign.flyer, operator, member, home=True)
    assert problems == [] and pdf is not None and whole is not None
    expected, got = _pixels(whole), _pixels(pdf)
    assert (np.abs(got - expected).max(axis=2) > 8).mean() < 0.0005
    red = (got[..., 0] > 150) & (got[..., 1] < 60) & (got[..., 2] < 80)
    assert red.sum() > 100  # the link in the home printer's colour
    print_shop, _ = member_flyer(campaign, campaign.flyer, operator, member, home=False)
    assert print_shop is not None
    still = _pixels(print_shop)
    assert not ((still[..., 0] > 150) & (still[..., 1] < 60) & (still[..., 2] < 80)).any()


@pytest.mark.parametrize(
    "change",
    [
        ('<p class="register">', '<p class="register"><img src="{{ qr }}" alt="QR"> '),
        ('<p class="register">', '<p class="register"><a href="{{ link }}">Hier</a> '),
    ],
    ids=["qr-code-outside-the-area", "link-outside-the-area"],
)
def test_a_template_that_shows_the_members_qr_or_link_elsewhere_is_laid_out_whole(
    tmp_path: Path, change: tuple[str, str]
) -> None:
    # Shared, the sample's QR code or link would be printed on every member's flyer.
    project, campaign = _campaign(_project_with_template(tmp_path, change))
    shared, problems = flyerparts._shared_layout(
        campaign, campaign.flyer, project.settings.operator, home=False
    )
    assert problems == [] and shared is None
