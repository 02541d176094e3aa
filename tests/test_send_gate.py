"""The approval gate: only an approved newsletter, committed as it is on main, is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git
from members_helpers import member_row, members_file
from smtp_helpers import SmtpServer

APPROVED = "newsletters/2026-11-02-monatsupdate-november.md"
DRAFT = "newsletters/2026-12-01-mitglieder-werben-mitglieder.md"


@pytest.fixture
def members(tmp_path: Path) -> Path:
    return members_file(tmp_path / "private", [member_row(1), member_row(2)])


def refused(cli, project: Path, newsletter: str, members: Path, smtp: SmtpServer) -> str:
    result = cli(project, "send", newsletter, "--members", str(members), env=smtp.env())
    assert result.exit_code == 1
    assert "es wurde nichts geschrieben oder verschickt" in result.stderr
    assert smtp.recorder.received == []
    assert not (project / ".rundbrief" / "journal.sqlite").exists()
    return result.stderr


def test_a_draft_is_refused(example_project, cli, members, smtp):
    stderr = refused(cli, example_project, DRAFT, members, smtp)
    assert (
        f"{DRAFT}:5: status ist 'draft': verschickt wird nur ein freigegebener Newsletter "
        "(status: approved)" in stderr
    )


def test_a_file_with_uncommitted_changes_is_refused(example_project, cli, members, smtp):
    path = example_project / APPROVED
    path.write_text(path.read_text(encoding="utf-8") + "\nNachtrag.\n", encoding="utf-8")
    stderr = refused(cli, example_project, APPROVED, members, smtp)
    assert (
        f"{APPROVED}:1: die Datei hat Änderungen, die noch nicht committet sind: committen Sie "
        "sie und lassen Sie sie in main übernehmen" in stderr
    )


def test_a_file_not_on_main_is_refused(example_project, cli, members, smtp):
    git(example_project, "checkout", "-q", "-b", "entwurf")
    path = example_project / APPROVED
    path.write_text(path.read_text(encoding="utf-8") + "\nNachtrag.\n", encoding="utf-8")
    git(example_project, "commit", "-q", "-am", "not reviewed yet")
    stderr = refused(cli, example_project, APPROVED, members, smtp)
    assert f"{APPROVED}:1: die Datei steht so nicht im Branch main" in stderr


def test_a_new_file_only_on_a_branch_is_refused(example_project, cli, members, smtp):
    git(example_project, "checkout", "-q", "-b", "neu")
    new = "newsletters/2026-12-24-weihnachten.md"
    text = (example_project / APPROVED).read_text(encoding="utf-8")
    (example_project / new).write_text(text, encoding="utf-8")
    git(example_project, "add", new)
    git(example_project, "commit", "-q", "-m", "new")
    stderr = refused(cli, example_project, new, members, smtp)
    assert f"{new}:1: die Datei steht so nicht im Branch main" in stderr


def test_a_branch_with_the_same_file_as_main_may_send(example_project, cli, members, smtp):
    git(example_project, "checkout", "-q", "-b", "other-work")
    result = cli(example_project, "send", APPROVED, "--members", str(members), env=smtp.env())
    assert result.exit_code == 0, result.stderr
    assert len(smtp.recorder.received) == 2


def test_a_draft_may_go_to_the_outbox(example_project, cli, members, smtp):
    result = cli(
        example_project, "send", DRAFT, "--members", str(members), "--dry-run", env=smtp.env()
    )
    assert result.exit_code == 0, result.stderr
    assert len(list((example_project / "build" / "outbox").rglob("*.eml"))) == 2
