"""`rundbrief state import|export`: this clone's SQLite state into PostgreSQL and back, nothing lost."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from members_helpers import member

from generator.feedback import suppression
from generator.feedback.suppression import Event, Read, SuppressionStore
from generator.feedback.votes import Vote
from generator.sending import journal as journal_tables
from generator.sending.journal import Journal
from generator.sending.postgres_journal import PostgresJournal

NL = "2026-11-05-november"


def fill(project: Path) -> None:
    """A row in every table of the journal and the store, the way a send and feedback leave them."""
    state = project / ".rundbrief"
    with Journal(state / "journal.sqlite") as journal:
        journal.plan(NL, [(member(n), f"<{n}@rundbrief>") for n in range(5)], "abc123")
        run = journal.begin_run(NL, commit="abc123", audience="alle", offline=True)
        journal.claim(NL, [member(0), member(1), member(2)], "abc123")
        journal.mark(NL, member(0), "sent", "250 ok")
        journal.mark(NL, member(1), "failed", "550 unknown")
        journal.end_run(run, "1 sent, 1 failed")
        journal.record_exclusions(NL, {"unsubscribed": 2})
        journal.record_member_count(40, dt.datetime(2026, 11, 5, 9, tzinfo=dt.UTC))
        journal.claim_once("report-mail", "2026-11")
    with SuppressionStore(state / "suppression.sqlite") as store:
        bounce = Event("hard_bounce", member(1), NL, "5.1.1", "<b1>", "2026-11-05T10:00:00+00:00")
        store.record("INBOX", 3_000_000_000, [Read(17, "hard_bounce", "<b1>", (bounce,))])
        store.add(
            [Event("soft_bounce", member(3), NL, "4.2.2", "<s1>", "2026-11-06T10:00:00+00:00")]
        )
        store.note_reading("INBOX")
        store.add_votes([Vote("zahlungen/paypal/", True, "9f2c", "2026-11-06")])


def tables(journal: Journal, store: SuppressionStore) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, without the databases' own ids."""
    rows = {t: sorted(map(tuple, journal.rows(t)), key=repr) for t in journal_tables.COLUMNS}
    rows |= {t: sorted(map(tuple, store.rows(t)), key=repr) for t in suppression.COLUMNS}
    return rows


def test_import_then_export_round_trips_every_table_and_twice_adds_nothing(
    example_project: Path, postgres: str, cli, tmp_path: Path
) -> None:
    fill(example_project)
    env = {"RUNDBRIEF_STATE_URL": postgres}

    first = cli(example_project, "state", "import", env=env)
    assert first.exit_code == 0, first.output
    assert "deliveries: 5 Zeilen, davon 5 neu" in first.output
    again = cli(example_project, "state", "import", env=env)
    assert again.exit_code == 0, again.output
    assert "deliveries: 5 Zeilen, davon 0 neu" in again.output
    assert "Nichts Neues" in again.output

    back = tmp_path / "zurück"
    exported = cli(example_project, "state", "export", str(back), env=env)
    assert exported.exit_code == 0, exported.output

    state = example_project / ".rundbrief"
    with (
        Journal(state / "journal.sqlite") as j,
        SuppressionStore(state / "suppression.sqlite") as s,
    ):
        original = tables(j, s)
    with PostgresJournal(postgres) as j, SuppressionStore.shared(postgres) as s:
        shared = tables(j, s)
    with Journal(back / "journal.sqlite") as j, SuppressionStore(back / "suppression.sqlite") as s:
        returned = tables(j, s)
    assert all(original[t] for t in original), "every table must hold a row to prove anything"
    assert shared == original
    assert returned == original


def test_a_recipient_sent_in_either_copy_stays_sent(example_project: Path, postgres: str, cli):
    fill(example_project)
    with PostgresJournal(postgres) as shared:  # the shared state knew member 2 as pending only
        shared.plan(NL, [(member(2), "<2@rundbrief>")], "abc123")
        shared.plan(NL, [(member(0), "<0@rundbrief>")], "abc123")
    result = cli(example_project, "state", "import", env={"RUNDBRIEF_STATE_URL": postgres})
    assert result.exit_code == 0, result.output
    with PostgresJournal(postgres) as shared:
        states = shared.states(NL, [member(0), member(2)])
    assert states == {member(0): "sent", member(2): "sending"}


def test_import_without_the_shared_state_says_what_to_set(example_project: Path, cli) -> None:
    fill(example_project)
    result = cli(example_project, "state", "import", env={"RUNDBRIEF_STATE_URL": ""})
    assert result.exit_code == 2
    assert "RUNDBRIEF_STATE_URL" in result.stderr and "Traceback" not in result.output


def test_status_feedback_and_report_read_the_shared_state(
    example_project: Path, postgres: str, cli, tmp_path: Path
) -> None:
    fill(example_project)
    env = {"RUNDBRIEF_STATE_URL": postgres}
    assert cli(example_project, "state", "import", env=env).exit_code == 0
    shutil.rmtree(example_project / ".rundbrief")  # from now on only the shared state knows

    status = cli(example_project, "status", f"newsletters/{NL}.md", env=env)
    assert status.exit_code == 0, status.output
    assert "1 verschickt" in status.output and "1 fehlgeschlagen" in status.output
    exported = cli(
        example_project, "feedback", "--no-mailbox", "--export", str(tmp_path / "s.csv"), env=env
    )
    assert exported.exit_code == 0, exported.output
    assert member(1) in (tmp_path / "s.csv").read_text(encoding="utf-8")
    report = cli(example_project, "report", env=env)
    assert report.exit_code == 0, report.output
    assert not (example_project / ".rundbrief" / "journal.sqlite").exists()


def test_a_journal_file_and_the_shared_state_exclude_each_other(
    example_project: Path, postgres: str, cli
) -> None:
    result = cli(
        example_project,
        "status",
        f"newsletters/{NL}.md",
        "--journal",
        "anderes.sqlite",
        env={"RUNDBRIEF_STATE_URL": postgres},
    )
    assert result.exit_code == 2
    assert "--journal" in result.stderr and "RUNDBRIEF_STATE_URL" in result.stderr
