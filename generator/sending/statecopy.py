"""Moving the send state between its homes: this clone's SQLite files and the shared PostgreSQL.

``import_state`` copies the journal and the suppression store of ``.rundbrief/`` into the
database of RUNDBRIEF_STATE_URL; ``export_state`` copies the shared state into SQLite files
(a backup, or the way back). Every table is copied whole through its owners' ``rows`` and
``adopt``: idempotent — a second run adds nothing — and a recipient's row only ever moves on
(a 'sent' in either copy stays 'sent': nobody is mailed twice because of a move).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.core.database import STATE_URL, state_url
from generator.core.i18n import _
from generator.core.problems import UsageError
from generator.core.settings import Project
from generator.feedback import suppression
from generator.feedback.suppression import SuppressionStore, store_path
from generator.sending import journal as journal_tables
from generator.sending.journal import Journal, journal_path
from generator.sending.postgres_journal import PostgresJournal

JOURNAL_FILE = "journal.sqlite"


@dataclass(frozen=True)
class Copied:
    """One table moved: how many rows it has, and how many of them were new in the target."""

    table: str
    rows: int
    new: int


def import_state(project: Project, given: Path | None = None) -> list[Copied]:
    """Copy this clone's SQLite journal and suppression store into the shared state."""
    url = _shared_url()
    source = journal_path(project, given)
    store = store_path(project)
    if not source.is_file() and not store.is_file():
        raise UsageError(
            _("there is no state to move: neither {journal} nor {store} exists").format(
                journal=source, store=store
            )
        )
    return _copy(
        source if source.is_file() else None,
        store if store.is_file() else None,
        lambda: PostgresJournal(url),
        lambda: SuppressionStore.shared(url),
    )


def export_state(folder: Path) -> list[Copied]:
    """Copy the shared state into ``folder``/journal.sqlite and ``folder``/suppression.sqlite."""
    url = _shared_url()
    return _copy_out(url, folder / JOURNAL_FILE, folder / suppression.STORE_FILE)


def _shared_url() -> str:
    url = state_url()
    if url is None:
        raise UsageError(
            _(
                "{variable} is not set: set it to the shared PostgreSQL state "
                "(postgresql://USER:PASSWORD@HOST/DATABASE?sslmode=verify-full) and run again"
            ).format(variable=STATE_URL)
        )
    return url


def _copy(
    journal_file: Path | None,
    store_file: Path | None,
    target_journal: Callable[[], Journal],
    target_store: Callable[[], SuppressionStore],
) -> list[Copied]:
    moved: list[Copied] = []
    if journal_file is not None:
        with Journal(journal_file) as source, target_journal() as target:
            moved += [_table(source, target, t) for t in journal_tables.COLUMNS]
    if store_file is not None:
        with SuppressionStore(store_file) as source, target_store() as target:
            moved += [_table(source, target, t) for t in suppression.COLUMNS]
    return moved


def _copy_out(url: str, journal_file: Path, store_file: Path) -> list[Copied]:
    moved: list[Copied] = []
    with PostgresJournal(url) as source, Journal(journal_file) as target:
        moved += [_table(source, target, t) for t in journal_tables.COLUMNS]
    with SuppressionStore.shared(url) as source, SuppressionStore(store_file) as target:
        moved += [_table(source, target, t) for t in suppression.COLUMNS]
    return moved


def _table(
    source: Journal | SuppressionStore, target: Journal | SuppressionStore, table: str
) -> Copied:
    rows = list(source.rows(table))
    return Copied(table, len(rows), target.adopt(table, rows))
