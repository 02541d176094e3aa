"""A flyer template reads only its own folder: no machine file, no secret, no server in the PDF."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from marketing_helpers import copy_marketing
from PIL import Image
from pypdf import PdfReader

from generator.core.settings import load_project
from generator.marketing.load import load_campaigns
from generator.marketing.render import Recipient, flyer_pdf


def _red_png(path: Path) -> Path:
    Image.new("RGB", (40, 40), (255, 0, 0)).save(path)
    return path


@pytest.mark.parametrize("kind", ["img", "stylesheet", "attached link", "attached anchor"])
def test_a_flyer_naming_a_file_outside_its_folder_is_refused(tmp_path: Path, kind: str) -> None:
    secret = _red_png(tmp_path / "geheim.png")
    root = tmp_path / "projekt"
    root.mkdir()
    (root / "rundbrief.yml").write_bytes(
        (Path(__file__).parent.parent / "rundbrief.yml").read_bytes()
    )
    (root / "mkdocs.yml").write_bytes((Path(__file__).parent.parent / "mkdocs.yml").read_bytes())
    copy_marketing(root)
    template = root / "marketing-assets" / "templates" / "flyer.html.j2"
    text = template.read_text(encoding="utf-8")
    if kind == "img":
        reference = f'<img src="{secret.as_uri()}" alt="">'
    elif kind == "attached link":  # (WeasyPrint reads attachments only as it writes the PDF)
        reference = f'<link rel="attachment" href="{secret.as_uri()}">'
    elif kind == "attached anchor":
        reference = f'<a rel="attachment" href="{secret.as_uri()}">Anhang</a>'
    else:
        css = tmp_path / "fremd.css"
        css.write_text(f"body {{ background: url('{secret.as_uri()}'); }}", encoding="utf-8")
        reference = f'<link rel="stylesheet" href="{css.as_uri()}">'
    template.write_text(text.replace("</body>", reference + "</body>", 1), encoding="utf-8")
    project = load_project(root)
    campaigns, problems = load_campaigns(project)
    assert problems == []
    campaign = campaigns[0]
    assert campaign.flyer is not None

    pdf, problems = flyer_pdf(
        campaign, campaign.flyer, project.settings.operator, Recipient("anna-42", "Anna", 2)
    )

    assert pdf is None
    assert [p.path for p in problems] == ["marketing-assets/templates/flyer.html.j2"]
    expected = "keine Anhänge" if kind.startswith("attached") else "liest nur Dateien"
    assert expected in problems[0].message, problems[0].message


def test_the_shipped_flyer_still_reads_its_fonts_and_pictures() -> None:
    from marketing_helpers import repo_campaign

    project, campaign = repo_campaign()
    assert campaign.flyer is not None
    pdf, problems = flyer_pdf(
        campaign, campaign.flyer, project.settings.operator, Recipient("anna-42", "Anna", 2)
    )
    assert problems == [] and pdf is not None
    fonts = {
        str(font.get("/BaseFont", ""))
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in (page["/Resources"].get("/Font") or {}).values()
        for font in [font.get_object()]
    }
    assert any("DejaVu" in name for name in fonts), fonts


def test_an_image_template_naming_a_file_of_the_machine_draws_nothing_of_it(tmp_path: Path) -> None:
    from generator.marketing.render import png

    secret = _red_png(tmp_path / "geheim.png")
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        ' width="40" height="40"><rect width="40" height="40" fill="white"/>'
        f'<image x="0" y="0" width="40" height="40" xlink:href="{secret.as_uri()}"/></svg>'
    )
    image = Image.open(io.BytesIO(png(svg, 40, 40))).convert("RGB")
    assert (255, 0, 0) not in {image.getpixel((x, y)) for x in range(40) for y in range(40)}
