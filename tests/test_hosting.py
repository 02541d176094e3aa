"""Hosting and the privacy policy agree: one setting decides the deploy job and the policy's text."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, stderr_lines

from generator.core.facts import FACTS_FILE
from generator.core.i18n import _

WORKFLOW = REPO / ".github" / "workflows" / "publish.yml"
GERMAN_HOST = (
    "hosting:\n  provider: sftp\n  name: Serverhaus Franken GmbH\n"
    "  address: Hafenstraße 3, 90402 Nürnberg\n"
)
GITHUB_PAGES = "hosting:\n  provider: github-pages\n"
ARTICLE = "---\ntitle: {title}\ndescription: Eine Seite mit genug Text für die Beschreibung.\n---\n"


def with_hosting(root: Path, setting: str) -> None:
    """Replace the hosting section of the project's rundbrief.yml."""
    path = root / "rundbrief.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\nhosting:\n")
    path.write_text(text[: start + 1] + setting, encoding="utf-8")


def privacy_project(make_project, setting: str) -> Path:
    """The repository's help articles, facts and newsletters (no campaign), with ``setting``."""
    files: dict[str, str | bytes] = {
        f"content/{path.relative_to(REPO / 'content').as_posix()}": path.read_bytes()
        for path in (REPO / "content").rglob("*")
        if path.is_file()
    }
    files[FACTS_FILE] = (REPO / FACTS_FILE).read_text(encoding="utf-8")
    for path in (REPO / "newsletters").glob("*.md"):  # an article links to an archived one
        files[f"newsletters/{path.name}"] = path.read_bytes()
    for page in ("werbemittel.md", "markenrichtlinien.md"):  # articles link to the section
        files[f"marketing-assets/{page}"] = (REPO / "marketing-assets" / page).read_bytes()
    root = make_project(files)
    with_hosting(root, setting)
    return root


def privacy_text(root: Path) -> str:
    """The visible text of the built Datenschutzerklärung."""
    page = (root / "site" / "datenschutz" / "index.html").read_text(encoding="utf-8")
    article = page[page.index("<article") : page.index("</article>")]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", article)))


def test_with_the_german_host_the_privacy_policy_names_it_and_not_github(make_project, cli):
    root = privacy_project(make_project, GERMAN_HOST)
    result = cli(root, "build")
    assert result.exit_code == 0, result.stderr
    text = privacy_text(root)
    assert "Anbieter ist Serverhaus Franken GmbH, Hafenstraße 3, 90402 Nürnberg" in text
    assert "auf Servern in Deutschland" in text
    assert "findet nicht statt" in text  # no transfer outside the EU/EEA
    assert "github" not in text.lower()
    assert "USA" not in text


def test_with_github_pages_the_privacy_policy_names_github_and_the_transfer_to_the_usa(
    make_project, cli
):
    root = privacy_project(make_project, GITHUB_PAGES)
    result = cli(root, "build")
    assert result.exit_code == 0, result.stderr
    text = privacy_text(root)
    assert "GitHub Pages" in text
    assert "GitHub, Inc., 88 Colin P. Kelly Jr. Street, San Francisco, CA 94107, USA" in text
    assert "Übermittlung in die USA" in text and "Data Privacy Framework" in text
    assert "Serverhaus" not in text and "Beispiel Webhosting" not in text
    assert "Servern in Deutschland" not in text
    assert "Eine Übermittlung von Daten in Länder außerhalb" not in text


def test_the_workflow_deploys_where_the_setting_says(make_project, cli, tmp_path):
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    jobs = workflow["jobs"]
    step = next(s for s in jobs["build"]["steps"] if s.get("id") == "hosting")
    assert jobs["build"]["outputs"]["provider"] == "${{ steps.hosting.outputs.provider }}"
    assert jobs["deploy-github-pages"]["if"] == "needs.build.outputs.provider == 'github-pages'"
    assert jobs["deploy-sftp"]["if"] == "needs.build.outputs.provider == 'sftp'"
    assert jobs["deploy-github-pages"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert workflow["permissions"] == {"contents": "read"}  # only the Pages job may write Pages
    secrets = " ".join(str(s.get("env", {})) for s in jobs["deploy-sftp"]["steps"])
    for name in (
        "DEPLOY_HOST",
        "DEPLOY_USER",
        "DEPLOY_PATH",
        "DEPLOY_SSH_KEY",
        "DEPLOY_KNOWN_HOSTS",
    ):
        assert f"secrets.{name}" in secrets, name
    upload = next(s for s in jobs["deploy-sftp"]["steps"] if "rsync" in str(s.get("run")))
    assert "StrictHostKeyChecking=yes" in upload["run"] and "--delete-after" in upload["run"]

    # The step itself, run as the workflow runs it (.venv/bin/rundbrief in the checkout).
    installed = Path(sys.executable).parent / "rundbrief"
    for setting, expected in ((GERMAN_HOST, "sftp"), (GITHUB_PAGES, "github-pages")):
        root = make_project({})
        with_hosting(root, setting)
        command = root / ".venv" / "bin" / "rundbrief"
        if not command.exists():
            command.parent.mkdir(parents=True)
            command.symlink_to(installed)
        output = tmp_path / f"github-output-{expected}"
        subprocess.run(
            ["bash", "-euo", "pipefail", "-c", step["run"]],
            cwd=root,
            env={**os.environ, "GITHUB_OUTPUT": str(output)},
            check=True,
        )
        assert output.read_text(encoding="utf-8") == f"provider={expected}\n"
        assert cli(root, "hosting").stdout == f"{expected}\n"


@pytest.mark.parametrize(
    ("setting", "line", "message"),
    [
        (
            "hosting:\n  provider: sftp\n  name: Serverhaus Franken GmbH\n",
            "provider",
            ("hosting.{key}: required with provider sftp (named in the privacy policy)", "address"),
        ),
        (
            "hosting:\n  provider: github-pages\n  name: Serverhaus Franken GmbH\n",
            "name",
            ("hosting.{key}: only for provider sftp; {provider} names itself", "name"),
        ),
    ],
)
def test_the_hosting_setting_is_validated_at_its_line(make_project, cli, setting, line, message):
    root = make_project({"content/index.md": ARTICLE.format(title="Start") + "Text.\n"})
    with_hosting(root, setting)
    lines = (root / "rundbrief.yml").read_text(encoding="utf-8").split("\n")
    start = lines.index("hosting:")
    number = next(
        n for n, text in enumerate(lines, 1) if n > start and text.strip().startswith(f"{line}:")
    )
    result = cli(root, "check")
    assert result.exit_code == 1
    text, key = message
    expected = f"rundbrief.yml:{number}: " + _(text).format(key=key, provider="github-pages")
    assert result.stderr.splitlines()[0] == expected


def test_a_page_without_a_block_for_the_chosen_provider_is_a_problem(make_project, cli):
    body = (
        "Einleitung.\n"  # 5
        "\n"
        "<!-- hosting: github-pages -->\n"  # 7
        "Bei GitHub.\n"
        "<!-- /hosting -->\n"
        "\n"
        "<!-- hosting: ftp -->\n"  # 11
        "Irgendwo.\n"  # 12: never closed
    )
    root = make_project({"content/index.md": ARTICLE.format(title="Start") + body})
    with_hosting(root, GERMAN_HOST)
    result = cli(root, "check")
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "content/index.md:7: "
        + _(
            "no hosting block for '{provider}', the provider chosen in rundbrief.yml "
            "(hosting.provider): this page would not say who hosts the site"
        ).format(provider="sftp"),
        "content/index.md:11: "
        + _("hosting block is not closed: add {marker}").format(marker="<!-- /hosting -->"),
        "content/index.md:11: "
        + _("unknown hosting provider '{provider}' (known: {known})").format(
            provider="ftp", known="github-pages, sftp"
        ),
    ]


def test_hosting_blocks_keep_every_line_where_it_is(make_project, cli):
    body = (
        "<!-- hosting: github-pages -->\n"  # 5
        "Bei GitHub.\n"
        "<!-- /hosting -->\n"
        "<!-- hosting: sftp -->\n"
        "In Deutschland.\n"
        "<!-- /hosting -->\n"
        "\n"
        "Siehe [weg](weg.md).\n"  # 12
    )
    root = make_project({"content/index.md": ARTICLE.format(title="Start") + body})
    with_hosting(root, GERMAN_HOST)
    result = cli(root, "check")
    assert stderr_lines(result) == [
        "content/index.md:12: " + _("broken link: {target} does not exist").format(target="weg.md")
    ]
