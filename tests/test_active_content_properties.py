"""Generated hostile input never becomes active content (issue 17, item 10): article titles and
tags, newsletter subjects, preheaders and bodies, and campaign texts, each through the code
that writes them, then through the final scanner. Never a traceback; a refusal always names
``path:line``."""

from __future__ import annotations

import html
import json

import markdown
import pytest
from conftest import mini_project
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from newsletter_helpers import ARTICLE, INDEX

from generator.core.activecontent import findings
from generator.core.settings import load_project
from generator.core.sources import SourceFile
from generator.marketing.pages import templates as campaign_templates
from generator.newsletter.archive import archive_pages
from generator.newsletter.email import archive_copy, neutral_values, personalise, sample_values
from generator.newsletter.render import check_newsletter
from generator.site.index import read_site
from generator.site.searchindex import Sections, WordCounter
from generator.site.stage import Page, build_nav, theme_meta

FRAGMENTS = [
    "<", ">", "/", "=", '"', "'", "&", "#", ";", " ", "\n", "\t", "`", "*", "[", "](", ")",
    "{", "}", "{{", "}}", "{%", "%}", "<img", "<img/src=\"x\"/", " src=x", " onerror=alert(1)",
    "onload=", "<script>", "</script>", "<svg", "<style>", "body{display:none}", "</style>",
    "<iframe", "<a href=", "javascript:", "java&#9;script:", "%6Aavascript:", "data:text/html,",
    "&#106;", "&lt;", "<!--", "-->", "expression(", '{ onclick="x()" }', "<template>",
    "<base href=//x>", "<meta http-equiv=refresh content=0>", "Mitglied", "Lastschrift",
]  # fmt: skip
hostile = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), min_size=1, max_size=12
).map("".join)
one_line = hostile.map(lambda text: " ".join(text.split()) or "x")


@settings(max_examples=100, deadline=None)
@given(hostile)
def test_a_title_description_or_tag_reaches_the_theme_as_text(text):
    meta = theme_meta({"title": text, "description": text, "tags": [text, "Zahlungen"]})
    shown = [meta["title"], meta["description"], *meta["tags"]]
    assert all(findings(value, content=True) == [] for value in shown)
    assert html.unescape(meta["title"]) == text
    nav = json.dumps(build_nav([Page("a/b.md", text, ""), Page("a/index.md", text, "")]))
    assert "<" not in nav


@settings(max_examples=100, deadline=None)
@given(hostile, hostile)
def test_search_results_hold_titles_as_text(title, heading):
    docs = [
        {"location": "a/", "title": title, "text": f"<p>{heading}</p>", "tags": [title]},
        {"location": "a/#h", "title": heading, "text": ""},
    ]
    sections = Sections(WordCounter({}, set()))
    for doc in docs:
        sections.add(doc)
    for doc in sections.entries:
        assert findings(doc["title"], content=True) == []
        assert findings(doc.get("text", ""), content=True) == []


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = mini_project(
        tmp_path_factory.mktemp("properties") / "project",
        {
            "content/index.md": INDEX.replace("Zahlungen", "Hilfe"),
            "content/zahlungen/index.md": INDEX,
            "content/zahlungen/sepa-lastschrift.md": ARTICLE,
        },
    )
    project = load_project(root)
    return project, read_site(project)[0]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(subject=one_line, preheader=one_line, body=hostile)
def test_no_newsletter_text_becomes_active_in_the_email_or_the_archive(
    project, subject, preheader, body
):
    project, index = project
    # Within the lengths the preflight allows, so that most examples are rendered in full.
    subject, preheader = f"Neu: {subject}"[:70], f"Was sich diesen Monat tut: {preheader}"[:130]
    rel = "newsletters/2026-11-02-test.md"
    text = (
        f"---\nsubject: {json.dumps(subject)}\npreheader: {json.dumps(preheader)}\n"
        f"date: 2026-11-02\nstatus: approved\naudience: alle\n---\nHallo,\n\n{body}\n"
    )
    source = SourceFile(project.newsletters_dir / "2026-11-02-test.md", rel, text)
    checked = check_newsletter(project, index, source, write_cache=False)
    errors = checked.errors
    lines = len(text.splitlines())
    assert all(p.path == rel and 1 <= p.line <= lines for p in errors), errors
    event("refused" if errors else "rendered")
    if errors:
        return
    assert checked.newsletter is not None and checked.email is not None
    for values in (sample_values(project), neutral_values(project)):
        _subject, email_html, _text = personalise(checked.email, values)
        assert findings(email_html) == []
    archived = archive_copy(checked.email, neutral_values(project))[1]
    assert findings(archived) == []
    pages, files = archive_pages(project, index, [(checked.newsletter, checked.email)])
    for page in pages:
        rendered = markdown.markdown(
            page.body, extensions=["attr_list", "md_in_html", "tables", "pymdownx.details"]
        )
        assert findings(rendered) == [], page.body
        assert all(
            findings(value, content=True) == []
            for value in theme_meta(page.meta).values()
            if isinstance(value, str)
        )


@settings(max_examples=100, deadline=None)
@given(hostile)
@example("Sommer\x1b$B<img src=x onerror=alert(1)>")  # an escape character (Hypothesis found it)
def test_a_campaign_text_shows_as_written_on_the_werbemittel_page(text):
    template = campaign_templates().from_string(
        "## {{ t | md }}\n\n{{ t | md }}\n\n- [{{ t | md }}](a.png)\n\n**Betreff:** {{ t | md }}\n"
    )
    rendered = markdown.markdown(template.render(t=text), extensions=["attr_list", "md_in_html"])
    assert findings(rendered, content=True) == [], rendered
