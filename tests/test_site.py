"""The built help site: every article, no drafts, German search, outputs whole or not at all."""

from __future__ import annotations

import datetime
import hashlib
import html
import json
import shutil
from pathlib import Path

import yaml
from conftest import git
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.utils.meta import get_data

from generator.build import build
from generator.core.dates import german_date
from generator.core.settings import load_project
from generator.site.searchindex import unjoined
from generator.site.stage import Page, theme_meta

REPO = Path(__file__).resolve().parent.parent


def articles(root: Path) -> dict[str, dict]:
    """Every help article of a project: site folder → front matter."""
    found = {}
    for path in sorted((root / "content").rglob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        rel = path.relative_to(root / "content").with_suffix("")
        folder = rel.parent if rel.name == "index" else rel
        found[folder.as_posix().replace(".", "")] = meta
    return found


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_example_content_is_a_real_knowledge_base():
    pages = articles(REPO)
    sections = {key.split("/")[0] for key in pages if "/" in key}
    assert len([key for key in pages if "/" in key and not key.endswith("index")]) >= 20
    assert {
        "konto",
        "zahlungen",
        "beteiligungen",
        "empfehlungsprogramm",
        "newsletter-datenschutz",
        "support",
    } <= sections
    assert {"impressum", "datenschutz"} <= set(pages)
    assert any(meta.get("draft") for meta in pages.values())


def test_every_article_has_a_page_and_the_draft_has_none(built_example):
    site = built_example / "site"
    for folder, meta in articles(built_example).items():
        page = site / folder / "index.html" if folder else site / "index.html"
        if meta.get("draft"):
            assert not page.exists(), f"draft {folder} was published"
        else:
            assert page.is_file(), f"no page for {folder}"
            # (as the theme gets it: escaped text, "Empfehlungsprogramm &amp; Werbemittel")
            assert html.escape(meta["title"]) in page.read_text(encoding="utf-8")


def test_search_index_is_german_and_holds_the_words(built_example):
    index = json.loads(
        (built_example / "site/search/search_index.json").read_text(encoding="utf-8")
    )
    assert index["config"]["lang"] == ["de"]
    sepa = [
        doc for doc in index["docs"] if doc["location"].startswith("zahlungen/sepa-lastschrift/")
    ]
    assert sepa and "Lastschrift" in " ".join(doc.get("text", "") for doc in sepa)
    assert all("ratenzahlung" not in doc["location"] for doc in index["docs"])  # the draft
    assert any("ä" in doc.get("text", "") or "ü" in doc.get("text", "") for doc in index["docs"])
    words = unjoined(index["config"]["rundbrief"]["words"])
    assert "lastschriftmandat" in words and "ratenzahlung" not in words


def test_site_is_german_private_and_dated(built_example):
    site = built_example / "site"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="de"' in home
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text, path
    # The day (UTC, as the build takes it) of the commit as git tells it, not the clock's day
    # now: a run across midnight would compare two days.
    stamp = git(
        built_example, "log", "-1", "--format=%ct", "--", "content/zahlungen/sepa-lastschrift.md"
    )
    committed = german_date(datetime.datetime.fromtimestamp(int(stamp), datetime.UTC).date())
    sepa = (site / "zahlungen/sepa-lastschrift/index.html").read_text(encoding="utf-8")
    assert committed in sepa  # last-updated date from git


def test_navigation_follows_section_order(built_example):
    home = (built_example / "site/index.html").read_text(encoding="utf-8")
    nav = home[home.index("md-nav--primary") :]
    positions = [
        nav.find(title)
        for title in (
            "Mitgliedskonto",
            "Zahlungen",
            "Beteiligungen",
            "Empfehlungsprogramm",
            "Support",
        )
    ]
    assert all(p > 0 for p in positions) and positions == sorted(positions)


def test_failing_build_leaves_previous_outputs_byte_for_byte(built_example, tmp_path, cli):
    root = tmp_path / "copy"
    shutil.copytree(built_example, root, symlinks=True)
    before = tree_digest(root / "site")
    article = root / "content/zahlungen/paypal.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\n[kaputt](gibt-es-nicht.md)\n", encoding="utf-8"
    )
    result = cli(root, "build")
    assert result.exit_code == 1
    assert "content/zahlungen/paypal.md:" in result.stderr
    assert "Link führt ins Leere: gibt-es-nicht.md gibt es nicht" in result.stderr
    assert tree_digest(root / "site") == before
    assert not list((root / ".rundbrief").glob("stage-*"))


def test_site_builder_failure_also_leaves_site_intact(built_example, tmp_path, cli):
    root = tmp_path / "copy"
    shutil.copytree(built_example, root, symlinks=True)
    before = tree_digest(root / "site")
    article = root / "content/zahlungen/paypal.md"
    # Our own link check passes (the file exists); the site builder finds the missing anchor.
    article.write_text(
        article.read_text(encoding="utf-8") + "\n[Anker](sepa-lastschrift.md#gibt-es-nicht)\n",
        encoding="utf-8",
    )
    result = cli(root, "build")
    assert result.exit_code == 1
    assert "gibt-es-nicht" in result.stderr
    assert tree_digest(root / "site") == before


def test_check_writes_nothing(example_project, cli):
    result = cli(example_project, "check")
    assert result.exit_code == 0, result.stderr
    assert not (example_project / "site").exists()
    assert not (example_project / "build").exists()


def test_build_is_repeatable(built_example, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(built_example, root, symlinks=True)
    first = tree_digest(root / "site")
    build(load_project(root))
    second = tree_digest(root / "site")
    assert set(first) == set(second)
    assert [name for name in first if first[name] != second[name]] == []  # byte for byte


def test_published_site_has_no_edit_button(built_example):
    for page in (built_example / "site").rglob("*.html"):
        assert 'rel="edit"' not in page.read_text(encoding="utf-8"), page


def test_reviewers_copy_has_edit_buttons_on_articles_only(built_example, tmp_path, cli):
    root = tmp_path / "copy"
    shutil.copytree(built_example, root, symlinks=True)
    assert cli(root, "build", "--edit-links").exit_code == 0
    site = root / "site"
    sepa = (site / "zahlungen/sepa-lastschrift/index.html").read_text(encoding="utf-8")
    assert 'rel="edit"' in sepa
    assert "edit/main/content/zahlungen/sepa-lastschrift.md" in sepa
    assert 'rel="edit"' not in (site / "newsletter/index.html").read_text(encoding="utf-8")
    assert 'rel="edit"' not in (site / "werbemittel/index.html").read_text(encoding="utf-8")


meta_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["title", "description", "tags", "keywords", "order", "related"]),
        meta_text | st.lists(meta_text, max_size=3) | st.integers() | st.booleans(),
        max_size=6,
    ),
    meta_text,
)
def test_staged_front_matter_reads_back_as_mkdocs_reads_it(meta, body):
    """Whatever the front matter holds, MkDocs reads the staged page's meta back unchanged."""
    page = Page("a.md", "A", body, meta)
    read_body, read_meta = get_data(page.render())
    assert read_meta == theme_meta(meta)
    assert read_body == body.lstrip("\n")
