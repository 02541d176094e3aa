"""The hostile run's findings on `send` (issue 17): R-11, R-21, R-22, R-25, R-30, R-36, R-37, R-44."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import signal
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from conftest import git
from hypothesis import given, settings
from hypothesis import strategies as st
from journal_helpers import journal_rows, journal_runs, journal_sql, journal_states
from members_helpers import member, member_row, members_file
from smtp_helpers import NEWSLETTER, send, send_process, wait_for

from generator.core.terminal import plain
from generator.feedback.suppression import Event, SuppressionStore
from generator.sending.journal import Journal, SendRunning

SLUG = "2026-11-02-monatsupdate-november"


def merge(project: Path, message: str) -> None:
    """Commit everything and push it to the remote's main, as a merged pull request."""
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", message)
    git(project, "push", "-q", "origin", "main")


def allow_audience(project: Path, segment: str) -> None:
    path = project / NEWSLETTER
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("audience: alle\n", f"audience: alle\nother_audiences: [{segment}]\n"),
        encoding="utf-8",
    )
    merge(project, f"may also go to {segment}")


# R-11: --audience overrides only what the founder approved, and the journal says so ----------


def test_an_audience_the_newsletter_does_not_name_is_refused(example_project, cli, smtp, tmp_path):
    rows = [member_row(1), member_row(2).replace(",alle,", ",kreditnehmer alle,")]
    members = members_file(tmp_path / "private", rows)
    result = send(cli, example_project, members, smtp, "--audience", "kreditnehmer")
    assert result.exit_code == 1
    assert (
        f"{NEWSLETTER}:6: --audience kreditnehmer: der freigegebene Newsletter ist für 'alle'"
        in result.stderr
    )
    assert smtp.recorder.received == []
    # A dry run may try any segment: nothing leaves, nothing is approved.
    dry = send(cli, example_project, members, smtp, "--audience", "kreditnehmer", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert f"Probelauf: 1 Nachricht in build/outbox/{SLUG}/ geschrieben" in dry.stdout


def test_an_approved_other_audience_is_sent_and_recorded(example_project, cli, smtp, tmp_path):
    allow_audience(example_project, "kreditnehmer")
    rows = [member_row(1), member_row(2).replace(",alle,", ",kreditnehmer alle,")]
    members = members_file(tmp_path / "private", rows)
    result = send(cli, example_project, members, smtp, "--audience", "kreditnehmer")
    assert result.exit_code == 0, result.stderr
    assert list(smtp.recorder.count_by_recipient()) == [member(2)]
    runs = journal_runs(example_project)
    assert [(run["audience"], run["audience_override"]) for run in runs] == [("kreditnehmer", 1)]
    status = cli(example_project, "status", NEWSLETTER)
    assert "an die Zielgruppe kreditnehmer verschickt (mit --audience gewählt)" in status.stdout


def test_an_unknown_other_audience_is_a_problem_at_its_line(example_project, cli):
    allow_audience(example_project, "kreditnehmr")
    result = cli(example_project, "check")
    assert result.exit_code == 1
    assert f"{NEWSLETTER}:7: other_audiences: unbekanntes Segment 'kreditnehmr'" in result.stderr


# a lock of a dead run on another host: shown, and released only by an explicit command ---


def foreign_lock(project: Path) -> None:
    started = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).isoformat(timespec="milliseconds")
    Journal(project / ".rundbrief" / "journal.sqlite").close()
    journal_sql(
        project,
        "INSERT INTO runs (newsletter, pid, host, process, started_at)"
        " VALUES (?, 4242, 'ci-runner-7', '999', ?)",
        SLUG,
        started,
    )


def test_a_lock_of_another_host_is_shown_and_released_only_on_request(
    example_project, cli, smtp, tmp_path
):
    foreign_lock(example_project)
    members = members_file(tmp_path / "private", [member_row(1), member_row(2)])
    refused = send(cli, example_project, members, smtp)
    assert refused.exit_code == 1
    assert "auf ci-runner-7 (Prozess 4242" in refused.stderr
    assert "seit 180 Minuten still" in refused.stderr
    assert f"rundbrief status newsletters/{SLUG}.md --release-lock" in refused.stderr
    assert smtp.recorder.received == []

    status = cli(example_project, "status", NEWSLETTER)
    assert "gesperrt von Prozess 4242 auf ci-runner-7" in status.stdout
    assert "zuletzt aktiv vor 180 Minuten" in status.stdout
    again = send(cli, example_project, members, smtp)
    assert again.exit_code == 1  # never released silently

    released = cli(example_project, "status", NEWSLETTER, "--release-lock")
    assert released.exit_code == 0, released.stderr
    assert "Sperre von Prozess 4242 auf ci-runner-7 aufgehoben" in released.stdout
    assert "gesperrt von" not in released.stdout
    result = send(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    assert smtp.recorder.count_by_recipient() == {member(1): 1, member(2): 1}
    outcomes = [run["outcome"] for run in journal_runs(example_project)]
    assert outcomes[0].startswith("lock released by hand on ")


def test_a_running_send_of_this_machine_is_never_released(tmp_path):
    path = tmp_path / "journal.sqlite"
    with Journal(path) as first:
        first.begin_run("nl", commit="c1")
        with Journal(path) as second:
            with pytest.raises(SendRunning):
                second.release_lock("nl")
            assert len(second.locks("nl")) == 1


# Ctrl-C under --rate: only what the server may have received is uncertain ---------------


@pytest.mark.parametrize("connections", ["1", "3"])
def test_ctrl_c_leaves_uncertain_only_what_the_server_may_have(
    example_project, smtp, tmp_path, connections
):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 41)])
    # One message a second: the run spends nearly all its time waiting for the next turn.
    process = send_process(
        example_project, members, smtp, "--rate", "1", "--connections", connections
    )
    assert wait_for(lambda: len(smtp.recorder.received) >= 3, 60), process.communicate()
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=120)
    assert process.returncode != 0
    rows = journal_rows(example_project)
    uncertain = {key for key, row in rows.items() if row.state == "sending"}
    handed_over = uncertain | {key for key, row in rows.items() if row.state == "sent"}
    # The server may still be filing the last message the client handed over when it stopped.
    wait_for(lambda: handed_over <= set(smtp.recorder.count_by_recipient()), 10)
    received = set(smtp.recorder.count_by_recipient())
    assert uncertain <= received, "claimed for sending, never handed over, yet 'uncertain'"
    assert {key for key, row in rows.items() if row.state == "sent"} <= received
    assert len(received) < 40  # it was interrupted
    # The run is over (its lock released); a second run sends the rest, once each.
    rerun = send_process(example_project, members, smtp)
    rerun.communicate(timeout=300)
    counts = smtp.recorder.count_by_recipient()
    assert set(counts) == {member(n) for n in range(1, 41)}
    assert max(counts.values()) == 1


# a renamed newsletter that was sent is recognised by its content ----------------------


def test_a_renamed_copy_of_a_sent_newsletter_is_refused(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1), member_row(2)])
    first = send(cli, example_project, members, smtp)
    assert first.exit_code == 0, first.stderr
    renamed = "newsletters/2026-11-03-monatsupdate-november-neu.md"
    git(example_project, "mv", NEWSLETTER, renamed)
    path = example_project / renamed  # a new date in the front matter changes nothing members see
    path.write_text(
        path.read_text(encoding="utf-8").replace("date: 2026-11-02", "date: 2026-11-03"),
        encoding="utf-8",
    )
    merge(example_project, "rename")
    again = send(cli, example_project, members, smtp, newsletter=renamed)
    assert again.exit_code == 1
    assert f"schon als {SLUG} verschickt" in again.stderr
    assert smtp.recorder.count_by_recipient() == {member(1): 1, member(2): 1}


# escape sequences in relay replies are neither printed nor stored ---------------------


def test_escape_sequences_in_a_relay_reply_are_stripped(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1), member_row(2)])
    hostile = (
        "550 \x1b]0;owned\x07\x1b]8;;https://evil.example\x1b\\klick\x1b]8;;\x1b\\ \x1b[2J\x9b31m"
    )
    smtp.recorder.faults[member(1)] = [hostile]
    result = send(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    for text in (result.stdout, result.stderr, journal_rows(example_project)[member(1)].reply):
        assert not any(char in text for char in "\x1b\x07\x9b"), repr(text)
    reply = journal_rows(example_project)[member(1)].reply
    assert reply.startswith("550 klick") and "scripted reply" in reply
    assert "evil.example" not in reply  # a hidden link target is not shown either


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_a_printable_reply_holds_no_control_character_and_keeps_its_words(text):
    shown = plain(text)
    assert not any(unicodedata.category(char) == "Cc" for char in shown)
    assert plain(shown) == shown
    if not any(unicodedata.category(char) == "Cc" for char in text):
        assert shown == " ".join(text.split())  # nothing but escapes and controls is removed


# a refused login never claims a sent version ----------------------------------------


def test_an_authentication_failure_claims_no_sent_version(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1), member_row(2)])
    result = send(cli, example_project, members, smtp, RUNDBRIEF_SMTP_PASSWORD="falsch")
    assert result.exit_code == 1
    assert "Anmeldung als" in result.stderr
    assert "Verschickte Fassung" not in result.stdout + result.stderr
    assert smtp.recorder.received == []


# `rundbrief send … | head` ----------------------------------------------------------


def test_a_closed_pipe_neither_stops_the_send_nor_prints_a_traceback(
    example_project, smtp, tmp_path
):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 6)])
    command = [sys.executable, "-m", "generator", "-C", str(example_project), "send", NEWSLETTER]
    process = subprocess.Popen(
        [*command, "--members", str(members), "--yes"],
        env={**os.environ, **smtp.env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line, as `| head -0`
    err = process.stderr.read()
    process.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err and "Broken pipe" not in err
    assert process.returncode == 0, err
    assert set(journal_states(example_project).values()) == {"sent"}
    assert len(smtp.recorder.received) == 5


# two clones, each with a journal of its own ------------------------------------------


def test_replies_to_a_send_this_journal_never_made_stop_the_send(
    example_project, cli, smtp, tmp_path
):
    with SuppressionStore(example_project / ".rundbrief" / "suppression.sqlite") as store:
        store.add(
            [Event("soft_bounce", member(3), SLUG, "4.2.2", "<dsn1@x>", "2026-11-02T09:00:00Z")]
        )
    members = members_file(tmp_path / "private", [member_row(1), member_row(2)])
    refused = send(cli, example_project, members, smtp)
    assert refused.exit_code == 1
    assert "im Rückmeldungs-Postfach liegen 1 Antworten auf " + SLUG in refused.stderr
    assert "aus einem anderen Klon mit eigenem Journal" in refused.stderr
    assert smtp.recorder.received == []
    forced = send(cli, example_project, members, smtp, "--new-journal")
    assert forced.exit_code == 0, forced.stderr
    # Once this journal has sent it, the replies are its own: a resumed run is not stopped.
    resumed = send(cli, example_project, members, smtp)
    assert resumed.exit_code == 0, resumed.stderr
    assert smtp.recorder.count_by_recipient() == {member(1): 1, member(2): 1}


# One owner per database: a journal and a store of the previous version still work ----------

OLD_JOURNAL = """
CREATE TABLE deliveries (
    newsletter TEXT NOT NULL, recipient TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    message_id TEXT NOT NULL, reply TEXT NOT NULL DEFAULT '', commit_sha TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    sent_at TEXT, PRIMARY KEY (newsletter, recipient)
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY, newsletter TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
    process TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL, ended_at TEXT,
    commit_sha TEXT NOT NULL DEFAULT '', offline INTEGER NOT NULL DEFAULT 0,
    connections INTEGER NOT NULL DEFAULT 1, outcome TEXT NOT NULL DEFAULT ''
);
INSERT INTO deliveries VALUES
    ('2026-09-07-alt', 'a@beispiel.example', 'sent', '<1@x>', '250 ok', 'c0', 1,
     '2026-09-07T08:00:00.000+00:00', '2026-09-07T08:00:01.000+00:00',
     '2026-09-07T08:00:01.000+00:00'),
    ('2026-09-07-alt', 'b@beispiel.example', 'failed', '<2@x>', '550 no', 'c0', 1,
     '2026-09-07T08:00:00.000+00:00', '2026-09-07T08:00:02.000+00:00', NULL);
INSERT INTO runs (newsletter, pid, host, started_at, ended_at, outcome) VALUES
    ('2026-09-07-alt', 1, 'laptop', '2026-09-07T07:59:59.000+00:00',
     '2026-09-07T08:00:03.000+00:00', '1 sent, 1 failed');
"""
OLD_STORE = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, address TEXT NOT NULL,
    newsletter TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '', evidence TEXT NOT NULL,
    at TEXT NOT NULL, recorded_at TEXT NOT NULL
);
CREATE TABLE suppressions (
    address TEXT PRIMARY KEY, reason TEXT NOT NULL, since TEXT NOT NULL,
    newsletter TEXT NOT NULL DEFAULT '', evidence TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE exclusions (
    newsletter TEXT NOT NULL, reason TEXT NOT NULL, count INTEGER NOT NULL,
    recorded_at TEXT NOT NULL, PRIMARY KEY (newsletter, reason)
);
CREATE TABLE runs (
    newsletter TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
    PRIMARY KEY (newsletter, started_at)
);
CREATE TABLE member_counts (recorded_at TEXT PRIMARY KEY, members INTEGER NOT NULL);
INSERT INTO exclusions VALUES ('2026-09-07-alt', 'consent', 7, '2026-09-07T07:59:59.000+00:00');
INSERT INTO runs VALUES
    ('2026-09-07-alt', '2026-09-07T07:59:58.000+00:00', '2026-09-07T08:00:40.000+00:00');
INSERT INTO member_counts VALUES ('2026-09-07T07:59:58.000+00:00', 31);
"""


def old_state(project: Path) -> Path:
    """A journal and a suppression store as the previous version left them."""
    state = project / ".rundbrief"
    state.mkdir()
    for name, script in (("journal.sqlite", OLD_JOURNAL), ("suppression.sqlite", OLD_STORE)):
        db = sqlite3.connect(state / name)
        db.executescript(script)
        db.close()
    return state


def test_the_previous_versions_state_is_read_and_moved_into_the_journal(example_project, cli):
    state = old_state(example_project)
    status = cli(example_project, "status", "newsletters/2026-09-07-alt.md")
    assert status.exit_code == 0, status.stderr
    assert "2026-09-07-alt: 0 ausstehend, 0 in Zustellung, 1 verschickt, 1 fehlgeschlagen" in (
        status.stdout
    )
    for _ in range(2):  # a second report moves nothing twice
        report = cli(example_project, "report")
        assert report.exit_code == 0, report.stderr
        data = (example_project / "build" / "reports" / "newsletter.csv").read_bytes()
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        assert [(r["Datei"], r["versendet"], r["fehlgeschlagen"]) for r in rows] == [
            ("2026-09-07-alt", "1", "1")
        ]
        assert rows[0]["Dauer in Sekunden"] == "42"  # the store's run, not the journal's as well
        assert rows[0]["nicht angeschrieben: ohne bestätigte Einwilligung"] == "7"
    store = sqlite3.connect(state / "suppression.sqlite")
    tables = {name for (name,) in store.execute("SELECT name FROM sqlite_master")}
    store.close()
    assert {"runs", "exclusions", "member_counts"}.isdisjoint(tables)
    assert journal_sql(example_project, "SELECT members FROM member_counts") == [(31,)]
