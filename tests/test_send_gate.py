"""The approval gate: only an approved newsletter, committed as it is on main, is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git
from journal_helpers import journal_file, journal_runs
from members_helpers import member_row, members_file
from smtp_helpers import NEWSLETTER, SmtpServer, send

APPROVED = NEWSLETTER
DRAFT = "newsletters/2026-12-01-mitglieder-werben-mitglieder.md"


@pytest.fixture
def members(tmp_path: Path) -> Path:
    return members_file(tmp_path / "private", [member_row(1), member_row(2)])


def refused(cli, project: Path, newsletter: str, members: Path, smtp: SmtpServer) -> str:
    result = send(cli, project, members, smtp, newsletter=newsletter)
    assert result.exit_code == 1
    assert "es wurde nichts geschrieben oder verschickt" in result.stderr
    assert smtp.recorder.received == []
    assert not journal_file(project).exists()
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
    assert f"{APPROVED}:1: die Datei steht so nicht im Branch main von origin" in stderr


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
    result = send(cli, example_project, members, smtp, newsletter=APPROVED)
    assert result.exit_code == 0, result.stderr
    assert len(smtp.recorder.received) == 2


def test_a_draft_may_go_to_the_outbox(example_project, cli, members, smtp):
    result = send(cli, example_project, members, smtp, "--dry-run", newsletter=DRAFT)
    assert result.exit_code == 0, result.stderr
    assert len(list((example_project / "build" / "outbox").rglob("*.eml"))) == 2


def test_a_commit_on_local_main_not_on_the_remote_is_refused(example_project, cli, members, smtp):
    path = example_project / APPROVED
    path.write_text(path.read_text(encoding="utf-8") + "\nNachtrag.\n", encoding="utf-8")
    git(example_project, "commit", "-q", "-am", "never pushed, never reviewed")
    stderr = refused(cli, example_project, APPROVED, members, smtp)
    assert (
        f"{APPROVED}:1: die Datei steht so nicht im Branch main von origin "
        "(origin/main, was der Gründer freigegeben hat)" in stderr
    )


def test_a_branch_renamed_to_main_is_refused(example_project, cli, members, smtp):
    git(example_project, "checkout", "-q", "-b", "feature")
    path = example_project / APPROVED
    path.write_text(path.read_text(encoding="utf-8") + "\nNachtrag.\n", encoding="utf-8")
    git(example_project, "commit", "-q", "-am", "on a branch")
    git(example_project, "branch", "-q", "-m", "main", "old-main")
    git(example_project, "branch", "-q", "-m", "feature", "main")
    stderr = refused(cli, example_project, APPROVED, members, smtp)
    assert f"{APPROVED}:1: die Datei steht so nicht im Branch main von origin" in stderr


def test_uncommitted_settings_are_refused(example_project, cli, members, smtp):
    settings = example_project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace("reply_to: support@mitgliederwerk.example", "reply_to: fremd@example.org"),
        encoding="utf-8",
    )
    stderr = refused(cli, example_project, APPROVED, members, smtp)
    assert "rundbrief.yml:1: die Datei hat Änderungen, die noch nicht committet sind" in stderr


def test_settings_committed_but_not_pushed_are_refused(example_project, cli, members, smtp):
    settings = example_project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace(
            "unsubscribe_url: https://www.mitgliederwerk.example/newsletter/abmelden",
            "unsubscribe_url: https://fremd.example.org/abmelden",
        ),
        encoding="utf-8",
    )
    git(example_project, "commit", "-q", "-am", "foreign unsubscribe link")
    stderr = refused(cli, example_project, APPROVED, members, smtp)
    assert "rundbrief.yml:1: die Datei steht so nicht im Branch main von origin" in stderr


def test_a_changed_image_of_the_newsletter_is_refused(example_project, cli, members, smtp):
    # The logo in the header of every email is content/assets/logo.png on the help site.
    (example_project / "content" / "assets" / "logo.png").write_bytes(b"\x89PNG other logo")
    git(example_project, "commit", "-q", "-am", "new logo, not reviewed")
    stderr = refused(cli, example_project, APPROVED, members, smtp)
    assert "content/assets/logo.png:1: die Datei steht so nicht im Branch main von origin" in (
        stderr
    )


def test_what_was_pushed_to_main_is_sent(example_project, cli, members, smtp):
    path = example_project / APPROVED
    path.write_text(path.read_text(encoding="utf-8") + "\nNachtrag.\n", encoding="utf-8")
    git(example_project, "commit", "-q", "-am", "reviewed and merged")
    git(example_project, "push", "-q", "origin", "main")
    result = send(cli, example_project, members, smtp, newsletter=APPROVED)
    assert result.exit_code == 0, result.stderr
    assert len(smtp.recorder.received) == 2


def test_a_merge_on_the_remote_is_fetched_before_comparing(example_project, cli, members, smtp):
    # The founder merged on GitHub; the assistant's clone has not fetched yet.
    other = example_project.parent / "other-clone"
    remote = example_project.parent / "project-origin.git"
    git(example_project.parent, "clone", "-q", str(remote), str(other))
    path = other / APPROVED
    path.write_text(path.read_text(encoding="utf-8") + "\nNachtrag.\n", encoding="utf-8")
    git(other, "commit", "-q", "-am", "merged on the remote")
    git(other, "push", "-q", "origin", "main")
    git(example_project, "pull", "-q", "--ff-only", "origin", "main")
    git(example_project, "update-ref", "-d", "refs/remotes/origin/main")  # as if never fetched
    result = send(cli, example_project, members, smtp, newsletter=APPROVED)
    assert result.exit_code == 0, result.stderr


def test_an_unreachable_remote_is_a_clear_refusal_and_offline_is_logged(
    example_project, cli, members, smtp
):
    remote = example_project.parent / "project-origin.git"
    remote.rename(remote.with_name("gone.git"))
    result = send(cli, example_project, members, smtp, newsletter=APPROVED)
    assert result.exit_code == 1
    assert (
        "Fehler: der Branch main von origin ist nicht erreichbar, um die Freigabe zu prüfen"
        in result.stderr
    )
    assert "--offline" in result.stderr
    assert "Traceback" not in result.stderr
    assert smtp.recorder.received == []

    offline = send(cli, example_project, members, smtp, "--offline", newsletter=APPROVED)
    assert offline.exit_code == 0, offline.stderr
    assert (
        "Warnung: --offline: verglichen mit origin/main, wie es zuletzt abgerufen wurde (Commit "
        in offline.stderr
    )
    assert len(smtp.recorder.received) == 2
    runs = journal_runs(example_project)
    assert [run["offline"] for run in runs] == [1]


def test_the_remote_name_comes_from_the_settings(example_project, cli, members, smtp):
    from conftest import add_remote

    settings = example_project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("remote: origin", "remote: github"), encoding="utf-8")
    git(example_project, "commit", "-q", "-am", "remote name")
    git(example_project, "push", "-q", "origin", "main")
    result = send(cli, example_project, members, smtp, newsletter=APPROVED)
    assert result.exit_code == 1
    assert "der Branch main von github ist nicht erreichbar" in result.stderr
    assert smtp.recorder.received == []
    add_remote(example_project, "github")
    result = send(cli, example_project, members, smtp, newsletter=APPROVED)
    assert result.exit_code == 0, result.stderr
