"""Open and work on any computer: the dev container, the German tasks, `rundbrief new artikel`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.site.builder import host_checked

REPO = Path(__file__).resolve().parent.parent


def jsonc(path: Path) -> dict:
    """A VS Code settings file (JSON, perhaps with // comments)."""
    text = re.sub(r"^\s*//.*$", "", path.read_text(encoding="utf-8"), flags=re.M)
    return json.loads(text)


def test_the_dev_container_sets_up_like_ci_and_forwards_the_preview():
    container = jsonc(REPO / ".devcontainer" / "devcontainer.json")
    assert container["build"]["dockerfile"] == "Dockerfile"
    assert container["postCreateCommand"] == "scripts/setup --test"  # what CI runs first
    assert 8000 in container["forwardPorts"]
    assert container["portsAttributes"]["8000"]["label"] == "Vorschau"
    dockerfile = (REPO / ".devcontainer" / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM debian:bookworm$", dockerfile, re.M)  # Python 3.11, as on CI
    assert "redhat.vscode-yaml" in container["customizations"]["vscode"]["extensions"]


def test_every_task_is_german_and_calls_a_command_that_exists(cli, example_project):
    tasks = jsonc(REPO / ".vscode" / "tasks.json")["tasks"]
    labels = [task["label"] for task in tasks]
    assert labels == [
        "Vorschau",
        "Prüfen",
        "Neuer Newsletter",
        "Neuer Artikel",
        "Testversand an mich",
        "Freigabe-Seite",
    ]
    for task in tasks:
        assert task["command"].endswith("/.venv/bin/rundbrief")
        words = [arg for arg in task["args"] if not arg.startswith("${")]
        command = [w for w in words if not w.startswith("-")][:2]
        options = [w for w in words if w.startswith("--")]
        result = cli(example_project, *command[: 2 if command[0] == "new" else 1], "--help")
        assert result.exit_code == 0, (task["label"], result.output)
        for option in options:
            assert option in result.stdout, (task["label"], option)


def test_the_section_choice_of_new_article_lists_the_sections_of_the_help_site():
    inputs = {i["id"]: i for i in jsonc(REPO / ".vscode" / "tasks.json")["inputs"]}
    sections = sorted(p.parent.name for p in (REPO / "content").glob("*/index.md"))
    assert inputs["bereich"]["options"] == sections


def test_the_check_task_underlines_problems_at_their_lines():
    matcher = next(
        t for t in jsonc(REPO / ".vscode" / "tasks.json")["tasks"] if t["label"] == "Prüfen"
    )["problemMatcher"]
    pattern = re.compile(matcher["pattern"]["regexp"])
    found = pattern.match("newsletters/2026-12-20-x.md:4: Warnung: die Tabelle ist zu breit")
    assert found is not None
    assert (found.group(1), found.group(2), found.group(4)) == (
        "newsletters/2026-12-20-x.md",
        "4",
        "die Tabelle ist zu breit",
    )


def test_new_article_scaffolds_a_draft_in_its_section(cli, example_project):
    result = cli(
        example_project, "new", "artikel", "Konto gehackt – was tun?", "--bereich", "konto"
    )
    assert result.exit_code == 0, result.output
    path = example_project / "content" / "konto" / "konto-gehackt-was-tun.md"
    assert result.stdout == f"content/konto/{path.name} angelegt (draft: true).\n"
    text = path.read_text(encoding="utf-8")
    assert 'title: "Konto gehackt – was tun?"' in text and "draft: true" in text
    assert cli(example_project, "check").exit_code == 0
    again = cli(example_project, "new", "artikel", "Konto gehackt – was tun?", "--bereich", "konto")
    assert again.exit_code == 2 and path.read_text(encoding="utf-8") == text


def test_new_article_in_an_unknown_section_names_the_known_ones(cli, example_project):
    result = cli(example_project, "new", "artikel", "Titel", "--bereich", "zahlung")
    assert result.exit_code == 2
    assert "den Bereich 'zahlung' gibt es nicht; vorhanden: beteiligungen," in result.stderr
    assert not list((example_project / "content").glob("*/titel.md"))


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("meine-codespace-8000.app.github.dev", True),
        ("meine-codespace-8001.app.github.dev", False),
        ("andere-8000.app.github.dev", False),
        ("127.0.0.1:8000", True),
    ],
)
def test_the_preview_answers_the_name_codespaces_forwards_it_as(monkeypatch, host, allowed):
    monkeypatch.setenv("CODESPACE_NAME", "meine-codespace")
    monkeypatch.setenv("GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN", "app.github.dev")
    statuses = []
    app = host_checked(lambda environ, start: [b"ok"], "127.0.0.1", 8000)
    app({"HTTP_HOST": host}, lambda status, headers: statuses.append(status))
    assert (statuses == []) is allowed, statuses
