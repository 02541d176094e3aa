"""``rundbrief send --due``: what main schedules goes out once, when due, and only then."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import git
from journal_helpers import journal_file, journal_sql, journal_states
from members_helpers import member, member_row, members_file
from smtp_helpers import NEWSLETTER, SmtpServer, wait_for

from generator.core.problems import RundbriefError
from generator.sending.journal import Journal

DRAFT = "newsletters/2026-12-01-mitglieder-werben-mitglieder.md"


def when(delta: dt.timedelta) -> str:
    """A ``send_at`` value ``delta`` from now, written with its offset (no test hangs on the day)."""
    return f"{dt.datetime.now(dt.UTC) + delta:%Y-%m-%d %H:%M}+00:00"


def schedule(project: Path, rel: str, send_at: str, *, push: bool = True) -> None:
    """Give the newsletter a send_at, commit it and merge it into the remote's main."""
    path = project / rel
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\naudience:", f"\nsend_at: {send_at}\naudience:", 1), "utf-8")
    git(project, "commit", "-q", "-am", f"schedule {rel}")
    if push:
        git(project, "push", "-q", "origin", "main")


def due(cli, project: Path, members: Path, smtp: SmtpServer, *extra: str, **env: str):
    """``rundbrief send --due --members MEMBERS`` in-process against ``smtp``."""
    return cli(project, "send", "--due", "--members", str(members), *extra, env=smtp.env(**env))


def due_process(
    project: Path, members: Path, smtp: SmtpServer, **env: str
) -> subprocess.Popen[str]:
    """``rundbrief send --due`` in a process of its own (to race or to kill)."""
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "-C", str(project), "send", "--due"],
        env={**os.environ, **smtp.env(), "RUNDBRIEF_MEMBERS_FILE": str(members), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def members(tmp_path: Path) -> Path:
    return members_file(tmp_path / "private", [member_row(n) for n in range(3)])


def test_a_send_at_ahead_is_not_sent_by_due_and_refused_by_hand_unless_now(
    example_project, cli, members, smtp
):
    schedule(example_project, NEWSLETTER, when(dt.timedelta(days=30)))
    result = due(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    assert "nichts fällig" in result.stdout
    assert f"als Nächstes: {NEWSLETTER} am " in result.stdout
    assert smtp.recorder.received == []

    by_hand = cli(
        example_project, "send", NEWSLETTER, "--members", str(members), "--yes", env=smtp.env()
    )
    assert by_hand.exit_code == 1
    assert f"{NEWSLETTER}:6: send_at ist " in by_hand.stderr
    assert "mit --now" in by_hand.stderr
    assert smtp.recorder.received == []

    now = cli(
        example_project,
        "send",
        NEWSLETTER,
        "--members",
        str(members),
        "--now",
        "--yes",
        env=smtp.env(),
    )
    assert now.exit_code == 0, now.stderr
    assert len(smtp.recorder.received) == 3


def test_a_passed_send_at_is_sent_once_and_then_nothing_is_due(example_project, cli, members, smtp):
    schedule(example_project, NEWSLETTER, when(-dt.timedelta(minutes=20)))
    first = due(cli, example_project, members, smtp)
    assert first.exit_code == 0, first.stderr
    assert f"{NEWSLETTER}: fällig seit " in first.stdout
    assert smtp.recorder.count_by_recipient() == {member(n): 1 for n in range(3)}

    second = due(cli, example_project, members, smtp)
    assert second.exit_code == 0, second.stderr
    assert "nichts fällig" in second.stdout
    assert len(smtp.recorder.received) == 3


def test_newsletters_without_send_at_and_drafts_are_never_sent_by_due(
    example_project, cli, members, smtp
):
    schedule(example_project, DRAFT, when(-dt.timedelta(minutes=20)))  # a draft, time passed
    result = due(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    assert "nichts fällig" in result.stdout
    assert smtp.recorder.received == []


def test_only_what_is_on_the_remotes_main_is_due(example_project, cli, members, smtp):
    schedule(example_project, NEWSLETTER, when(-dt.timedelta(minutes=20)), push=False)
    result = due(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    assert "nichts fällig" in result.stdout  # main does not schedule it: not approved for that
    assert smtp.recorder.received == []


def test_a_due_newsletter_changed_here_is_refused_by_the_gate(example_project, cli, members, smtp):
    schedule(example_project, NEWSLETTER, when(-dt.timedelta(minutes=20)))
    path = example_project / NEWSLETTER
    path.write_text(path.read_text(encoding="utf-8") + "\nNachtrag.\n", encoding="utf-8")
    result = due(cli, example_project, members, smtp)
    assert result.exit_code == 1
    assert f"{NEWSLETTER}:1: die Datei hat Änderungen, die noch nicht committet sind" in (
        result.stderr
    )
    assert "1 geplanter Newsletter ging nicht wie geplant hinaus" in result.stderr
    assert smtp.recorder.received == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_send_at_long_past_is_skipped_and_said_failing_the_first_run_only(
    example_project, cli, members, smtp, backend, request
):
    state = (
        {"RUNDBRIEF_STATE_URL": request.getfixturevalue("postgres")} if backend != "sqlite" else {}
    )
    schedule(example_project, NEWSLETTER, when(-dt.timedelta(days=3)))
    first = due(cli, example_project, members, smtp, **state)
    assert first.exit_code == 1
    assert f"{NEWSLETTER}:6: Warnung: send_at " in first.stderr
    assert "vor mehr als 24 Stunden" in first.stderr
    assert "nichts fällig" in first.stdout
    second = due(cli, example_project, members, smtp, **state)
    assert second.exit_code == 0, second.stderr  # said once; the warning stays
    assert f"{NEWSLETTER}:6: Warnung: send_at " in second.stderr
    assert smtp.recorder.received == []

    by_hand = cli(
        example_project,
        "send",
        NEWSLETTER,
        "--members",
        str(members),
        "--yes",
        env=smtp.env(**state),
    )
    assert by_hand.exit_code == 0, by_hand.stderr  # whoever decides it still matters may
    assert len(smtp.recorder.received) == 3


def test_a_send_left_open_past_the_window_is_not_resumed_by_itself(
    example_project, cli, members, smtp
):
    schedule(example_project, NEWSLETTER, when(-dt.timedelta(days=3)))
    by_hand = cli(
        example_project,
        "send",
        NEWSLETTER,
        "--members",
        str(members),
        "--max-per-hour",
        "1",
        "--yes",
        env=smtp.env(),
    )
    assert by_hand.exit_code == 0, by_hand.stderr
    assert len(smtp.recorder.received) == 1  # capped: two members still open
    first = due(cli, example_project, members, smtp)
    assert first.exit_code == 1
    assert f"{NEWSLETTER}:6: Warnung: send_at " in first.stderr
    assert "2 Empfänger sind noch offen: nicht von selbst fortgesetzt" in first.stderr
    second = due(cli, example_project, members, smtp)
    assert second.exit_code == 0, second.stderr  # said once; the warning stays
    assert len(smtp.recorder.received) == 1


def test_the_window_comes_from_the_settings(example_project, cli, members, smtp):
    settings = example_project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("remote: origin", "remote: origin\n  due_window: 96"), "utf-8")
    git(example_project, "commit", "-q", "-am", "four days")
    schedule(example_project, NEWSLETTER, when(-dt.timedelta(days=3)))
    result = due(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    assert len(smtp.recorder.received) == 3


def test_due_writes_a_german_job_summary(example_project, cli, members, smtp, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    schedule(example_project, NEWSLETTER, when(-dt.timedelta(minutes=20)))
    first = due(cli, example_project, members, smtp, GITHUB_STEP_SUMMARY=str(summary))
    assert first.exit_code == 0, first.stderr
    second = due(cli, example_project, members, smtp, GITHUB_STEP_SUMMARY=str(summary))
    assert second.exit_code == 0, second.stderr
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### Geplanter Versand\n")  # appended, never replaced
    assert "Ihr Monatsupdate November: Dividende, neue App-Funktionen und Termine" in text
    assert f"(`{NEWSLETTER}`)" in text
    assert "| 3 verschickt |" in text
    assert text.count("### Geplanter Versand") == 2
    assert text.rstrip().endswith("Nichts fällig.")


def test_a_run_that_cannot_reach_main_says_so_in_the_summary(
    example_project, cli, members, smtp, tmp_path
):
    schedule(example_project, NEWSLETTER, when(-dt.timedelta(minutes=20)))
    remote = example_project.parent / "project-origin.git"
    remote.rename(remote.with_name("gone.git"))
    summary = tmp_path / "summary.md"
    result = due(cli, example_project, members, smtp, GITHUB_STEP_SUMMARY=str(summary))
    assert result.exit_code == 1
    assert "send --due mit --offline" in result.stderr
    text = summary.read_text(encoding="utf-8")
    assert "**abgebrochen**, nichts verschickt." in text
    assert "der Branch main von origin ist nicht erreichbar" in text
    assert smtp.recorder.received == []


@pytest.mark.parametrize(("silent", "exit_code"), [(5, 0), (120, 1)])
def test_a_lock_of_another_machine_is_waited_for_unless_it_has_long_been_silent(
    example_project, cli, members, smtp, silent, exit_code
):
    # A laptop sending the same newsletter through the shared state holds its lock: fine while
    # it is busy; after it crashed, the scheduled run must not wait in silence for ever.
    schedule(example_project, NEWSLETTER, when(-dt.timedelta(minutes=20)))
    seen = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=silent)).isoformat()
    Journal(journal_file(example_project)).close()  # (the journal with its tables)
    journal_sql(
        example_project,
        "INSERT INTO runs (newsletter, pid, host, started_at, seen_at) VALUES (?, 4242, ?, ?, ?)",
        Path(NEWSLETTER).stem,
        "laptop-der-assistentin",
        seen,
        seen,
    )
    result = due(cli, example_project, members, smtp)
    assert result.exit_code == exit_code, result.stderr
    assert "laptop-der-assistentin" in result.stderr
    assert smtp.recorder.received == []


def test_in_github_actions_due_needs_a_state_that_outlives_the_runner(
    example_project, cli, members, smtp
):
    schedule(example_project, NEWSLETTER, when(-dt.timedelta(minutes=20)))
    result = due(cli, example_project, members, smtp, GITHUB_ACTIONS="true")
    assert result.exit_code == 2
    assert "RUNDBRIEF_STATE_URL" in result.stderr
    assert smtp.recorder.received == []


def test_due_refuses_a_named_newsletter_and_the_options_of_one_send(
    example_project, cli, members, smtp
):
    named = due(cli, example_project, members, smtp, NEWSLETTER)
    assert named.exit_code == 2
    both = due(cli, example_project, members, smtp, "--dry-run", "--now")
    assert both.exit_code == 2
    assert "--dry-run, --now" in both.stderr


def test_runs_opening_a_new_journal_at_the_same_moment_all_get_it(tmp_path):
    # Two `send --due` at once on a fresh clone both create the journal. Found by the race
    # below: one failed with "duplicate column name" (two migrations), then, rarely, with
    # "database is locked" (two switches to WAL; SQLite refuses one at once, not waiting).
    failures: list[str] = []
    for attempt in range(150):
        path = tmp_path / f"{attempt}" / "journal.sqlite"
        start = threading.Barrier(8)

        def open_it(path: Path = path, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                Journal(path).close()
            except RundbriefError as error:
                failures.append(str(error))

        threads = [threading.Thread(target=open_it) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []


@pytest.mark.slow
def test_an_interrupted_scheduled_send_is_resumed_by_due_nothing_twice(
    example_project, smtp, tmp_path
):
    count = 300
    members = members_file(tmp_path / "private", [member_row(n) for n in range(count)])
    schedule(example_project, NEWSLETTER, when(-dt.timedelta(minutes=20)))
    smtp.recorder.delay = 0.003  # long enough to land the kill in the middle
    process = due_process(example_project, members, smtp)
    going = wait_for(lambda: len(smtp.recorder.received) >= 60 or process.poll() is not None, 60)
    assert going, "the send never got going"
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = len(smtp.recorder.received)
    assert killed_at < count, "the send finished before it could be killed"

    resumed = due_process(example_project, members, smtp)
    stdout, stderr = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, stderr
    assert "Versand fortgesetzt" in stdout
    counts = smtp.recorder.count_by_recipient()
    assert max(counts.values()) == 1, "someone got the newsletter twice"
    states = journal_states(example_project)
    uncertain = {r for r, s in states.items() if s == "sending"}
    # Claimed at the kill (in flight, or waiting for one of the 4 connections): never resent.
    assert len(uncertain) <= 2 * 4
    assert {member(n) for n in range(count)} - uncertain <= set(counts)

    again = due_process(example_project, members, smtp)
    stdout, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    assert "nichts fällig" in stdout


@pytest.mark.slow
def test_two_due_runs_at_the_same_moment_give_each_member_one_message(
    example_project, smtp, tmp_path
):
    count = 120
    members = members_file(tmp_path / "private", [member_row(n) for n in range(count)])
    schedule(example_project, NEWSLETTER, when(-dt.timedelta(minutes=20)))
    smtp.recorder.delay = 0.002
    runs = [due_process(example_project, members, smtp) for _ in range(2)]
    outputs = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert smtp.recorder.count_by_recipient() == {member(n): 1 for n in range(count)}
    # One run sent it; the other found it being sent, or nothing left to do.
    assert sum(f"{NEWSLETTER}: fällig seit " in stdout for stdout, _err in outputs) >= 1


@pytest.mark.slow
def test_two_clones_sharing_the_postgresql_state_send_due_at_once_each_member_once(
    example_project, smtp, tmp_path, postgres
):
    # CI and a laptop, say: two checkouts of the same remote, one state (RUNDBRIEF_STATE_URL).
    count = 120
    members = members_file(tmp_path / "private", [member_row(n) for n in range(count)])
    schedule(example_project, NEWSLETTER, when(-dt.timedelta(minutes=20)))
    other = tmp_path / "other-clone"
    git(tmp_path, "clone", "-q", str(example_project.parent / "project-origin.git"), str(other))
    smtp.recorder.delay = 0.002
    env = {"RUNDBRIEF_STATE_URL": postgres, "GITHUB_ACTIONS": "true"}  # (lasting state: allowed)
    runs = [due_process(root, members, smtp, **env) for root in (example_project, other)]
    outputs = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert smtp.recorder.count_by_recipient() == {member(n): 1 for n in range(count)}
    assert not (example_project / ".rundbrief" / "journal.sqlite").exists()  # all in PostgreSQL

    again = due_process(other, members, smtp, **env)
    stdout, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    assert "nichts fällig" in stdout  # the other clone's send is complete here too
