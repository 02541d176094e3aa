"""Invariants of the shared state, generated: one winner per recipient, a move that only moves on."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from postgres_helpers import PostgresServer

from generator.sending.journal import Journal
from generator.sending.postgres_journal import PostgresJournal

NL = "2026-12-01-dezember"
RECIPIENTS = [f"m{n}@example.org" for n in range(12)]
RANK = {"pending": 0, "failed": 1, "sending": 2, "sent": 3}
_names = itertools.count()


def fresh(server: PostgresServer) -> str:
    return server.create(f"prop_{next(_names)}")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batches=st.lists(
        st.tuples(st.booleans(), st.lists(st.sampled_from(RECIPIENTS), min_size=1, max_size=6)),
        min_size=1,
        max_size=12,
    )
)
def test_two_machines_never_both_win_a_recipient(
    postgres_server: PostgresServer, batches: list[tuple[bool, list[str]]]
) -> None:
    url = fresh(postgres_server)
    with PostgresJournal(url) as first, PostgresJournal(url) as second:
        first.plan(NL, [(r, f"<{r}>") for r in RECIPIENTS], "c")
        won: dict[str, int] = {}
        for by_first, chunk in batches:
            journal = first if by_first else second
            for recipient, claimed in journal.claim(NL, list(dict.fromkeys(chunk)), "c").items():
                if isinstance(claimed, str):
                    assert recipient not in won, f"{recipient} won twice"
                    won[recipient] = 1
                    journal.mark(NL, recipient, "sent", "250 ok")
        first.save()
        second.save()
        assert {r for r, s in first.states(NL, RECIPIENTS).items() if s == "sent"} == set(won)


STATES = st.sampled_from(list(RANK))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    here=st.dictionaries(st.sampled_from(RECIPIENTS), STATES, max_size=12),
    there=st.dictionaries(st.sampled_from(RECIPIENTS), STATES, max_size=12),
)
def test_a_move_keeps_the_furthest_state_and_twice_changes_nothing(
    postgres_server: PostgresServer, here: dict[str, str], there: dict[str, str]
) -> None:
    url = fresh(postgres_server)
    with tempfile.TemporaryDirectory() as folder:
        local = Journal(Path(folder) / "journal.sqlite")
        shared = PostgresJournal(url)
        for journal, states in ((local, here), (shared, there)):
            journal.plan(NL, [(r, f"<{r}>") for r in states], "c")
            for recipient, state in states.items():
                if state != "pending":
                    journal.mark(NL, recipient, state)  # type: ignore[arg-type]
            journal.save()
        rows = list(local.rows("deliveries"))
        shared.adopt("deliveries", rows)
        after = shared.states(NL, RECIPIENTS)
        assert shared.adopt("deliveries", rows) == 0  # a second move adds and changes nothing
        assert shared.states(NL, RECIPIENTS) == after
        local.close()
        shared.close()
    expected = {
        r: max((s for s in (here.get(r), there.get(r)) if s), key=RANK.__getitem__)
        for r in set(here) | set(there)
    }
    assert after == expected
