"""What a user reads after an everyday slip at the command line: German, with the next step."""

from __future__ import annotations

import re

import pytest

# Click's English words that must never reach a German user.
ENGLISH = re.compile(
    r"\b(Usage|Error|Invalid value|No such (option|command)|Missing (argument|option)|"
    r"Try '|for help|Aborted|Show this message|Options|Commands|does not exist|"
    r"is not a valid|Traceback)\b"
)

SLIPS = [
    (("build", "--strikt"), "Eine Option '--strikt' gibt es nicht."),
    (("bauen",), "Einen Befehl 'bauen' gibt es nicht."),
    (("preview", "--port", "abc"), "'abc' ist keine gültige Zahl"),
    (("send",), "Es fehlt"),
    (("status",), "Es fehlt"),
    (("report", "--members", "fehlt.csv"), "fehlt.csv"),
    (("new", "artikel", "Titel"), "Es fehlt eine Option '--bereich'"),
    (("new", "brief", "Titel"), "Einen Befehl 'brief' gibt es nicht."),
]


@pytest.mark.parametrize(("args", "expected"), SLIPS, ids=[" ".join(a) for a, _ in SLIPS])
def test_everyday_slips_read_german_with_the_next_step(example_project, cli, args, expected):
    result = cli(example_project, *args)
    assert result.exit_code == 2, result.output
    text = result.stderr
    assert expected in text
    assert not ENGLISH.search(text), text
    assert re.search(r"^Aufruf: \S+ .*\[OPTIONEN\]", text, re.M)  # how the command is called
    assert "--help“ zeigt, was der Befehl erwartet." in text


def test_help_reads_german_throughout(example_project, cli):
    result = cli(example_project, "send", "--help")
    assert result.exit_code == 0
    # (NEWSLETTER is optional for send --due, which sends every one that is due)
    assert re.match(r"Aufruf: \S+ send \[OPTIONEN\] \[NEWSLETTER\]", result.stdout)
    assert "\nOptionen:\n" in result.stdout
    assert not re.search(r"\b(Usage|Options|Show this message and exit)\b", result.stdout)


def test_english_on_request_keeps_clicks_own_words(make_project, cli):
    root = make_project({})
    settings = root / "rundbrief.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace("language: de", "language: en"),
        encoding="utf-8",
    )
    result = cli(root, "build", "--strikt")
    assert "No such option '--strikt'." in result.stderr
    assert re.match(r"Usage: \S+ build \[OPTIONS\]", result.stderr)


def test_ctrl_c_at_a_prompt_reads_german():
    """Click's Abort (Ctrl-C at a prompt) ends with the German sentence and exit code 1."""
    from click.exceptions import Abort
    from click.testing import CliRunner

    from generator.cli import main

    @main.command("zz-abort-test", hidden=True)
    def _abort() -> None:
        raise Abort()

    try:
        result = CliRunner().invoke(main, ["zz-abort-test"])
    finally:
        main.commands.pop("zz-abort-test", None)
    assert result.exit_code == 1
    assert "Abgebrochen: Der Befehl wurde angehalten" in result.output
    assert "Aborted" not in result.output
