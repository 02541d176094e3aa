"""For the member: a flyer for the home printer, and a guide with the texts ready to copy in every kit."""

from __future__ import annotations

import html
import re

import pypdfium2 as pdfium
import pytest
from marketing_helpers import KIT_SECRET, approve, copy_marketing, decode_qr, kit_folder
from members_helpers import kit_rows, members_csv
from pypdf import PdfReader

SLUG = "mitglieder-werben-mitglieder"
MM = 72 / 25.4


@pytest.fixture
def kit(make_project, cli, monkeypatch):
    monkeypatch.setenv("RUNDBRIEF_UNSUBSCRIBE_SECRET", KIT_SECRET)
    root = make_project({})
    copy_marketing(root)
    approve(root)
    members = root / "members.csv"
    rows = kit_rows([("Anna <b>", "Beispiel & Co", "anna-2026")])
    members.write_text(members_csv(rows), encoding="utf-8")
    result = cli(root, "kits", "--members", str(members))
    assert result.exit_code == 0, result.stderr
    return kit_folder(root, "anna-2026")


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
    page = (kit / "index.html").read_text(encoding="utf-8")
    assert "<h1>So nutzen Sie Ihre Werbemittel</h1>" in page
    # The member's name is data: escaped, never markup.
    assert "Anna &lt;b&gt; Beispiel &amp; Co" in page and "<b>" not in page
    # One script, the kit's own, which puts the member's images together in the browser.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="../gemeinsam/bilder.js" defer>']
    # What you may do, the advertising label and the risk notice.
    for words in ("Was Sie damit tun dürfen", "„Anzeige“", "#Werbung", "Totalverlust"):
        assert words in page, words
    # Addressed as "Sie", like the help site and the newsletters (the email to friends that
    # the member copies may say "Du").
    prose = re.sub(r"<textarea.*?</textarea>", "", page, flags=re.S)
    assert not re.search(r"\b(du|dein|deine|dir)\b", prose, re.IGNORECASE)
    assert "Sie" in prose
    # Where each image fits: every image of the kit, with its size; the ones every member
    # shares from the shared folder, the member's own put together from its parts.
    for image in sorted((kit.parent / "gemeinsam" / SLUG).glob("*.png")):
        if image.name.startswith("social"):
            assert f'href="../gemeinsam/{SLUG}/{image.name}" download="{image.name}"' in page
            assert f'data-teile="{SLUG}/{image.stem}-teile.png"' in page
        else:
            assert f'<a href="../gemeinsam/{SLUG}/{image.name}" download>' in page, image.name
    assert "Linkvorschau" in page and "Seitenleiste" in page
    # Every text ready to copy, with the member's own short link.
    areas = [html.unescape(a) for a in re.findall(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)]
    assert [a for a in areas if a.startswith("#Werbung Ich bin Mitglied")] == [
        "#Werbung Ich bin Mitglied bei Mitgliederwerk. Wer über meinen Link beitritt, erhält "
        "10 € Willkommensguthaben: https://mwk.example/r/anna-2026/mwms Aktien sind mit "
        "Risiken bis hin zum Totalverlust verbunden."
    ]
    assert any("https://mwk.example/r/anna-2026/mwme" in area for area in areas)
    assert "flyer-a5-zuhause.pdf" in page


def test_the_page_links_the_home_flyer_and_every_file_of_the_kit(kit):
    page = html.unescape((kit / "index.html").read_text(encoding="utf-8"))
    links = set(re.findall(r'(?:href|data-teile)="([^"]+)"', page))
    own = {p.relative_to(kit).as_posix() for p in (kit / SLUG).iterdir()}
    assert own <= links  # nothing in the kit the page does not offer
    assert f"{SLUG}/flyer-a5-zuhause.pdf" in links
