"""CI builds the dev container's image and runs the README's two commands in it.

scripts/container-check does the building and running (with podman; .ci/run calls it). These
tests check its plan: that it builds the image devcontainer.json names, runs as the container's
user, and runs the README's commands verbatim, whatever those files say.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from test_workplace import jsonc

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "container-check"


def plan(root: Path = REPO) -> subprocess.CompletedProcess[str]:
    """``scripts/container-check --plan`` of the repository at ``root``."""
    return subprocess.run(
        [sys.executable, str(root / "scripts" / "container-check"), "--plan"],
        capture_output=True,
        text=True,
        check=False,
    )


def project(tmp_path: Path) -> Path:
    """A copy of the files the plan reads: the script, .devcontainer/ and README.md."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, root / "scripts")
    shutil.copytree(REPO / ".devcontainer", root / ".devcontainer")
    shutil.copy(REPO / "README.md", root)
    return root


def test_the_check_builds_the_image_devcontainer_json_names_and_runs_the_readme_commands():
    result = plan()
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    container = jsonc(REPO / ".devcontainer" / "devcontainer.json")
    assert found["dockerfile"] == f".devcontainer/{container['build']['dockerfile']}"
    assert found["user"] == container["remoteUser"]
    assert found["base"] == "docker.io/library/debian:bookworm"
    assert found["commands"] == [
        "scripts/setup && .venv/bin/rundbrief build",
        "scripts/setup --test && .venv/bin/python -m pytest",
    ]
    # What the container sets up on its first start is what the README's test command sets up.
    assert found["commands"][1].startswith(container["postCreateCommand"] + " && ")


def test_ci_runs_the_container_check_and_installs_its_tools():
    lines = [  # without comments
        line.split(" #")[0].strip()
        for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    ]
    assert "scripts/setup --test --container" in lines
    assert any(re.match(r"(\S+ )*scripts/container-check\b", line) for line in lines), lines


def test_the_plan_follows_devcontainer_json_and_the_readme(tmp_path):
    root = project(tmp_path)
    config_path = root / ".devcontainer" / "devcontainer.json"
    config = jsonc(config_path)
    config["build"]["dockerfile"] = "Other.Dockerfile"
    config["remoteUser"] = "schreiberin"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    (root / ".devcontainer" / "Dockerfile").rename(root / ".devcontainer" / "Other.Dockerfile")
    readme = root / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8").replace(
            ".venv/bin/rundbrief build", ".venv/bin/rundbrief build --strict"
        ),
        encoding="utf-8",
    )
    result = plan(root)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["dockerfile"] == ".devcontainer/Other.Dockerfile"
    assert found["user"] == "schreiberin"
    assert found["commands"][0] == "scripts/setup && .venv/bin/rundbrief build --strict"


def test_a_base_image_that_cannot_be_made_here_stops_the_check_with_the_reason(tmp_path):
    root = project(tmp_path)
    dockerfile = root / ".devcontainer" / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    dockerfile.write_text(text.replace("FROM debian:bookworm", "FROM python:3.11"), "utf-8")
    result = plan(root)
    assert result.returncode == 1
    assert "the base must be debian:<suite>" in result.stderr
    assert result.stdout == ""


def test_a_readme_without_its_quick_start_stops_the_check(tmp_path):
    root = project(tmp_path)
    readme = root / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8").replace("## Quick start", "## Schnellstart"), "utf-8"
    )
    result = plan(root)
    assert result.returncode == 1
    assert "no '## Quick start' section" in result.stderr


def test_a_broken_devcontainer_json_stops_the_check_without_a_traceback(tmp_path):
    root = project(tmp_path)
    (root / ".devcontainer" / "devcontainer.json").write_text('{"build": {', "utf-8")
    result = plan(root)
    assert result.returncode == 1
    assert result.stderr.startswith("container-check: FAILED: ")
    assert "Traceback" not in result.stderr


def test_a_machine_without_containers_is_told_apart_from_a_failing_image(tmp_path):
    # No podman on the path: nothing about the image is known (exit 3, not 1), and .ci/run then
    # runs the README's test command on the host, saying loudly that the image went unchecked.
    empty = tmp_path / "bin"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, str(SCRIPT)],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": str(empty), "RUNDBRIEF_CONTAINER_STORE": str(tmp_path / "store")},
    )
    assert result.returncode == 3, result.stderr
    assert "CANNOT RUN CONTAINERS HERE: podman is missing" in result.stderr
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    fallback = ci[ci.index('if [ "$status" -eq 3 ]') : ci.index("elif")]
    assert "the image is NOT checked" in fallback
    assert ".venv/bin/python -m pytest" in fallback
    assert 'elif [ "$status" -ne 0 ]; then' in ci and "exit 1" in ci[ci.index("elif") :]
