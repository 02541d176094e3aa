"""`send` to members asks first in a terminal; without one only `--yes` sends."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from members_helpers import member_row, members_file
from smtp_helpers import NEWSLETTER, SmtpServer

QUESTION = "Jetzt an 3 Mitglieder senden? [j/N]"
SUBJECT = "Ihr Monatsupdate November: Dividende, neue App-Funktionen und Termine"


def send_in_terminal(
    project: Path, members: Path, smtp: SmtpServer, answer: str
) -> tuple[str, int]:
    """Run `send` with a pseudo-terminal as its console; answer the question; (output, code)."""
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "generator", "-C", str(project), "send", NEWSLETTER]
    process = subprocess.Popen(
        [*command, "--members", str(members)],
        env={**os.environ, **smtp.env()},
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
    )
    os.close(follower)
    output = b""
    answered = False
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1.0)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if not answered and b"[j/N]" in output:
                os.write(leader, answer.encode() + b"\n")
                answered = True
    finally:
        os.close(leader)
    return output.decode("utf-8", "replace").replace("\r\n", "\n"), process.wait(timeout=60)


def test_a_terminal_shows_subject_audience_and_count_and_no_sends_nothing(
    example_project, smtp, tmp_path
):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 4)])
    output, code = send_in_terminal(example_project, members, smtp, "n")
    assert QUESTION in output, output
    before = output[: output.index(QUESTION)]
    assert f"Betreff: {SUBJECT}" in before
    assert "Zielgruppe: alle" in before
    assert "3 Empfänger" in before  # the summary with the exclusions comes first too
    assert "Rückmeldungs-Postfach wurde noch nie gelesen" in before  # a reason to stop, in time
    assert "nichts verschickt (nicht bestätigt)" in output
    assert "Traceback" not in output
    assert code == 1
    assert smtp.recorder.received == []


def test_a_terminal_answer_yes_sends(example_project, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 4)])
    output, code = send_in_terminal(example_project, members, smtp, "j")
    assert code == 0, output
    assert QUESTION in output
    assert len(smtp.recorder.received) == 3


def test_no_terminal_and_no_yes_refuses_naming_yes(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 4)])
    arguments = ("send", NEWSLETTER, "--members", str(members))
    result = cli(example_project, *arguments, env=smtp.env())
    assert result.exit_code == 2, result.stderr
    assert "--yes" in result.stderr and "kein Terminal" in result.stderr, result.stderr
    assert "3 Empfänger" in result.stdout  # what would have gone out is shown all the same
    assert smtp.recorder.received == []

    sent = cli(example_project, *arguments, "--yes", env=smtp.env())
    assert sent.exit_code == 0, sent.stderr
    assert "[j/N]" not in sent.stdout
    assert len(smtp.recorder.received) == 3


def test_a_dry_run_and_test_copies_never_ask(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1)])
    dry = cli(
        example_project, "send", NEWSLETTER, "--members", str(members), "--dry-run", env=smtp.env()
    )
    assert dry.exit_code == 0, dry.stderr
    test = cli(
        example_project,
        "send",
        NEWSLETTER,
        "--test-to",
        "pruefung@beispiel.example",
        env=smtp.env(),
    )
    assert test.exit_code == 0, test.stderr
    assert len(smtp.recorder.received) == 1
