"""What members expect of a help centre: support block and banner from the settings, Open Graph,
robots.txt, feed autodiscovery, sitemap dates from git, and Material's `hide:`/`search:` keys."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from conftest import copy_example, git

from generator.build import build
from generator.core.settings import load_project

UNTIL = dt.date(2999, 12, 31)
"""The announcement's last day: far ahead, so no test depends on the day it runs."""
OLD_DAY = "2026-03-05"


def set_settings(root: Path, old: str, new: str) -> None:
    """Replace one piece of rundbrief.yml (the test fails loudly if it is not there)."""
    path = root / "rundbrief.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def set_fact(root: Path, old: str, new: str) -> None:
    """Replace one value in fakten.yml (the test fails loudly if it is not there)."""
    path = root / "fakten.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def with_announcement_until(root: Path, day: dt.date) -> None:
    set_settings(root, "until: 2027-01-31", f"until: {day.isoformat()}")


@pytest.fixture(scope="module")
def custom_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with other support data (the address and hours from fakten.yml, the phone
    from rundbrief.yml), a banner until UNTIL, an article that hides its
    table of contents, one excluded from search, and one last changed on OLD_DAY."""
    root = copy_example(tmp_path_factory.mktemp("features") / "project")
    set_settings(root, "phone: +49 30 1234567-0", "phone: +49 40 7654321-9")
    set_fact(root, "wert: support@mitgliederwerk.example", "wert: hilfe@mitgliederwerk.example")
    set_fact(root, "montags bis freitags von 9 bis 17 Uhr", "werktags von 8 bis 20 Uhr")
    with_announcement_until(root, UNTIL)
    paypal = root / "content/zahlungen/paypal.md"
    paypal.write_text(
        paypal.read_text(encoding="utf-8").replace("order: 2\n", "order: 2\nhide: [toc]\n", 1),
        encoding="utf-8",
    )
    rechnungen = root / "content/zahlungen/rechnungen.md"
    rechnungen.write_text(
        rechnungen.read_text(encoding="utf-8").replace(
            "\n---\n", "\nsearch:\n  exclude: true\n---\n", 1
        ),
        encoding="utf-8",
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "settings for the test")
    # One article whose last commit is dated OLD_DAY (git log orders by commit date).
    times = root / "content/support/bearbeitungszeiten.md"
    times.write_text(times.read_text(encoding="utf-8") + "\nNachtrag.\n", encoding="utf-8")
    git(root, "add", "-A")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_COMMITTER_DATE", f"{OLD_DAY}T10:00:00+00:00")
        git(root, "commit", "-qm", "an older change")
    git(root, "commit", "-q", "--allow-empty", "-m", "later commit touching nothing")
    build(load_project(root))
    return root / "site"


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def meta(html: str, prop: str) -> str | None:
    found = re.search(rf'<meta property="{re.escape(prop)}" content="([^"]*)"', html)
    return found.group(1) if found else None


def test_support_block_under_articles_comes_from_the_settings_and_facts(custom_site):
    html = read(custom_site, "zahlungen/auszahlung/index.html")
    block = html[html.index('class="hilfe-support"') :]
    block = block[: block.index("</aside>")]
    assert "Problem nicht gelöst?" in block
    assert 'href="tel:+494076543219"' in block
    assert "+49 40 7654321-9" in block and "werktags von 8 bis 20 Uhr" in block
    assert 'href="mailto:hilfe@mitgliederwerk.example"' in block
    assert 'href="../../support/kontakt/"' in block
    for page in ("index.html", "support/kontakt/index.html", "newsletter/index.html"):
        assert "hilfe-support" not in read(custom_site, page), page


def test_announcement_is_shown_until_its_day(custom_site):
    html = read(custom_site, "konto/registrieren/index.html")
    banner = (
        "Ab dem 1. Januar 2027 buchen wir die Lastschrift am 5. Bankarbeitstag statt am "
        "1. Bankarbeitstag ab"
    )
    assert banner in html  # the facts of fakten.yml, each on the day the sentence means
    assert f'data-hilfe-bis="{UNTIL.isoformat()}"' in html
    assert 'href="../../zahlungen/sepa-lastschrift/">Mehr erfahren</a>' in html


def test_announcement_is_gone_after_its_day(example_project):
    with_announcement_until(example_project, dt.date(2000, 1, 1))
    build(load_project(example_project))
    for page in ("index.html", "zahlungen/paypal/index.html"):
        html = read(example_project / "site", page)
        assert "hilfe-hinweis" not in html and "md-banner" not in html


@pytest.mark.browser
def test_banner_built_earlier_hides_itself_after_its_day(custom_site, browser, serve_dir):
    base = serve_dir(custom_site)
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "zahlungen/", wait_until="load")
    assert page.locator(".hilfe-hinweis").is_visible()
    later = dt.datetime.combine(UNTIL + dt.timedelta(days=1), dt.time(9, 0))
    page.clock.set_fixed_time(later)
    page.reload(wait_until="load")
    assert not page.locator(".hilfe-hinweis").is_visible()
    context.close()


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        ("    colour: red\n", "unbekanntes Feld 'help_site.announcement.colour'"),
        (
            "    link: zahlungen/gibt-es-nicht.md\n",
            "help_site.announcement.link: ein Artikel in content/ oder eine https-Adresse erwartet",
        ),
    ],
)
def test_announcement_settings_are_checked(example_project, cli, yaml, expected):
    set_settings(example_project, "    until: 2027-01-31\n", "    until: 2027-01-31\n" + yaml)
    if "link:" in yaml:
        set_settings(example_project, "    link: zahlungen/sepa-lastschrift.md\n", "")
    result = cli(example_project, "check")
    assert result.exit_code == 1
    lines = (example_project / "rundbrief.yml").read_text(encoding="utf-8").splitlines()
    line = 1 + next(
        i for i, text in enumerate(lines) if text.strip().startswith(yaml.split(":")[0].strip())
    )
    assert f"rundbrief.yml:{line}: {expected}" in result.stderr


@pytest.mark.parametrize(
    ("key", "old", "new", "expected"),
    [
        (
            "text:",
            '{{ fakt.lastschrift_tag | am("2027-01-01") }}',
            "{{ fakt.lastschrift_tag }}",
            "help_site.announcement.text: fakt.lastschrift_tag ändert sich am 1. Januar 2027",
        ),
        (
            "support_email:",
            "{{ fakt.support_email }}",
            "{{ fakt.suport_email }}",
            "help_site.support_email: unbekannte Angabe 'fakt.suport_email'; meinten Sie "
            "'fakt.support_email'?",
        ),
    ],
)
def test_facts_in_the_help_site_texts_are_checked_at_their_line(
    example_project, cli, key, old, new, expected
):
    set_settings(example_project, old, new)
    result = cli(example_project, "check")
    assert result.exit_code == 1
    lines = (example_project / "rundbrief.yml").read_text(encoding="utf-8").splitlines()
    line = 1 + next(i for i, text in enumerate(lines) if text.strip().startswith(key))
    assert f"rundbrief.yml:{line}: {expected}" in result.stderr


def test_announcement_needs_its_end_date(example_project, cli):
    set_settings(example_project, "    until: 2027-01-31\n", "")
    result = cli(example_project, "check")
    assert result.exit_code == 1
    assert "Pflichtfeld 'help_site.announcement.until' fehlt" in result.stderr


def test_open_graph_tags(custom_site):
    html = read(custom_site, "zahlungen/auszahlung/index.html")
    assert meta(html, "og:title") == "Auszahlungen"
    assert (meta(html, "og:description") or "").startswith("So lassen Sie Ihr Guthaben")
    assert meta(html, "og:url") == "https://hilfe.mitgliederwerk.example/zahlungen/auszahlung/"
    assert meta(html, "og:image") == "https://hilfe.mitgliederwerk.example/assets/logo.png"
    assert meta(html, "og:type") == "article" and meta(html, "og:locale") == "de_DE"
    assert meta(read(custom_site, "index.html"), "og:type") == "website"
    assert (custom_site / "assets/logo.png").is_file()


def test_feed_autodiscovery_on_every_page(custom_site):
    link = re.compile(r'<link rel="alternate" type="application/rss\+xml" [^>]*href="([^"]+)"')
    for page in ("index.html", "zahlungen/auszahlung/index.html", "404.html"):
        found = link.search(read(custom_site, page))
        assert found, page
        assert found.group(1).endswith("newsletter/feed.xml")
    assert (custom_site / "newsletter/feed.xml").is_file()


def test_robots_txt_keeps_raw_emails_out(custom_site):
    robots = read(custom_site, "robots.txt")
    assert "User-agent: *" in robots
    assert "Disallow: /newsletter/*/email.html" in robots
    assert "Sitemap: https://hilfe.mitgliederwerk.example/sitemap.xml" in robots
    assert robots.endswith("\n")


def test_sitemap_lastmod_is_the_last_git_change(custom_site):
    sitemap = read(custom_site, "sitemap.xml")
    entries = dict(re.findall(r"<loc>([^<]+)</loc>\s*<lastmod>([^<]+)</lastmod>", sitemap))
    base = "https://hilfe.mitgliederwerk.example/"
    assert entries[base + "support/bearbeitungszeiten/"] == OLD_DAY
    # The day (UTC) git committed it (the clock's day may have turned since the module was read;
    # %cs would be the committer's local day, a day off from UTC late at night in Berlin).
    stamp = git(
        custom_site.parent, "log", "-1", "--format=%ct", "--", "content/zahlungen/paypal.md"
    )
    day = dt.datetime.fromtimestamp(int(stamp), dt.UTC).date().isoformat()
    assert entries[base + "zahlungen/paypal/"] == day
    assert "email.html" not in sitemap
    assert base + "zahlungen/rechnungen/" not in sitemap  # excluded from search: not listed


def test_raw_archived_emails_stay_out_of_the_search(custom_site):
    index = json.loads(read(custom_site, "search/search_index.json"))
    locations = [doc["location"] for doc in index["docs"]]
    assert any(loc.startswith("newsletter/") for loc in locations)
    assert not any("email.html" in loc for loc in locations)
    archive = [
        d
        for d in index["docs"]
        if d["location"].startswith("newsletter/") and "#" not in d["location"]
    ]
    assert archive and all(d.get("boost") == 0.3 for d in archive)  # ranked below articles


def test_material_hide_and_search_keys_pass_through(custom_site):
    paypal = read(custom_site, "zahlungen/paypal/index.html")
    assert re.search(r'data-md-type="toc"\s+hidden', paypal)
    index = json.loads(read(custom_site, "search/search_index.json"))
    assert not any(d["location"].startswith("zahlungen/rechnungen/") for d in index["docs"])
    keywords = json.loads(read(custom_site, "search/keywords.json"))
    assert "IBAN" in keywords["zahlungen/sepa-lastschrift/"]


def test_unknown_hide_value_is_a_problem(make_project, cli):
    project = make_project(
        {
            "content/index.md": "---\ntitle: Start\ndescription: Eine Startseite zum Testen.\n---\nHallo.\n",
            "content/a.md": "---\ntitle: A\ndescription: Eine Seite, die etwas verbirgt.\nhide: [toc, sidebar]\n---\nText.\n",
        }
    )
    result = cli(project, "check")
    assert result.exit_code == 1
    assert (
        "content/a.md:4: hide: erwartet werden Werte aus navigation, toc, path, footer, tags, feedback, gefunden: 'sidebar'"
        in result.stderr
    )
