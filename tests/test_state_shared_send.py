"""Two clones sharing one PostgreSQL state: the same newsletter at the same moment, killed, resumed.

Real processes (``python -m generator send``), a real SMTP server (aiosmtpd) and the
throw-away PostgreSQL over verified TLS: every member receives exactly one message.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from conftest import git
from members_helpers import member, member_row, members_file
from postgres_helpers import PostgresServer
from smtp_helpers import NEWSLETTER, send_process, wait_for

from generator.sending.postgres_journal import PostgresJournal

MEMBERS = 300
SLUG = Path(NEWSLETTER).stem


def second_clone(project: Path) -> Path:
    """Another clone of the same remote, as on a second machine (CI, a colleague's laptop)."""
    remote = project.parent / f"{project.name}-origin.git"
    clone = project.parent / "zweiter-klon"
    git(project.parent, "clone", "-q", str(remote), str(clone))
    return clone


def shared_state(postgres: str, server: PostgresServer) -> dict[str, str]:
    """The environment that puts the state into PostgreSQL, over TLS with the server verified."""
    return {"RUNDBRIEF_STATE_URL": f"{postgres}?sslmode=verify-full&sslrootcert={server.ca_file}"}


def states(postgres: str) -> dict[str, str]:
    with PostgresJournal(postgres) as journal:
        return {r: e.state for r, e in journal.entries(SLUG).items()}


@pytest.mark.slow
def test_two_clones_sending_at_once_give_each_member_one_message(
    example_project: Path, smtp, tmp_path: Path, postgres: str, postgres_server: PostgresServer
) -> None:
    clone = second_clone(example_project)
    members = members_file(tmp_path / "private", [member_row(n) for n in range(MEMBERS)])
    env = shared_state(postgres, postgres_server)
    smtp.recorder.delay = 0.002

    racers = [
        send_process(project, members, smtp, "--connections", "4", env=env)
        for project in (example_project, clone)
    ]
    outcomes = [racer.communicate(timeout=180) for racer in racers]

    codes = [racer.returncode for racer in racers]
    assert 0 in codes, outcomes
    for code, (_stdout, stderr) in zip(codes, outcomes, strict=True):
        if code != 0:  # the one that came second was refused, not half-sent
            # Running, or caught between taking the lock and recording its run: "starting".
            assert "dieser Newsletter wird gerade" in stderr and "erneut" in stderr, stderr
    counts = smtp.recorder.count_by_recipient()
    assert set(counts) == {member(n) for n in range(MEMBERS)}
    assert max(counts.values()) == 1, "someone got the newsletter twice"
    assert set(states(postgres).values()) == {"sent"}
    # The second machine, asked again, finds nothing left to send.
    again = send_process(clone, members, smtp, env=env)
    _stdout, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    assert max(smtp.recorder.count_by_recipient().values()) == 1


@pytest.mark.slow
def test_sigkill_on_one_machine_then_resume_on_the_other_sends_nothing_twice(
    example_project: Path, smtp, tmp_path: Path, postgres: str, postgres_server: PostgresServer
) -> None:
    clone = second_clone(example_project)
    members = members_file(tmp_path / "private", [member_row(n) for n in range(MEMBERS)])
    everyone = {member(n) for n in range(MEMBERS)}
    env = shared_state(postgres, postgres_server)
    smtp.recorder.delay = 0.003
    process = send_process(example_project, members, smtp, "--connections", "4", env=env)
    going = wait_for(lambda: len(smtp.recorder.received) >= 100 or process.poll() is not None, 90)
    assert going, "the send never got going"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert len(smtp.recorder.received) < MEMBERS, "the send finished before it could be killed"

    # No lock to release by hand: the killed run's session, and its lock, are gone.
    resumed = send_process(clone, members, smtp, env=env)
    _stdout, stderr = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, stderr

    counts = smtp.recorder.count_by_recipient()
    journal = states(postgres)
    assert set(journal) == everyone
    assert max(counts.values()) == 1, "someone got the newsletter twice"
    uncertain = {r for r, s in journal.items() if s == "sending"}
    assert len(uncertain) <= 2 * 4  # in flight and waiting, per connection of the killed run
    assert {r for r, s in journal.items() if s == "sent"} == everyone - uncertain
    assert all(counts[r] == 1 for r in everyone - uncertain)
