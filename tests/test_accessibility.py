"""axe-core over every page of the built site, light and dark: no violation (WCAG 2.1 AA and more).

axe-core comes vendored in the PyPI package axe-playwright-python; nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the built site as a URL path; the raw archived emails are no pages.

    The editor at ``admin/`` is left out: it is a third-party application (Sveltia CMS) for the
    assistant, not a page members read, and draws its own interface (its viewport and
    landmarks are Sveltia's; see the handbook's editor page).
    """
    paths = []
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        if rel.endswith("email.html") or rel.startswith(("newsletter-vorschau/", "admin/")):
            continue
        paths.append(rel.removesuffix("index.html"))
    return paths


def violations(page) -> list[str]:  # noqa: ANN001 - Playwright page
    """axe-core's violations on the page, one line each: rule, impact, first offending element."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {v['nodes'][0]['target']}"
        for v in result["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violation_on_any_page(built_example, example_site, browser, scheme):
    paths = site_pages(built_example / "site")
    assert len(paths) >= 40
    context = browser.new_context(color_scheme=scheme, locale="de-DE")
    page = context.new_page()
    found = {}
    for path in paths:
        page.goto(example_site + path, wait_until="load")
        problems = violations(page)
        if problems:
            found[path] = problems
    context.close()
    assert not found, "\n".join(
        f"{path}: {line}" for path, lines in found.items() for line in lines
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violation_with_search_results_open(example_site, browser, scheme):
    from search_helpers import open_search, settled_results, type_query

    context = browser.new_context(color_scheme=scheme, locale="de-DE")
    page = context.new_page()
    page.goto(example_site + "zahlungen/", wait_until="networkidle")
    open_search(page)
    type_query(page, "Lastschrift")
    assert settled_results(page)
    assert violations(page) == []
    type_query(page, "Xylophon Quantenphysik")
    page.locator(".hilfe-nichts-gefunden").wait_for()
    assert violations(page) == []
    context.close()


# Pages of every kind: start page, section overview, articles with tables and notes, the
# archive and an archived newsletter, a Werbemittel page, the tag list.
KINDS = [
    "",
    "zahlungen/",
    "support/bearbeitungszeiten/",
    "konto/konto-gehackt/",
    "newsletter/",
    "newsletter/2026-11-02-monatsupdate-november/",
    "werbemittel/",
    "schlagwoerter/",
]
VIEWPORTS = {"375": {"width": 375, "height": 740}, "1280": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("menu", ["closed", "open"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", sorted(VIEWPORTS))
def test_no_axe_violation_at_phone_and_desktop_width_menu_closed_and_open(
    example_site, browser, width, scheme, menu
):
    context = browser.new_context(viewport=VIEWPORTS[width], color_scheme=scheme, locale="de-DE")
    page = context.new_page()
    found = {}
    for path in KINDS:
        page.goto(example_site + path, wait_until="load")
        if menu == "open":
            if width == "375":  # the drawer, opened with the header's menu button
                page.locator("label.md-header__button[for=__drawer]").click()
                page.locator(".md-sidebar--primary").wait_for(state="visible")
            else:  # desktop: the navigation is always shown; open a collapsed section
                toggle = page.locator("label.md-nav__link[for^=__nav_]").first
                if toggle.is_visible():
                    toggle.click()
        problems = violations(page)
        if problems:
            found[path] = problems
    context.close()
    assert not found, "\n".join(
        f"{path}: {line}" for path, lines in found.items() for line in lines
    )
