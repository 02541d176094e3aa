"""Every link rundbrief writes carries exactly the values `report --signups` counts by."""

from __future__ import annotations

import email
import html
import json
import re
from email import policy
from urllib.parse import parse_qs, urlsplit

from marketing_helpers import (
    KIT_SECRET,
    approve,
    copy_marketing,
    decode_qr,
    kit_folder,
    member_image,
)
from members_helpers import kit_rows, member_row, members_csv, members_file
from pypdf import PdfReader

from generator.core.settings import load_project
from generator.marketing.load import load_campaigns
from generator.marketing.pages import short_links
from generator.newsletter.links import is_own
from generator.report.sources import editions

URL = re.compile(r"""https?://[^\s"'<>)\]]+""")
HREF = re.compile(r'\bhref="([^"]*)"')
UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_content")


def own_links(text: str, domains: tuple[str, ...]) -> list[str]:
    """Every URL in ``text`` (HTML entities undone) that points to the platform."""
    return [u for u in URL.findall(text.replace("&amp;", "&")) if is_own(u, domains)]


def test_every_link_of_a_sent_newsletter_names_its_campaign(example_project, cli, smtp, tmp_path):
    from smtp_helpers import send

    slug = "2026-12-01-mitglieder-werben-mitglieder"
    members = members_file(tmp_path / "private", [member_row(1)])
    result = send(cli, example_project, members, smtp, "--dry-run", newsletter=f"newsletters/{slug}.md")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    project = load_project(example_project)
    campaign = editions(project)[slug].utm_campaign
    assert campaign == "mwm-dezember-2026"  # the report counts its sign-ups by this name
    (eml,) = (example_project / "build" / "outbox" / slug).glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    domains = project.settings.own_domains
    unsubscribe = project.settings.newsletter.unsubscribe_url
    archive = f"/newsletter/{slug}/"
    counted = shared = 0
    hrefs = " ".join(HREF.findall(html))  # links, not image sources
    for link in own_links(hrefs, domains):
        query = parse_qs(urlsplit(link).query)
        if link.startswith(unsubscribe):
            assert not set(query) & set(UTM), link  # leaving is no visit to count
        elif urlsplit(link).path == archive:
            # The newsletter's own web copy: a click from there carries the UTM values itself.
            assert query == {}, link
        elif "ref" in query:  # the member's own link to pass on: counted by its code
            assert query == {"ref": ["code-1"]}, link
            shared += 1
        else:
            utm = {k: v for k, v in query.items() if k.startswith("utm_")}
            assert utm == {
                "utm_source": ["newsletter"],
                "utm_medium": ["email"],
                "utm_campaign": [campaign],
            }, link
            counted += 1
    assert counted >= 2 and shared >= 1, (counted, shared)
    # The text part lists the same targets, readable, without the UTM fields (by design: a
    # typed-off address stays short); what it counts is what the HTML part counts.
    plain = {link.split("?utm_")[0].split("&utm_")[0] for link in own_links(hrefs, domains)}
    assert set(own_links(text, domains)) <= plain | {
        u for u in own_links(text, domains) if "ref=" in u
    }


def test_every_link_and_qr_code_of_a_kit_names_code_campaign_medium_and_asset(make_project, cli):
    """A kit's links are short (issue 22); the table the platform redirects by turns each back
    into the member's code and the campaign's UTM fields the sign-up statistics count by."""
    project = make_project({})
    copy_marketing(project)
    rows = kit_rows([("Anna", "Beispiel", "anna-42")])
    (project / "members.csv").write_text(members_csv(rows), encoding="utf-8")
    approve(project)
    secret = {"RUNDBRIEF_UNSUBSCRIBE_SECRET": KIT_SECRET}
    kits = cli(project, "kits", "--members", str(project / "members.csv"), env=secret)
    assert kits.exit_code == 0, kits.stderr
    kit = kit_folder(project, "anna-42") / "mitglieder-werben-mitglieder"
    # The table `build` writes to build/marketing-assets/kurzlinks.json for the platform.
    loaded = load_project(project)
    table = json.loads(short_links(loaded, load_campaigns(loaded)[0]))
    prefix = table["form"].split("{code}")[0]
    short = re.compile(re.escape(prefix) + r"[^\s\"'<>)]+")
    found: list[tuple[str, str]] = []
    page = html.unescape((kit.parent / "index.html").read_text(encoding="utf-8"))
    found += [("index.html", u) for u in short.findall(page)]
    for name in ("social-1080x1080", "social-1200x630"):
        image = member_image(kit.parent, name)
        found += [(name, u) for u in decode_qr(image) if u.startswith(prefix)]
    for path in sorted(kit.iterdir()):
        if path.suffix in (".txt", ".html", ".svg"):
            found += [(path.name, u) for u in short.findall(path.read_text(encoding="utf-8"))]
        elif path.suffix == ".png":
            found += [(path.name, u) for u in decode_qr(path.read_bytes()) if u.startswith(prefix)]
        elif path.suffix == ".pdf":
            for page in PdfReader(path).pages:
                for image in page.images:
                    found += [
                        (path.name, u) for u in decode_qr(image.image) if u.startswith(prefix)
                    ]
    media = set()
    for name, link in found:
        code, last = link[len(prefix) :].strip("/").split("/")[:2]
        assert code == "anna-42", (name, link)
        campaign = next(c for c in table["campaigns"] if last.startswith(c))
        fields = table["campaigns"][campaign]
        assert fields["utm_campaign"] == "mitglieder-werben-mitglieder", (name, link)
        assert fields["utm_source"] == "empfehlung", (name, link)
        media.add(table["media"][last[len(campaign) :]])
        assert len(link) <= 45, link  # short enough for a QR code and a social post
    assert {"print", "social", "email", "banner"} <= media, media
    assert len(found) >= 8
