"""Every command's common failure paths end in German, with the next step, without a traceback.

A next step is recognised by a formal imperative ("prüfen Sie", "setzen Sie", "starten Sie …"),
an option to use (`--port 8001`, `--yes`), or Click's pointer to `--help`; English is recognised
by words German never uses. Real servers throughout: aiosmtpd, Dovecot, a listening socket.
"""

from __future__ import annotations

import ast
import errno
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest
import trustme
from babel.messages.pofile import read_po
from click.testing import CliRunner
from members_helpers import member_row, members_file
from smtp_helpers import NEWSLETTER, free_port, send, send_process, wait_for

from generator.cli import main
from generator.core.connection import Server, explain

ENGLISH = re.compile(
    r"\b(the|and|is|not|cannot|failed|refused|error|Error|Usage|Aborted|Traceback|Try|"
    r"Connection|Name or service|No such file|Permission denied|expected|got)\b"
)
NEXT_STEP = re.compile(r"\b\w+(en|ern|eln) Sie\b|--[a-z][\w-]+ \d+|--yes|--help“ zeigt", re.I)


def assert_german_with_next_step(text: str) -> None:
    """The words a user reads: German, a next step, no traceback."""
    assert text.strip(), "no message at all"
    assert "Traceback" not in text, text
    # Names the user types (variables, options, paths) are not sentences: leave them out.
    words = re.sub(r"RUNDBRIEF_\w+|--[\w-]+|\S*/\S*|'[^']*'|„[^“]*“", "", text)
    assert not ENGLISH.search(words), text
    assert NEXT_STEP.search(text), text


# --- no server needed -------------------------------------------------------------------------


def _commands() -> list[tuple[str, ...]]:
    found = []
    for name, command in main.commands.items():
        if isinstance(command, click.Group):
            found += [(name, sub) for sub in command.commands]
        elif not command.hidden:
            found.append((name,))
    return found


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_an_unknown_option_of_every_command(example_project, cli, command):
    result = cli(example_project, *command, "--gibtsnicht")
    assert result.exit_code == 2
    assert "Eine Option '--gibtsnicht' gibt es nicht." in result.stderr
    assert_german_with_next_step(result.stderr)


MISSING = [
    ("send", "newsletters/fehlt.md", "--members", "{members}", "--yes"),
    ("send", NEWSLETTER, "--members", "fehlt.csv"),
    ("kits", "--members", "fehlt.csv"),
    ("report", "--signups", "fehlt.csv"),
    ("status",),
    ("new", "artikel", "Titel", "--bereich", "gibtsnicht"),
]


@pytest.mark.parametrize("args", MISSING, ids=" ".join)
def test_a_missing_file(example_project, cli, tmp_path, args):
    members = members_file(tmp_path / "private", [member_row(1)])
    arguments = [arg.format(members=members) for arg in args]
    result = cli(example_project, *arguments, env={"RUNDBRIEF_UNSUBSCRIBE_SECRET": "x" * 20})
    assert result.exit_code in (1, 2), result.stderr
    assert_german_with_next_step(result.stderr)


def test_a_folder_that_is_no_repository(cli, tmp_path):
    result = cli(tmp_path, "check")
    assert result.exit_code == 1
    assert_german_with_next_step(result.stderr)
    assert "-C" in result.stderr


@pytest.mark.parametrize("port", ["99999", "0", "-1", "acht"])
def test_a_bad_preview_port(example_project, cli, port):
    result = cli(example_project, "preview", "--port", port)
    assert result.exit_code == 2
    assert_german_with_next_step(result.stderr)
    assert "http://" not in result.stdout


def test_a_busy_port_is_said_before_any_address(example_project, cli):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = cli(example_project, "preview", "--port", str(port))
    assert result.exit_code == 2
    assert f"Port {port} ist schon belegt" in result.stderr, result.stderr
    assert_german_with_next_step(result.stderr)
    assert "http://" not in result.stdout  # no address that would not answer


def test_an_unquoted_colon_in_a_subject(example_project, cli):
    path = example_project / NEWSLETTER
    text = path.read_text(encoding="utf-8")
    subject = next(line for line in text.splitlines() if line.startswith("subject:"))
    path.write_text(text.replace(subject, "subject: Wichtig: bitte lesen"), encoding="utf-8")
    result = cli(example_project, "check")
    assert result.exit_code == 1
    assert f"{NEWSLETTER}:2:" in result.stderr
    assert "Anführungszeichen" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.ENOSPC, "Datenträger ist voll"),
        (errno.EACCES, "keine Berechtigung"),
        (errno.EROFS, "nur gelesen werden kann"),
        (errno.ENOENT, "gibt es nicht"),
    ],
)
def test_a_full_or_closed_disk_at_the_one_exit(example_project, code, expected):
    """What the operating system refuses while outputs are written, said in German."""

    @main.command("zz-disk-test", hidden=True)
    def _disk() -> None:
        raise OSError(code, os.strerror(code), str(example_project / "site" / "index.html"))

    try:
        result = CliRunner().invoke(main, ["-C", str(example_project), "zz-disk-test"])
    finally:
        main.commands.pop("zz-disk-test", None)
    assert result.exit_code == 1
    assert expected in result.stderr, result.stderr
    assert_german_with_next_step(result.stderr)


def test_ctrl_c_stops_the_preview_in_german(example_project):
    port = free_port()
    command = [sys.executable, "-m", "generator", "-C", str(example_project), "preview"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def serving() -> bool:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True

        assert wait_for(serving, timeout=120), "the preview never listened"
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "Abgebrochen" in err, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


def test_a_timeout_is_explained_with_the_variables_to_check():
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never says a word
        port = silent.getsockname()[1]
        with (
            socket.create_connection(("127.0.0.1", port), timeout=0.2) as client,
            pytest.raises(TimeoutError) as caught,
        ):
            client.recv(1)
    text = explain(caught.value, Server("127.0.0.1", port, "RUNDBRIEF_SMTP"))
    assert "antwortet nicht" in text and "RUNDBRIEF_SMTP_PORT" in text
    assert_german_with_next_step(text)


# --- SMTP: aiosmtpd ---------------------------------------------------------------------------


def _other_ca(tmp_path) -> str:
    path = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return str(path)


SMTP_FAILURES = {
    "tls": (lambda tmp, port: {"RUNDBRIEF_SMTP_CA_FILE": _other_ca(tmp)}, "RUNDBRIEF_SMTP_CA_FILE"),
    "dns": (
        lambda tmp, port: {"RUNDBRIEF_SMTP_HOST": "smtp.gibtsnicht.invalid"},
        "gibt es nicht (DNS)",
    ),
    "refused": (
        lambda tmp, port: {"RUNDBRIEF_SMTP_PORT": str(free_port())},
        "weist die Verbindung",
    ),
    "password": (
        lambda tmp, port: {"RUNDBRIEF_SMTP_PASSWORD": "falsch"},
        "RUNDBRIEF_SMTP_PASSWORD",
    ),
    "port": (lambda tmp, port: {"RUNDBRIEF_SMTP_PORT": "99999"}, "RUNDBRIEF_SMTP_PORT"),
    "ca file": (lambda tmp, port: {"RUNDBRIEF_SMTP_CA_FILE": str(tmp / "fehlt.pem")}, "fehlt.pem"),
}


@pytest.mark.parametrize("case", SMTP_FAILURES)
def test_send_when_the_smtp_server_cannot_be_used(example_project, cli, smtp, tmp_path, case):
    members = members_file(tmp_path / "private", [member_row(1)])
    make_env, expected = SMTP_FAILURES[case]
    result = send(cli, example_project, members, smtp, **make_env(tmp_path, smtp.port))
    assert result.exit_code in (1, 2)
    assert expected in result.stderr, result.stderr
    assert_german_with_next_step(result.stderr)
    assert smtp.recorder.received == []

    test_copy = cli(
        example_project,
        "send",
        NEWSLETTER,
        "--test-to",
        "pruefung@beispiel.example",
        env=smtp.env(**make_env(tmp_path, smtp.port)),
    )
    assert test_copy.exit_code in (1, 2)
    assert_german_with_next_step(test_copy.stderr)


# --- IMAP: Dovecot ----------------------------------------------------------------------------

IMAP_FAILURES = {
    "tls": (lambda tmp: {"RUNDBRIEF_IMAP_CA_FILE": ""}, "RUNDBRIEF_IMAP_CA_FILE"),
    "dns": (lambda tmp: {"RUNDBRIEF_IMAP_HOST": "imap.gibtsnicht.invalid"}, "gibt es nicht (DNS)"),
    "refused": (lambda tmp: {"RUNDBRIEF_IMAP_PORT": str(free_port())}, "weist die Verbindung"),
    "password": (lambda tmp: {"RUNDBRIEF_IMAP_PASSWORD": "falsch"}, "RUNDBRIEF_IMAP_PASSWORD"),
    "port": (lambda tmp: {"RUNDBRIEF_IMAP_PORT": "acht"}, "RUNDBRIEF_IMAP_PORT"),
}


@pytest.mark.parametrize("case", IMAP_FAILURES)
def test_feedback_when_the_mailbox_cannot_be_used(example_project, cli, imap, tmp_path, case):
    make_env, expected = IMAP_FAILURES[case]
    env = {**imap.env(**make_env(tmp_path)), "RUNDBRIEF_UNSUBSCRIBE_SECRET": "x" * 20}
    result = cli(example_project, "feedback", env=env)
    assert result.exit_code in (1, 2)
    assert expected in result.stderr, result.stderr
    assert_german_with_next_step(result.stderr)


# --- the catalogue ----------------------------------------------------------------------------

PACKAGE = Path(__file__).resolve().parent.parent / "generator"
NOT_AN_EXIT = {
    # The reason an uncertain recipient keeps in the journal (`status` counts it), not an exit.
    "connection lost after the message data: {reason}",
}


def raised_messages() -> dict[str, str]:
    """Every message id given to ``_()`` inside a ``raise``: msgid → where (file:line)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            for call in ast.walk(node.exc):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id == "_"
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                ):
                    found[call.args[0].value] = f"{path.relative_to(PACKAGE)}:{call.lineno}"
    return found


def test_every_error_that_ends_a_command_names_a_next_step_in_german():
    """Each message a ``raise`` ends a command with: a German translation with a next step."""
    with (PACKAGE / "locale" / "de" / "LC_MESSAGES" / "rundbrief.po").open("rb") as stream:
        german = read_po(stream, locale="de")
    raised = raised_messages()
    assert len(raised) > 50  # the walk finds them (not an empty pass)
    lacking = []
    for message, where in sorted(raised.items(), key=lambda item: item[1]):
        if message in NOT_AN_EXIT:
            continue
        entry = german.get(message)
        text = entry.string if entry is not None else ""
        if not text or text == message or not NEXT_STEP.search(text):
            lacking.append(f"{where}: {text or message}")
    assert lacking == [], "\n".join(lacking)


def test_ctrl_c_during_a_send_says_how_to_go_on(example_project, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 21)])
    process = send_process(example_project, members, smtp, "--rate", "1")
    assert wait_for(lambda: len(smtp.recorder.received) >= 2, 60), process.communicate()
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    last = err.strip().splitlines()[-1]
    assert_german_with_next_step(last)


@pytest.mark.parametrize("host", ["vorschau.gibtsnicht.invalid", "192.0.2.1"])
def test_a_preview_host_that_is_not_this_computer(example_project, cli, host):
    result = cli(example_project, "preview", "--host", host)
    assert result.exit_code == 2
    assert f"{host} ist keine Adresse dieses Rechners" in result.stderr, result.stderr
    assert_german_with_next_step(result.stderr)
    assert "http://" not in result.stdout
