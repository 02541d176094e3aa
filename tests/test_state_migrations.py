"""Versioned schema migrations: a journal or store of an earlier rundbrief opens with its rows intact."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from journal_helpers import journal_sql, store_sql

from generator.feedback import suppression
from generator.feedback.suppression import SuppressionStore
from generator.sending import journal as journal_module
from generator.sending.journal import RUN_COLUMNS, Journal
from generator.sending.postgres_journal import PostgresJournal

FIRST_RUNS = (
    "CREATE TABLE runs (id INTEGER PRIMARY KEY, newsletter TEXT NOT NULL, pid INTEGER NOT NULL,"
    " host TEXT NOT NULL, process TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL,"
    " ended_at TEXT, commit_sha TEXT NOT NULL DEFAULT '', offline INTEGER NOT NULL DEFAULT 0,"
    " connections INTEGER NOT NULL DEFAULT 1, outcome TEXT NOT NULL DEFAULT '')"
)
"""``runs`` as the first journals made it, before the columns of ``RUN_COLUMNS``."""


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every user table's rows (the version table aside), sorted: what must not change."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        names = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name != "schema_version"
        ]
        return {name: sorted(db.execute(f"SELECT * FROM {name}")) for name in names}  # noqa: S608


def todays_journal(path: Path, *, first_runs: bool = False) -> None:
    """A journal as rundbrief made it before ``schema_version``, with a row in every table."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        for statement in journal_module.TABLES:
            if first_runs and "TABLE IF NOT EXISTS runs" in statement:
                statement = FIRST_RUNS
            db.execute(statement)
        if not first_runs:
            for name, declaration in RUN_COLUMNS.items():
                db.execute(f"ALTER TABLE runs ADD COLUMN {name} {declaration}")
        db.execute(
            "INSERT INTO deliveries VALUES ('nl', 'a@example.org', 'sent', '<1@x>', '250 ok',"
            " 'abc', 1, '2026-11-01T10:00:00.000+00:00', '2026-11-01T10:00:01.000+00:00',"
            " '2026-11-01T10:00:01.000+00:00')"
        )
        db.execute(
            "INSERT INTO runs (newsletter, pid, host, started_at, ended_at, outcome)"
            " VALUES ('nl', 7, 'laptop', '2026-11-01T10:00:00.000+00:00',"
            " '2026-11-01T10:05:00.000+00:00', '1 sent')"
        )
        db.execute("INSERT INTO exclusions VALUES ('nl', 'unsubscribed', 2, '2026-11-01')")
        db.execute("INSERT INTO member_counts VALUES ('2026-11-01T10:00:00.000+00:00', 40)")
        db.execute("INSERT INTO once VALUES ('review-mail', 'abc x@example.org', '2026-11-01')")


def test_a_journal_of_today_opens_unchanged_and_is_versioned(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    todays_journal(path)
    before = dump(path)
    Journal(path).close()
    # Every row kept; the token step adds its column, empty for rows planned before it.
    opened = dump(path)
    assert opened == {**before, "deliveries": [(*row, "") for row in before["deliveries"]]}
    assert journal_sql(path, "SELECT component, version FROM schema_version") == [("journal", 3)]
    Journal(path).close()  # nothing runs twice
    assert dump(path) == opened


def test_a_first_journal_gets_the_later_columns_with_its_rows_kept(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    todays_journal(path, first_runs=True)
    deliveries = dump(path)["deliveries"]
    with Journal(path) as journal:
        assert [t.newsletter for t in journal.run_times()] == ["nl"]
        assert journal.audiences("nl") == []
    assert dump(path)["deliveries"] == [(*row, "") for row in deliveries]
    columns = {row[1] for row in journal_sql(path, "PRAGMA table_info(runs)")}
    assert set(RUN_COLUMNS) <= columns


def test_a_suppression_store_of_today_opens_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "suppression.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        for statement in suppression.TABLES:
            db.execute(statement)
        db.execute(
            "INSERT INTO suppressions VALUES ('a@example.org', 'complaint', '2026-11-01', 'nl',"
            " '<e>', 'ARF')"
        )
    before = dump(path)
    with SuppressionStore(path) as store:
        assert [row.address for row in store.suppressions()] == ["a@example.org"]
    assert dump(path) == {**before, "votes": []}  # the votes step adds its table
    assert store_sql(path, "SELECT component, version FROM schema_version") == [("suppression", 2)]


def test_the_shared_state_is_migrated_once_for_both_owners(postgres: str) -> None:
    PostgresJournal(postgres).close()
    SuppressionStore.shared(postgres).close()
    with PostgresJournal(postgres) as journal:
        versions = journal.db.execute(
            "SELECT component, version FROM schema_version ORDER BY component"
        ).fetchall()
    assert versions == [("journal", 2), ("suppression", 2)]
