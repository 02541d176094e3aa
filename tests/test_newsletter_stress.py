"""A hostile, ordinary newsletter (tests/newsletters/): every construct renders right or is reported.

It holds what a year-end review holds: a table with numbers, nested lists written with two
spaces, code with and without a language, a footnote, two buttons in a row, a long button
label, a button inside a sentence, a very long URL, emoji, a personal paragraph and an image
from content/assets/. It is copied into the example project and rendered, built and opened
in headless Chromium at 375 and 600 px, with and without its <style> blocks.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import copy_example

from generator.build import build
from generator.core.settings import load_project
from generator.newsletter.email import archive_copy, neutral_values, personalise, sample_values
from generator.newsletter.render import check_newsletter
from generator.newsletter.source import newsletter_source
from generator.site.index import read_site

STRESS = Path(__file__).parent / "newsletters" / "2026-12-20-jahresrueckblick.md"
REL = f"newsletters/{STRESS.name}"
STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S)
URL = re.compile(r"https?://\S+|mailto:\S+")


@pytest.fixture(scope="module")
def stress(tmp_path_factory):
    """The example project with the stress newsletter, checked once."""
    root = copy_example(tmp_path_factory.mktemp("stress") / "project")
    shutil.copy2(STRESS, root / "newsletters" / STRESS.name)
    project = load_project(root)
    index = read_site(project)[0]
    checked = check_newsletter(project, index, newsletter_source(project, root / REL))
    assert checked.email is not None, checked.problems
    return project, checked


def test_stress_newsletter_builds_and_reports_what_cannot_be_drawn(stress):
    project, checked = stress
    assert [str(p) for p in checked.problems] == [
        f"{REL}:69: Warnung: die Beschriftung des Buttons ist 35 Zeichen lang; auf einem "
        "Smartphone passen höchstens 30 in eine Zeile: kürzen Sie "
        "„Empfehlungslink an Freunde schicken“",
        f"{REL}:71: Warnung: der Button „hier klicken“ steht nicht in einem eigenen Absatz und "
        "erscheint als gewöhnlicher Link; schreiben Sie [hier klicken](…){ .button } in eine "
        "eigene Zeile mit Leerzeilen davor und danach",
    ]
    build(project)
    folder = project.build_dir / "newsletters" / STRESS.stem
    assert sorted(p.name for p in folder.iterdir()) == ["email.html", "email.txt", "message.eml"]
    archived = project.site_dir / "newsletter" / STRESS.stem / "email.html"
    assert "Hallo liebes Mitglied," in archived.read_text(encoding="utf-8")


def test_constructs_render_as_email_html(stress):
    project, checked = stress
    _, html, _ = personalise(checked.email, sample_values(project))
    assert html.count("<h1") == 1 and "Ihr Jahresrückblick 2026: Zahlen, Termine" in html
    assert "Hallo Erika Mustermann," in html
    assert 'class="code"' in html and "language-" not in html and ">python<" not in html
    assert "&lt;Saldo negativ&gt;" in html and "saldo &lt; 0 &amp; grenze" in html
    assert 'href="#fn-steuer"' in html and 'href="#fnref-steuer"' in html  # back-reference
    assert re.search(r"<li[^>]*>\s*<strong[^>]*>Zwei-Faktor-Anmeldung</strong> per App\s*<ul", html)
    assert re.search(r"<li[^>]*>Einstellungen öffnen\s*<ol", html)  # nested at two/three spaces
    assert html.count("<v:roundrect") == 3 and html.count('class="button"') == 3
    assert 'href="https://www.mitgliederwerk.example/konto?utm_source=newsletter' in html
    assert "hilfe.mitgliederwerk.example/assets/mwm-dezember.jpg" in html
    image = re.search(r"<img [^>]*mwm-dezember[^>]*>", html)
    assert image is not None and 'width="536"' in image.group(0)
    assert 'height="280"' in image.group(0)  # from the file: 1072 × 560 px


# The widest right edge of anything visible; words broken inside in tables, headings, buttons;
# every button's box, colours and line height.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  let right = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.height > 0) right = Math.max(right, box.right);
  }
  const lines = (range) => new Set(Array.from(range.getClientRects())
    .filter(r => r.width > 0).map(r => Math.round(r.top))).size;
  const broken = [];
  for (const root of document.querySelectorAll('table.data th, table.data td, h1, h2, h3, a.button')) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        if (lines(range) > 1) broken.push(match[0]);
      }
    }
  }
  for (const cell of document.querySelectorAll('td.num')) {
    const range = document.createRange();
    range.selectNodeContents(cell);
    if (lines(range) > 1) broken.push(cell.textContent);
  }
  const cells = Array.from(document.querySelectorAll('table.data tr'))
    .map(row => Array.from(row.children).map(cell => cell.innerText.trim()));
  const buttons = Array.from(document.querySelectorAll('a.button')).map(a => {
    const style = getComputedStyle(a);
    const box = a.getBoundingClientRect();
    return {label: a.textContent, width: box.width, height: box.height, display: style.display,
      visibility: style.visibility, opacity: style.opacity, line: parseFloat(style.lineHeight),
      padding: parseFloat(style.paddingTop) + parseFloat(style.paddingBottom),
      background: style.backgroundColor, color: style.color};
  });
  return {width, right, scroll: document.documentElement.scrollWidth, broken, cells, buttons};
}"""


def source_table(text: str) -> list[list[str]]:
    """The cells of the first Markdown table of ``text``, as written (delimiter row left out)."""
    rows = [line for line in text.split("\n") if line.startswith("|")]
    return [
        [cell.strip().replace("**", "") for cell in row.strip("|").split("|")]
        for row in rows
        if not re.fullmatch(r"[|:\- ]+", row)
    ]


@pytest.mark.browser
@pytest.mark.parametrize("with_style", [True, False], ids=["style", "no-style"])
@pytest.mark.parametrize("width", [375, 600])
def test_no_overflow_no_broken_words_and_visible_buttons(
    stress, browser, artifacts, width, with_style
):
    project, checked = stress
    _, html, _ = personalise(checked.email, sample_values(project))
    if not with_style:
        html = STYLE.sub("", html)
        assert "<style" not in html
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.route("**/*", lambda route: route.abort())  # no network: images stay alt text
        page.set_content(html, wait_until="load")
        result = page.evaluate(MEASURE)
        name = f"newsletter-stress-{width}px-{'style' if with_style else 'no-style'}.png"
        page.screenshot(path=str(artifacts / name), full_page=True)
    finally:
        context.close()
    assert result["scroll"] <= result["width"], result
    assert result["right"] <= result["width"] + 0.5, result
    assert result["broken"] == []
    assert result["cells"] == source_table(STRESS.read_text(encoding="utf-8"))
    labels = [button["label"] for button in result["buttons"]]
    assert labels == [
        "Link teilen",
        "Prämien ansehen",
        "Empfehlungslink an Freunde schicken",
    ]
    for button in result["buttons"]:
        assert button["display"] != "none" and button["visibility"] == "visible", button
        assert button["opacity"] == "1" and button["width"] > 40, button
        assert button["background"] not in ("rgba(0, 0, 0, 0)", "transparent"), button
        assert button["background"] != button["color"], button
        single = button["padding"] + button["line"]
        assert single - 0.5 <= button["height"] <= single + button["line"] + 0.5, button


def test_text_part_is_plain_short_lined_and_lists_each_link_once(stress):
    project, checked = stress
    _, html, text = personalise(checked.email, sample_values(project))
    body = text.split("\n-- \n")[0]
    assert "&amp;" not in text and "&lt;" not in text and "&gt;" not in text and "&#" not in text
    assert "    if umsaetze and saldo < 0 & grenze:" in text  # code keeps its lines
    assert "```" not in text and "python" not in text
    references = re.findall(r"^\[(\d+)\] (\S+)$", body, re.M)
    for line in text.split("\n"):
        if len(line) > 78:
            assert re.fullmatch(r"\[\d+\] \S+", line), line  # an unbreakable URL, listed
    targets = [target for _, target in references]
    assert len(targets) == len(set(targets)) and [int(n) for n, _ in references] == list(
        range(1, len(targets) + 1)
    )
    share = "https://www.mitgliederwerk.example/mitmachen?ref=ERIKA7Q2"
    for target in targets:  # once, in its list (the share link is also written out as text)
        assert body.count(target) == (2 if target == share else 1), target
        assert "utm_" not in target  # UTM stays in the HTML links
    assert "Kapitalertragsteuer und\nFreistellungsaufträgen [2]" in body
    assert "[2] https://www.mitgliederwerk.example/hilfe/steuern/" in body
    assert "utm_source=newsletter" in html
    # the footnote as a numbered note, the share link short and without newsletter tracking
    assert "ausgezahlt.¹" in body and "\n¹ Nach Abzug von Kapitalertragsteuer" in body
    assert f"Ihr persönlicher Link:\n{share}\n" in body
    assert "→ Link teilen [3]\n→ Prämien ansehen [4]" in body


def test_archive_copy_leaves_the_personal_paragraph_out(stress):
    project, checked = stress
    _, member_html, member_text = personalise(checked.email, sample_values(project))
    assert "Sie sind seit Beispiel dabei" in member_html and "Sie sind seit Beispiel" in member_text
    title, html, text = archive_copy(checked.email, neutral_values(project))
    assert title == "Ihr Jahresrückblick 2026: Zahlen, Termine und ein Dankeschön"
    assert "Sie sind seit" not in html and "Sie sind seit" not in text
    assert "Hallo liebes Mitglied," in html and "Hallo liebes Mitglied,\n" in text
    assert "\n\n\n" not in text
    assert '<base target="_top">' in html and '<a target="_self" ' in html
    assert '<base target="_top">' not in member_html


# --- Outlook for Windows ------------------------------------------------------------------------

_OPEN = re.compile(r"<!--\[if [^\]]*\]>")
_CLOSE = re.compile(r"<!\[endif\]-->")
_CONDITIONAL = re.compile(r"<!--\[if [^\]]*\]>.*?<!\[endif\]-->", re.S)
_VOID = {"area", "base", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Cells(HTMLParser):
    """Every img's attributes and every table cell that holds text of its own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str], list[bool]]] = []
        self.images: list[dict[str, str]] = []
        self.bare: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "img":
            self.images.append(attributes)
        if tag not in _VOID:
            self.stack.append((tag, attributes, [False]))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            name, attributes, text = self.stack.pop()
            if (
                name in ("td", "th")
                and text[0]
                and "font-family" not in attributes.get("style", "")
            ):
                self.bare.append(f"<{name} class={attributes.get('class')}>")
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if not data.strip():
            return
        for name, _attributes, text in reversed(self.stack):
            if name in ("td", "th"):
                text[0] = True
                return


def emails(stress) -> list[tuple[str, str]]:
    """(name, HTML for the sample member) of the stress newsletter and every example."""
    from conftest import repo_project
    from newsletter_helpers import site_index

    from generator.newsletter.render import check_newsletters

    project, checked = stress
    out = [("stress", personalise(checked.email, sample_values(project))[1])]
    repo = repo_project()
    for item in check_newsletters(repo, site_index(repo), write_cache=False)[0]:
        assert item.email is not None
        out.append((item.source.rel, personalise(item.email, sample_values(repo))[1]))
    return out


def test_outlook_structure(stress):
    for name, html in emails(stress):
        depth = 0
        for match in re.finditer(f"{_OPEN.pattern}|{_CLOSE.pattern}", html):
            depth += 1 if match.group(0).startswith("<!--[if") else -1
            assert depth in (0, 1), (name, match.start())
        assert depth == 0, name
        assert "mso-hide" not in _CONDITIONAL.sub("", html), name
        cells = _Cells()
        cells.feed(html)
        assert cells.images, name
        for image in cells.images:
            assert image.get("width", "").isdigit() and image.get("height", "").isdigit(), image
        assert cells.bare == [], name
        # Exact line heights where Word would otherwise grow a line: the 1 px rule, the VML label.
        exact = re.findall(r'<(?:td class="divider-[^"]*"|center)[^>]*style="([^"]*)"', html)
        assert exact and all("mso-line-height-rule:exactly" in s.replace(": ", ":") for s in exact)
        assert 'name="format-detection"' in html and "a[x-apple-data-detectors]" in html, name
        assert "[data-ogsc] .content" in html and "[data-ogsb] .footer" in html, name
    assert 'class="divider"' in emails(stress)[0][1]
