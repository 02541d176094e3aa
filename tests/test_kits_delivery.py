"""A member's kit reaches them: the link in their mail opens their own page, nobody else's.

The newsletter's ``{{ member.werbemittel_url }}`` goes out through aiosmtpd; ``build/kits/``
is served over HTTP as the operator publishes it under ``kits.url``; the link from the mail
is followed; Chromium puts the member's images together on their page.
"""

from __future__ import annotations

import io
import re
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from conftest import git
from marketing_helpers import decode_qr, kit_folder, member_image
from members_helpers import member, member_row, members_file
from PIL import Image
from smtp_helpers import body_text, send

from generator.core.settings import load_project
from generator.marketing.load import load_campaigns
from generator.marketing.render import Recipient, compact, image_svg, png

REFERRAL = "newsletters/2026-12-01-mitglieder-werben-mitglieder.md"
KITS_URL = "https://hilfe.mitgliederwerk.example/werbemittel/pakete/"
SLUG = "mitglieder-werben-mitglieder"


@pytest.fixture
def delivered(example_project, cli, smtp, tmp_path, serve_dir):
    """Kits written and the referral newsletter sent with the kit link; the kits served."""
    project = example_project
    settings = project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(f"{text}\nkits:\n  url: {KITS_URL}\n", encoding="utf-8")
    path = project / REFERRAL
    text = path.read_text(encoding="utf-8").replace("status: draft", "status: approved")
    text += "\nIhre persönlichen Werbemittel: [zu Ihren Bildern]({{ member.werbemittel_url }})\n"
    path.write_text(text, encoding="utf-8")
    git(project, "commit", "-q", "-am", "kit link")
    git(project, "push", "-q", "origin", "main")
    rows = [member_row(1, "Anna", "Beispiel"), member_row(2, "Ben", "Schmidt")]
    members = members_file(tmp_path / "private", rows)
    kits = cli(project, "kits", "--members", str(members), env=smtp.env())
    assert kits.exit_code == 0, kits.stderr
    sent = send(cli, project, members, smtp, newsletter=REFERRAL)
    assert sent.exit_code == 0, sent.stderr
    return project, serve_dir(project / "build" / "kits")


def kit_link(smtp, address: str) -> str:
    """The kit link of the mail ``address`` got (the same in the HTML and the text part)."""
    (message,) = [r.message for r in smtp.recorder.received if r.recipients == [address]]
    html, text = body_text(message)
    links = set(re.findall(re.escape(KITS_URL) + r"[^\s\"<>)]*", text))
    assert len(links) == 1, links
    (link,) = links
    assert link.split("?")[0] in html
    return link


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_the_mail_links_each_member_to_their_own_kit_at_an_address_nobody_guesses(delivered, smtp):
    project, base = delivered
    for number, name, other in ((1, "Anna Beispiel", "Ben Schmidt"), (2, "Ben Schmidt", "Anna")):
        link = kit_link(smtp, member(number))
        folder = link.removeprefix(KITS_URL).split("?")[0].strip("/")
        # The folder is the keyed token of the code, not the code printed on every flyer.
        assert folder == kit_folder(project, f"code-{number}").name
        assert f"code-{number}" not in link and len(folder) >= 22
        status, page = fetch(base + link.removeprefix(KITS_URL))
        assert status == 200
        assert f"Guten Tag {name}," in page and other not in page
        assert f"https://mwk.example/r/code-{number}/mwms" in page
    # Whoever knows a code (it is on every flyer) finds no kit under it, and the folder
    # itself lists no kit.
    assert fetch(base + "code-1/")[0] == 404
    status, landing = fetch(base)
    assert status == 200 and "Link in Ihrer E-Mail" in landing
    assert kit_folder(project, "code-1").name not in landing


def test_chromium_puts_the_members_image_together_with_their_name_and_qr_code(
    delivered, smtp, browser
):
    project, base = delivered
    link = kit_link(smtp, member(1))
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    missing: list[str] = []  # (the browser asks for /favicon.ico of its own accord)
    page.on(
        "response",
        lambda r: missing.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.goto(base + link.removeprefix(KITS_URL))
    ready = page.locator("a.eigenes-bild[data-fertig]")
    ready.nth(1).wait_for(timeout=15_000)
    assert ready.count() == 2 and missing == []
    with page.expect_download() as info:
        page.locator('a.eigenes-bild[download="social-1080x1080.png"]').click()
    download = info.value
    assert download.suggested_filename == "social-1080x1080.png"
    image = Image.open(Path(download.path())).convert("RGB")
    context.close()
    assert decode_qr(image) == ["https://mwk.example/r/code-1/mwms"]
    # Exactly what the parts make (as checked without a browser), and, but for the palette,
    # the image rendered whole for this member: their name is on it.
    kit = kit_folder(project, "code-1")
    assert np.array_equal(np.asarray(image), np.asarray(member_image(kit, "social-1080x1080")))
    loaded = load_project(project)
    campaign = load_campaigns(loaded)[0][0]
    spec = next(s for s in campaign.images if s.name == "social-1080x1080")
    svg, problems = image_svg(campaign, spec, Recipient("code-1", "Anna Beispiel", 2))
    assert svg is not None and problems == []
    whole = Image.open(io.BytesIO(compact(png(svg, spec.width, spec.height)))).convert("RGB")
    difference = np.abs(np.asarray(image, dtype=int) - np.asarray(whole, dtype=int)).max(axis=2)
    assert difference.mean() < 1.0 and (difference > 48).mean() < 0.001
    generic = Image.open(kit.parent / "gemeinsam" / SLUG / "social-1080x1080.png").convert("RGB")
    box = next(b.box for b in spec.boxes if b.text == "recommended_by")
    area = (int(box.x), int(box.y), int(box.x + box.width), int(box.y + box.height))
    assert np.asarray(image.crop(area)).tolist() != np.asarray(generic.crop(area)).tolist()


def test_a_thousand_kits_take_at_most_100_mb(make_project, cli, monkeypatch):
    """Measured on four kits (the longest name among them): the shared files once, then the
    largest kit a thousand times, as bytes on the web server."""
    from marketing_helpers import KIT_SECRET, LONG_NAME, approve, copy_marketing
    from members_helpers import kit_rows, members_csv

    monkeypatch.setenv("RUNDBRIEF_UNSUBSCRIBE_SECRET", KIT_SECRET)
    root = make_project({})
    copy_marketing(root)
    approve(root)
    people = [("Anna", "Beispiel", "anna-1"), (*LONG_NAME, "max-2"), ("Ida", "Weiß", "ida-3")]
    people.append(("Özlem", "Yılmaz-Großkreutz", "oezlem-4"))
    members = root / "members.csv"
    members.write_text(members_csv(kit_rows(people)), encoding="utf-8")
    result = cli(root, "kits", "--members", str(members))
    assert result.exit_code == 0, result.stderr
    kits = root / "build" / "kits"

    def size(folder: Path) -> int:
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

    shared = size(kits / "gemeinsam") + (kits / "index.html").stat().st_size
    largest = max(size(kit_folder(root, code)) for *_name, code in people)
    assert shared + 1000 * largest <= 100_000_000, (shared, largest)
    assert largest <= 75_000  # (a kit was 270 KB with its zip, 550 KB before palette PNGs)


def test_without_kits_url_the_field_is_unknown_at_its_line(example_project, cli):
    path = example_project / REFERRAL
    text = path.read_text(encoding="utf-8") + "\n[Werbemittel]({{ member.werbemittel_url }})\n"
    path.write_text(text, encoding="utf-8")
    line = text.split("\n").index("[Werbemittel]({{ member.werbemittel_url }})") + 1
    result = cli(example_project, "check")
    assert result.exit_code == 1
    assert f"{REFERRAL}:{line}: unbekanntes Seriendruckfeld 'member.werbemittel_url'" in (
        result.stderr
    ), result.stderr


def test_the_public_archive_and_the_preview_link_to_no_members_kit(example_project):
    from generator.newsletter.email import SAMPLE_KIT, neutral_values, sample_values

    settings = example_project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(f"{text}\nkits:\n  url: {KITS_URL}\n", encoding="utf-8")
    project = load_project(example_project)
    assert neutral_values(project)["werbemittel_url"] == KITS_URL  # the folder's own page
    assert sample_values(project)["werbemittel_url"] == f"{KITS_URL}{SAMPLE_KIT}/"


def test_kits_without_the_secret_say_which_one_and_write_nothing(make_project, cli, monkeypatch):
    from marketing_helpers import approve, copy_marketing
    from members_helpers import kit_rows, members_csv

    monkeypatch.delenv("RUNDBRIEF_UNSUBSCRIBE_SECRET", raising=False)
    root = make_project({})
    copy_marketing(root)
    approve(root)
    members = root / "members.csv"
    members.write_text(members_csv(kit_rows([("Anna", "Beispiel", "anna-1")])), encoding="utf-8")
    result = cli(root, "kits", "--members", str(members))
    assert result.exit_code == 2
    assert "vor dem Schreiben der Kits RUNDBRIEF_UNSUBSCRIBE_SECRET" in result.stderr
    assert not (root / "build" / "kits").exists()
