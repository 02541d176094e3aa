"""send names what it sends: the commit, and the pull request whose merge approved it."""

from __future__ import annotations

from pathlib import Path

from conftest import git
from members_helpers import member_row, members_file
from smtp_helpers import send

REFERRAL = "newsletters/2026-12-01-mitglieder-werben-mitglieder.md"


def merge_approval(project: Path, tmp_path: Path, message: str, *, squash: bool = False) -> str:
    """Approve the draft on a branch and bring it into main as GitHub would; push to origin."""
    del tmp_path
    git(project, "checkout", "-q", "-b", "freigabe")
    path = project / REFERRAL
    path.write_text(
        path.read_text(encoding="utf-8").replace("status: draft", "status: approved"),
        encoding="utf-8",
    )
    git(project, "commit", "-q", "-am", "Newsletter freigeben")
    git(project, "checkout", "-q", "main")
    if squash:
        git(project, "merge", "-q", "--squash", "freigabe")
        git(project, "commit", "-q", "-m", message)
    else:
        git(project, "merge", "-q", "--no-ff", "freigabe", "-m", message)
    git(project, "push", "-q", "origin", "main")  # (the example project's remote: conftest)
    return git(project, "rev-parse", "HEAD").strip()


def test_send_names_the_commit_and_the_merged_pull_request(example_project, cli, smtp, tmp_path):
    head = merge_approval(example_project, tmp_path, "Merge pull request #12 from team/freigabe")
    members = members_file(tmp_path / "private", [member_row(1)])
    result = send(cli, example_project, members, smtp, newsletter=REFERRAL)
    assert result.exit_code == 0, result.stderr
    assert f"Verschickte Fassung: Commit {head[:12]} (Pull Request #12)\n" in result.stdout


def test_a_squash_merge_names_its_pull_request_too(example_project, cli, smtp, tmp_path):
    head = merge_approval(
        example_project, tmp_path, "Adventsnewsletter freigeben (#31)", squash=True
    )
    members = members_file(tmp_path / "private", [member_row(1)])
    result = send(cli, example_project, members, smtp, newsletter=REFERRAL)
    assert result.exit_code == 0, result.stderr
    assert f"Verschickte Fassung: Commit {head[:12]} (Pull Request #31)\n" in result.stdout


def test_without_a_pull_request_only_the_commit_is_named(example_project, cli, smtp, tmp_path):
    head = merge_approval(example_project, tmp_path, "Freigabe direkt auf main")
    members = members_file(tmp_path / "private", [member_row(1)])
    result = send(cli, example_project, members, smtp, newsletter=REFERRAL)
    assert result.exit_code == 0, result.stderr
    assert f"Verschickte Fassung: Commit {head[:12]}\n" in result.stdout
    assert "Pull Request" not in result.stdout


def test_a_dry_run_names_no_approved_version(example_project, cli, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1)])
    result = cli(
        example_project,
        "send",
        REFERRAL,
        "--members",
        str(members),
        "--dry-run",
        env={"RUNDBRIEF_UNSUBSCRIBE_SECRET": "x" * 20},
    )
    assert result.exit_code == 0, result.stderr
    assert "Verschickte Fassung" not in result.stdout
