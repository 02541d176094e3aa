"""What polished help centres have, on the built site: related articles, "War dieser Artikel
hilfreich?", "Zuletzt aktualisiert", contact in the footer, the start page's search field,
and keyboard use on a phone (no hidden tab stops, scrollable tables, Escape in the search)."""

from __future__ import annotations

import posixpath
import re
import time
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from search_helpers import SEARCH_INPUT, settled_results

from generator.site.index import page_path_url
from generator.site.related import _listable, _terms, with_related
from generator.site.stage import Page

PHONE = {"width": 375, "height": 740}


def read(built, path: str) -> str:  # noqa: ANN001
    return (built / "site" / path).read_text(encoding="utf-8")


def article(path: str, title: str, tags: list[str], keywords: list[str] = ()) -> Page:  # type: ignore[assignment]
    return Page(
        path, title, "Text.", {"tags": tags, "keywords": list(keywords)}, source=f"content/{path}"
    )


def test_related_articles_come_from_tags_section_and_words():
    pages = [
        article("konto/index.md", "Konto", []),
        article("konto/a.md", "Passwort vergessen", ["Sicherheit"]),
        article("konto/b.md", "Zwei-Faktor", ["Sicherheit"], ["Passwort"]),
        article("konto/c.md", "Daten ändern", []),
        article("zahlungen/d.md", "Passwort für Zahlungen", []),
        article("zahlungen/e.md", "Lastschrift", []),
        Page("newsletter/x/index.md", "Passwort", "", {"generated": True}),
    ]
    related = {page.path: page.meta.get("related") for page in with_related(pages)}
    assert [item["url"] for item in related["konto/a.md"]] == [
        "konto/b/",  # a shared tag, the same section and a shared word
        "konto/c/",  # the same section
        "zahlungen/d/",  # a shared word of the titles
    ]
    assert related["konto/index.md"] is None  # overviews list their articles themselves
    listed = {item["url"] for value in related.values() for item in value or []}
    assert "konto/" not in listed and "newsletter/x/" not in listed


def related_by_every_pair(pages: list[Page]) -> dict[str, object]:
    """The related articles as first written: every article scored against every other."""
    candidates = [page for page in pages if _listable(page)]
    facts = {
        page.path: (set(page.meta.get("tags") or []), posixpath.dirname(page.path), _terms(page))
        for page in candidates
    }
    found: dict[str, object] = {}
    for page in pages:
        if page.path not in facts:
            found[page.path] = page.meta.get("related")
            continue
        tags, section, terms = facts[page.path]
        scored = []
        for other in candidates:
            if other.path == page.path:
                continue
            other_tags, other_section, other_terms = facts[other.path]
            score = 3 * len(tags & other_tags) + 2 * (section == other_section)
            score += len(terms & other_terms)
            if score > 0:
                scored.append((-score, other.order, other.title, other))
        scored.sort(key=lambda item: item[:3])
        related = [{"title": o.title, "url": page_path_url(o.path)} for *_, o in scored[:3]]
        found[page.path] = related or page.meta.get("related")
    return found


WORDS = ["Konto", "Passwort", "Zahlung", "Lastschrift", "Depot", "Steuer", "ab", "Frist"]
pages_strategy = st.lists(
    st.builds(
        lambda section, name, title, tags, keywords, order, source, generated: Page(
            f"{section}/{name}.md" if section else f"{name}.md",
            " ".join(title),
            "Text.",
            {"tags": tags, "keywords": keywords, **({"generated": True} if generated else {})},
            order=order,
            source=f"content/{section}/{name}.md" if source else None,
        ),
        st.sampled_from(["", "konto", "zahlungen", "konto/sicherheit"]),
        st.sampled_from(["index", "a", "b", "c", "d", "e"]),
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
        st.lists(st.sampled_from(["Sicherheit", "Geld", "Steuern"]), max_size=2),
        st.lists(st.sampled_from(WORDS), max_size=2),
        st.integers(0, 3),
        st.booleans(),
        st.booleans(),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(pages_strategy)
def test_related_articles_are_those_of_scoring_every_pair(pages):
    """Ties by order, then title, then the articles' order; at most three; never the page itself."""
    related = {page.path: page.meta.get("related") for page in with_related(pages)}
    assert related == related_by_every_pair(pages)


def test_related_articles_of_three_thousand_pages_take_no_time():
    """Scoring every pair in Python took 0.8 s of a 1,000-page build (of 12 s), 14 s at 3,000."""
    pages = [
        article(f"bereich-{n % 10}/artikel-{n}.md", f"Artikel {n} Konto", ["Messung"], ["Zahlung"])
        for n in range(3000)
    ]
    started = time.process_time()
    related = with_related(pages)
    assert time.process_time() - started < 1.0
    assert [item["url"] for item in related[0].meta["related"]] == [
        "bereich-0/artikel-10/",
        "bereich-0/artikel-100/",
        "bereich-0/artikel-1000/",
    ]


def test_every_article_ends_with_related_articles_feedback_and_its_date(built_example):
    site = built_example / "site"
    articles = [
        path.relative_to(built_example / "content").with_suffix("").as_posix()
        for path in (built_example / "content").rglob("*.md")
        if path.name != "index.md" and path.parent.name != "content"
    ]
    built = [rel for rel in articles if (site / rel / "index.html").is_file()]  # (no drafts)
    assert len(built) >= 40
    for rel in built:
        page = (site / rel / "index.html").read_text(encoding="utf-8")
        related = re.search(r'<nav class="hilfe-verwandt".*?</nav>', page, re.S)
        assert related and related.group(0).count("<li>") >= 2, rel
        assert "War dieser Artikel hilfreich?" in page, rel
        assert re.search(r"Zuletzt aktualisiert: <time datetime=\"\d{4}-\d\d-\d\d\">", page), rel


def test_helpful_links_open_an_email_to_the_feedback_mailbox_naming_the_article(built_example):
    page = read(built_example, "konto/konto-gehackt/index.html")
    links = re.findall(r'<a href="(mailto:[^"]+)">(Ja, hilfreich|Nein, nicht hilfreich)</a>', page)
    assert [label for _, label in links] == ["Ja, hilfreich", "Nein, nicht hilfreich"]
    for (href, _), answer in zip(links, ("ja", "nein"), strict=True):
        url = urlsplit(href.replace("&amp;", "&"))
        assert url.path == "hilfreich@mitgliederwerk.example"
        query = parse_qs(url.query)
        assert unquote(query["subject"][0]) == f"Hilfreich: {answer} – /konto/konto-gehackt/"
        assert "Konto gehackt – was tun?" in query["body"][0]
    assert "War dieser Artikel hilfreich?" not in read(built_example, "index.html")


def test_the_footer_has_a_contact_link_and_an_email_without_login(built_example):
    for path in ("index.html", "beteiligungen/insolvenz/index.html", "newsletter/index.html"):
        footer = read(built_example, path).split('class="md-copyright"', 1)[1]
        assert re.search(r'<a href="[./]*support/kontakt/">Kontakt</a>', footer), path
        assert 'href="mailto:support@mitgliederwerk.example"' in footer
        assert "ohne Anmeldung" in footer


def test_the_header_logo_has_a_german_text(built_example):
    page = read(built_example, "index.html")
    assert 'alt="logo"' not in page
    assert 'alt="Logo der Mitgliederwerk AG"' in page


@pytest.mark.browser
def test_the_start_page_has_a_search_field_at_phone_width(browser, example_site):
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    page = context.new_page()
    page.goto(example_site, wait_until="networkidle")
    field = page.get_by_label("Wonach suchen Sie?")
    assert field.is_visible()
    field.click()
    page.keyboard.type("Kundigung", delay=20)
    page.locator(SEARCH_INPUT).wait_for(state="visible")
    found = settled_results(page)
    assert "konto/konto-kuendigen/" in found[:3], found
    assert page.locator(SEARCH_INPUT).input_value() == "Kundigung"
    context.close()


@pytest.mark.browser
def test_escape_in_the_results_returns_focus_to_the_search_field(browser, example_site):
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    page = context.new_page()
    page.goto(example_site + "zahlungen/", wait_until="networkidle")
    page.locator("label.md-header__button[for=__search]").click()  # the phone's search icon
    page.keyboard.type("Dividende", delay=20)
    settled_results(page)
    page.locator(".md-search-result__link").first.focus()
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.matches('input.md-search__input')")
    context.close()


def focus_walk(page, stop: str, limit: int = 80) -> list[str]:  # noqa: ANN001
    """Press Tab from the top of the page until ``stop`` has focus; describe each stop."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate(
            """(stop) => {
              const active = document.activeElement
              // the colour scheme switch: a visually hidden radio, its focus shown on the
              // label right after it (Material)
              const e = active.matches('input.md-option') ? active.nextElementSibling : active
              const r = e.getBoundingClientRect()
              const style = getComputedStyle(e)
              const visible = r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth
                && style.visibility !== 'hidden'
              return { at: active.closest(stop) !== null, visible, what: active.outerHTML.slice(0, 80) }
            }""",
            stop,
        )
        stops.append(("" if found["visible"] else "INVISIBLE ") + found["what"])
        if found["at"]:
            return stops
    raise AssertionError("never reached " + stop + ":\n" + "\n".join(stops))


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["375", "1280"])
def test_the_keyboard_walks_from_page_load_to_the_article_text(browser, example_site, viewport):
    context = browser.new_context(viewport=viewport, locale="de-DE")
    page = context.new_page()
    page.goto(example_site + "support/bearbeitungszeiten/", wait_until="networkidle")
    stops = focus_walk(page, ".md-content article")
    invisible = [stop for stop in stops if stop.startswith("INVISIBLE")]
    assert invisible == [], "\n".join(stops)
    if viewport == PHONE:  # header, breadcrumbs, tags: the drawer's links are not in the way
        assert len(stops) <= 12, "\n".join(stops)
    # The skip link comes first and leads into the article.
    page.reload(wait_until="networkidle")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('a.md-skip')")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.md-content article') !== null")
    # The article's first table scrolls sideways at phone width: reachable and named.
    wrapper = page.locator("article .md-typeset__scrollwrap").first
    assert wrapper.get_attribute("tabindex") == "0"
    assert wrapper.get_attribute("role") == "region"
    assert "Tabelle" in (wrapper.get_attribute("aria-label") or "")
    context.close()


@pytest.mark.browser
def test_warning_boxes_are_at_body_text_size(browser, example_site):
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    page = context.new_page()
    page.goto(example_site + "support/kontakt/", wait_until="networkidle")
    sizes = page.evaluate(
        """() => [
          getComputedStyle(document.querySelector('article > p')).fontSize,
          getComputedStyle(document.querySelector('article .admonition p')).fontSize,
        ]"""
    )
    assert sizes[0] == sizes[1], sizes
    context.close()


@pytest.mark.browser
def test_a_near_match_is_shown_instead_of_nothing(browser, example_site):
    """Two typos in one word: the strict pass finds nothing, the loose one the article."""
    from search_helpers import open_search, type_query

    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(example_site + "zahlungen/", wait_until="networkidle")
    open_search(page)
    type_query(page, "Hauptversamlungg ")  # (a space: the word is complete, no prefix match)
    found = settled_results(page)
    assert "beteiligungen/hauptversammlung/" in found[:3], found
    assert page.locator(".hilfe-nichts-gefunden").count() == 0
    context.close()
