"""The suppression list as a file: one address per line, safe in any spreadsheet, and the same
address again when read back (issue 17: R-12, R-16, R-42)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.feedback.suppression import (
    Event,
    Suppression,
    SuppressionStore,
    export_csv,
    neutralise,
    restore,
)

SEPARATORS = re.compile(r"[;,\t|]")
FORMULA = ("=", "+", "-", "@")


@pytest.fixture
def store(tmp_path: Path):
    with SuppressionStore(tmp_path / "suppression.sqlite") as opened:
        yield opened


@pytest.mark.parametrize(
    "line",
    [
        "anna@beispiel.example, bernd@beispiel.example",
        "anna@beispiel.example;bernd@beispiel.example",
        "anna@beispiel.example bernd@beispiel.example",
        "Anna <anna@beispiel.example>",
        "anna@beispiel.example\r\nbernd@beispiel.example",
        "keine-adresse",
    ],
)
def test_a_line_naming_several_addresses_or_none_suppresses_no_one(store, line):
    store.add([Event("unsubscribe", line, "", "", "<x@y>", "2026-12-01T00:00:00.000+00:00")])
    assert store.suppressions() == []
    assert store.db.execute("SELECT COUNT(*) FROM events").fetchone() == (0,)


def exported(tmp_path: Path, rows: list[Suppression]) -> str:
    path = tmp_path / "sperrliste.csv"
    export_csv(rows, path)
    return path.read_text(encoding="utf-8")


def row(address: str, detail: str = "", evidence: str = "<x@y>") -> Suppression:
    return Suppression(address, "hard_bounce", "2026-12-01T00:00:00.000+00:00", "n", evidence, detail)  # fmt: skip


def test_no_field_starts_a_formula_for_readers_splitting_on_semicolon_or_comma(tmp_path):
    text = exported(
        tmp_path,
        [
            row("anna@beispiel.example", '550 5.1.1 user;=HYPERLINK("http://böse.example")'),
            row("bernd@beispiel.example", "full, -2+3", evidence="<a@b>;@SUM(A1)"),
            row("carla@beispiel.example", "x;\t+1|=2"),
        ],
    )
    for line in text.splitlines():
        for field in SEPARATORS.split(line):
            assert not field.strip().strip('"').startswith(FORMULA), (line, field)


@pytest.mark.parametrize(
    "address",
    ["-anna@beispiel.example", "+tag@beispiel.example", "=1+2@beispiel.example",
     "@x@beispiel.example", "'quote@beispiel.example", "''=x@beispiel.example",
     "o'neil@beispiel.example"],
)  # fmt: skip
def test_an_address_comes_back_unchanged_from_the_export(tmp_path, address):
    exported(tmp_path, [row(address)])
    with (tmp_path / "sperrliste.csv").open(encoding="utf-8", newline="") as stream:
        (read,) = list(csv.DictReader(stream))
    assert not read["email"].startswith(FORMULA)
    assert restore(read["email"]) == address


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        st.one_of(
            st.sampled_from([" ", "\t", "\r", "=", "+", "-", "@", "'", ",", ";", "|", '"']),
            st.characters(codec="utf-8", exclude_categories=("Cs",)),
        ),
        max_size=30,
    )
)
def test_neutralised_text_never_starts_a_formula_and_restores_when_single(text):
    safe = neutralise(text)
    for field in SEPARATORS.split(safe):
        assert not field.lstrip().startswith((*FORMULA, "\t", "\r")), (text, safe)
    if not SEPARATORS.search(text):
        assert restore(safe) == text


def test_the_export_is_read_back_by_send_suppress_with_every_address_unchanged(store, tmp_path):
    """R-42 and R-12 on the way back: `send --suppress` reads the export as it was written."""
    from generator.members.recipients import read_suppressed

    addresses = ["-anna@example.org", "+bert@example.org", "=carl@example.org", "dora@example.org"]
    rows = [
        Suppression(address, "unsubscribed", "2026-11-02T10:00:00+00:00", "nl", "", "")
        for address in addresses
    ]
    path = tmp_path / "sperrliste.csv"
    export_csv(rows, path)
    found, problems = read_suppressed([path])
    assert problems == []
    assert found == frozenset(addresses)
    several = tmp_path / "mehrere.txt"
    several.write_text(
        "anna@example.org, bert@example.org\nmitglied@example.org\n", encoding="utf-8"
    )
    found, problems = read_suppressed([several])
    assert found == frozenset({"mitglied@example.org"})  # not the first of the two
    assert [(p.line, "mehrere Adressen in einer Zeile" in p.message) for p in problems] == [
        (1, True)
    ]
