"""The editor at /admin/: made from the declarations, served by the site, loaded in Chromium."""

from __future__ import annotations

import io
import json
import re
import tarfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import repo_project

from generator.editor import bundle
from generator.editor.config import editor_config
from generator.editor.pages import editor_scripts
from generator.reference import declared
from generator.site.index import read_site

REPO = Path(__file__).resolve().parent.parent


def generated() -> dict:
    project = repo_project()
    return editor_config(project, read_site(project)[0])


def collection(config: dict, name: str) -> dict:
    return next(c for c in config["collections"] if c["name"] == name)


def names(fields: list[dict]) -> list[str]:
    return [f["name"] for f in fields]


def test_every_collection_has_exactly_the_declared_keys():
    config = generated()
    by_page = {item.page: item for item in declared(REPO)}
    newsletter = collection(config, "newsletter")
    front = [f.name for f in by_page["newsletter.md"].schema.fields]
    assert names(newsletter["fields"]) == [*front, "body"]
    articles = [c for c in config["collections"] if c["name"].startswith("artikel-")]
    sections = sorted(p.parent.name for p in (REPO / "content").glob("*/index.md"))
    assert [c["folder"] for c in articles] == [f"content/{s}" for s in sections]
    for item in articles:
        assert names(item["fields"]) == [
            *(f.name for f in by_page["artikel.md"].schema.fields),
            "body",
        ]
    campaigns = collection(config, "kampagnen")
    assert names(campaigns["fields"]) == [f.name for f in by_page["kampagnen.md"].schema.fields]
    facts = collection(config, "fakten")["files"][0]
    assert names(facts["fields"]) == list(yaml.safe_load((REPO / "fakten.yml").read_text()))


def test_fields_carry_german_labels_hints_and_the_right_widgets():
    config = generated()
    fields = {f["name"]: f for f in collection(config, "newsletter")["fields"]}
    project = repo_project()
    assert fields["audience"]["widget"] == "select"
    assert fields["audience"]["options"] == ["alle", *project.settings.members.segments]
    assert fields["status"]["options"] == ["draft", "approved"]
    assert fields["date"]["widget"] == "datetime" and fields["date"]["type"] == "date"
    assert fields["body"]["widget"] == "markdown"
    for field in fields.values():
        assert field["label"] and field["hint"], field
        assert field["label"] != field["name"] or field["name"] == "body", field
    # Pictures go where the help site serves them; the file name is the one `rundbrief new` makes.
    newsletter = collection(config, "newsletter")
    assert newsletter["media_folder"] == "/content/assets"
    assert newsletter["slug"] == "{{year}}-{{month}}-{{day}}-{{slug}}"


def test_every_save_is_a_pull_request_to_the_repository_of_the_edit_links():
    config = generated()
    assert config["publish_mode"] == "editorial_workflow"
    assert config["backend"] == config["backend"] | {
        "name": "github",
        "repo": "mitgliederwerk/rundbrief",
        "branch": "main",
    }


def test_the_configuration_is_valid_for_the_editor():
    """Checked against the JSON Schema the editor's package ships for its configuration."""
    jsonschema = pytest.importorskip("jsonschema")
    path = bundle.folder() / "config.schema.json"
    assert path.is_file(), "scripts/setup installs the editor"
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(generated())]
    assert errors == []
    broken = generated()
    broken["publish_mode"] = "sofort"
    assert list(validator.iter_errors(broken)), "the schema must notice a broken field"


def test_a_changed_archive_is_refused_and_nothing_is_installed(tmp_path):
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as tar:
        for name in bundle.EDITOR.files:
            member = tarfile.TarInfo(name)
            payload = b"alert('not the pinned release')"
            member.size = len(payload)
            tar.addfile(member, io.BytesIO(payload))
    with pytest.raises(bundle.BundleError, match="checksum"):
        bundle.install(tmp_path, fetcher=lambda package: data.getvalue())
    assert bundle.installed(tmp_path) is None
    assert not bundle.folder(tmp_path).exists()


def test_the_built_site_serves_the_editor_from_itself(built_example):
    admin = built_example / "site" / "admin"
    page = (admin / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<script\b[^>]*>", page) == [
        '<script src="local.js">',
        '<script src="sveltia-cms.js">',
    ]
    installed = bundle.installed()
    assert installed is not None
    for name in ("sveltia-cms.js", "locales/de.json", "fonts/material-symbols-outlined.woff2"):
        assert (admin / name).read_bytes() == (installed / name).read_bytes(), name
    # The editor's script names no CDN for its fonts; the copies are served beside it.
    script = (admin / "sveltia-cms.js").read_text(encoding="utf-8")
    assert bundle.FONT_CDN not in script and "fonts/material-symbols-outlined.woff2" in script
    assert "script-src 'self'" in page.replace("&#39;", "'")
    config = yaml.safe_load((admin / "config.yml").read_text(encoding="utf-8"))
    assert config["publish_mode"] == "editorial_workflow"
    # No other page of the help site names the editor's script or another host's script.
    for html in (built_example / "site").rglob("*.html"):
        if html.parent == admin:
            continue
        text = html.read_text(encoding="utf-8")
        assert "sveltia" not in text, html
        assert not re.search(r"<script[^>]+src=\"(https?:)?//", text), html


def open_newsletter_form(
    browser, base: str, artifacts: Path, name: str
) -> tuple[str, list[str], set[str], float]:
    """Open /admin/ under ``base`` and a new newsletter's form; (text, errors, hosts, seconds ready).

    Signing in to GitHub is not possible here; the editor's own in-memory backend (``test-repo``)
    stands in for it — only the backend is swapped, so collections and forms are the ones the
    assistant sees.
    """
    config = yaml.safe_load(urllib.request.urlopen(base + "admin/config.yml", timeout=10).read())
    config["backend"] = {"name": "test-repo"}
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="de-DE")
    errors: list[str] = []
    hosts: set[str] = set()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))
    page.route(
        re.compile(r"/admin/config\.yml(\?|$)"),
        lambda route: route.fulfill(
            body=yaml.safe_dump(config, allow_unicode=True), content_type="application/yaml"
        ),
    )
    try:
        started = time.monotonic()
        page.goto(base + "admin/", wait_until="commit")
        page.get_by_text("Mit Test-Repository arbeiten").click(timeout=60_000)
        page.get_by_text("Newsletter", exact=True).first.wait_for(timeout=60_000)
        ready = time.monotonic() - started
        page.screenshot(path=str(artifacts / f"{name}-collections.png"))
        page.goto(base + "admin/#/collections/newsletter/new", wait_until="commit")
        page.get_by_text("Vorschautext", exact=True).first.wait_for(timeout=60_000)
        body = page.inner_text("body")
        page.screenshot(path=str(artifacts / f"{name}-newsletter.png"), full_page=True)
    finally:
        page.close()
    return body, errors, hosts, ready


def assert_the_german_newsletter_form(
    body: str, errors: list[str], hosts: set[str], base: str
) -> None:
    for label in ("Betreff", "Vorschautext", "Erscheinungstag", "Zielgruppe", "Text"):
        assert f"\n{label}" in body, label
    assert "Vorschautext, den das Postfach nach dem Betreff zeigt." in body  # the hint
    assert errors == []
    assert hosts == {urlsplit(base).netloc}, f"requests to other hosts: {hosts}"


@pytest.mark.browser
def test_the_editor_loads_its_configuration_and_shows_the_newsletter_form(
    browser, example_site, artifacts
):
    """The published site's /admin/: configuration loaded, German form, nothing from elsewhere."""
    body, errors, hosts, ready = open_newsletter_form(browser, example_site, artifacts, "editor")
    assert_the_german_newsletter_form(body, errors, hosts, example_site)
    print(f"/admin/ ready after {ready:.2f} s")


@pytest.mark.browser
def test_the_preview_shows_the_problems_of_the_open_file_beside_the_form(
    example_project, browser, artifacts
):
    """In `rundbrief preview` the editor's panel names the open file's problems, in German."""
    from preview_helpers import fetch, running_preview
    from smtp_helpers import wait_for

    newsletter = example_project / "newsletters" / "2026-11-02-monatsupdate-november.md"
    text = newsletter.read_text(encoding="utf-8")
    newsletter.write_text(
        text.replace("\npreheader:", "\npreheader: zu kurz\nx_preheader:", 1), encoding="utf-8"
    )
    with running_preview(example_project) as preview:
        assert wait_for(lambda: "Redaktion" in fetch(preview.base + "admin/"), timeout=120)
        config = yaml.safe_load(fetch(preview.base + "admin/config.yml"))
        assert "site_url" not in config  # "view on the site" opens the preview itself
        newsletters = collection(config, "newsletter")
        assert newsletters["preview_path"] == "newsletter-vorschau/{{filename}}.html"
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="de-DE")
        try:
            page.goto(
                preview.base
                + "admin/#/collections/newsletter/entries/2026-11-02-monatsupdate-november",
                wait_until="commit",
            )
            panel = page.locator(".rundbrief-check")
            panel.wait_for(state="visible", timeout=60_000)
            shown = panel.inner_text()
            page.screenshot(path=str(artifacts / "editor-preview-problems.png"))
        finally:
            page.close()
        # The same form on the preview server, with no console error and no other host.
        body, errors, hosts, _ready = open_newsletter_form(
            browser, preview.base, artifacts, "editor-preview"
        )
        # The preview injects its live-reload script into every page; the editor's policy blocks
        # it there on purpose: a reload on each save would throw away what is being typed.
        blocked = [e for e in errors if e.startswith("Executing inline script violates")]
        assert len(blocked) <= 1, errors
        rest = [e for e in errors if e not in blocked]
        assert_the_german_newsletter_form(body, rest, hosts, preview.base)
    rel = "newsletters/2026-11-02-monatsupdate-november.md"
    assert f"rundbrief check findet in {rel}:" in shown
    assert f"{rel}:3: " in shown and f"{rel}:4: " in shown  # at their lines, as check says


def test_content_may_not_put_files_into_the_editors_folder(make_project, cli):
    """A script of content/admin/ would pass for one of the editor's: refused at its path."""
    root = make_project(
        {
            "content/index.md": "---\ntitle: Start\ndescription: Die Startseite des Hilfe-Centers.\n---\nText.\n",
            "content/admin/evil.js": "alert(document.cookie)\n",
        }
    )
    result = cli(root, "build")
    assert result.exit_code == 1
    assert "content/admin/evil.js: content/admin/ ist der Ordner des Editors" in result.stderr
    assert bundle.FONT_CDN not in result.stderr
    scripts = editor_scripts()
    assert all(b"document.cookie" not in script for script in scripts)
    assert len(scripts) == 3  # local.js, check.js and the editor's own script


def test_a_mistyped_journal_is_not_created_by_commands_that_only_read(tmp_path):
    from conftest import copy_example

    from generator.core.settings import load_project
    from generator.sending.journal import open_journal

    project = load_project(copy_example(tmp_path / "project"))
    (project.state_dir).mkdir(parents=True, exist_ok=True)
    from generator.feedback.suppression import SuppressionStore, store_path

    SuppressionStore(store_path(project)).close()  # feedback's store exists, no old send tables
    typo = tmp_path / "jornal.sqlite"
    assert open_journal(project, typo, create=False) is None
    assert not typo.exists()
