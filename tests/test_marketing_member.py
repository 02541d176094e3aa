"""For the member: a flyer for the home printer, and a guide with the texts ready to copy in every kit."""

from __future__ import annotations

import html
import re
import zipfile

import pypdfium2 as pdfium
import pytest
from marketing_helpers import approve, copy_marketing, decode_qr
from members_helpers import kit_rows, members_csv
from pypdf import PdfReader

SLUG = "mitglieder-werben-mitglieder"
MM = 72 / 25.4


@pytest.fixture
def kit(make_project, cli):
    root = make_project({})
    copy_marketing(root)
    approve(root)
    members = root / "members.csv"
    rows = kit_rows([("Anna <b>", "Beispiel & Co", "anna-2026")])
    members.write_text(members_csv(rows), encoding="utf-8")
    result = cli(root, "kits", "--members", str(members))
    assert result.exit_code == 0, result.stderr
    return root / "build" / "kits" / "anna-2026"


def test_the_home_flyer_is_a4_with_two_a5_flyers_and_no_bleed_or_marks(kit):
    home = PdfReader(kit / SLUG / "flyer-a5-zuhause.pdf")
    assert len(home.pages) == 1
    page = home.pages[0]
    assert float(page.mediabox.width) == pytest.approx(297 * MM, abs=0.5)
    assert float(page.mediabox.height) == pytest.approx(210 * MM, abs=0.5)
    # No bleed, no crop marks: every box is the page itself.
    for box in (page.trimbox, page.bleedbox):
        assert [round(float(v), 1) for v in box] == [round(float(v), 1) for v in page.mediabox]
    # Both flyers carry the member's QR code: read from the printed page, as a phone would.
    picture = pdfium.PdfDocument(kit / SLUG / "flyer-a5-zuhause.pdf")[0].render(scale=3).to_pil()
    assert decode_qr(picture) == ["https://mwk.example/r/anna-2026/mwmp"] * 2
    assert page.extract_text().count("Mitgliederwerk AG · Lindenstraße 12") == 2
    # The print shop's version stays beside it: A5 with bleed.
    shop = PdfReader(kit / SLUG / "flyer-a5.pdf").pages[0]
    assert float(shop.bleedbox.width) > float(shop.trimbox.width)


def test_every_kit_holds_the_guide_with_the_rules_the_places_and_the_texts_to_copy(kit):
    page = (kit / "so-nutzen-sie-ihre-werbemittel.html").read_text(encoding="utf-8")
    assert "<h1>So nutzen Sie Ihre Werbemittel</h1>" in page
    # The member's name is data: escaped, never markup.
    assert "Anna &lt;b&gt; Beispiel &amp; Co" in page and "<b>" not in page
    assert "<script" not in page
    # What you may do, the advertising label and the risk notice.
    for words in ("Was Sie damit tun dürfen", "„Anzeige“", "#Werbung", "Totalverlust"):
        assert words in page, words
    # Addressed as "Sie", like the help site and the newsletters (the email to friends that
    # the member copies may say "Du").
    prose = re.sub(r"<textarea.*?</textarea>", "", page, flags=re.S)
    assert not re.search(r"\b(du|dein|deine|dir)\b", prose, re.IGNORECASE)
    assert "Sie" in prose
    # Where each image fits: every image of the kit, with its size.
    for image in sorted((kit / SLUG).glob("*.png")):
        if image.name.startswith("qr-code"):
            continue
        assert f"<code>{SLUG}/{image.name}</code>" in page, image.name
    assert "Linkvorschau" in page and "Seitenleiste" in page
    # Every text ready to copy, with the member's own short link, exactly as in its file.
    areas = [html.unescape(a) for a in re.findall(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)]
    for name in ("post-kurz", "post-mittel", "post-lang"):
        text = (kit / SLUG / f"{name}.txt").read_text(encoding="utf-8").rstrip("\n")
        assert text in areas, name
    assert any("https://mwk.example/r/anna-2026/mwme" in area for area in areas)
    assert "flyer-a5-zuhause.pdf" in page


def test_the_guide_and_the_home_flyer_are_in_the_zip(kit):
    names = set(zipfile.ZipFile(kit / "werbemittel-anna-2026.zip").namelist())
    assert "werbemittel-anna-2026/so-nutzen-sie-ihre-werbemittel.html" in names
    assert f"werbemittel-anna-2026/{SLUG}/flyer-a5-zuhause.pdf" in names
