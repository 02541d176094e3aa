"""The folded OpenThesaurus kept between builds: the same table, and never a planted entry."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.core.sealed import seal
from generator.site import synonyms, thesaurus
from generator.site.searchindex import fold
from generator.site.synonyms import groups, synonym_table, table_of
from generator.site.thesaurus import cache_file, thesaurus_groups

TEXT = (
    "Zahlungsunfähigkeit;Pleite (ugs.);Insolvenz;Konkurs\n"
    "Passwort;Kennwort;PW\n"
    "Hinterlassenschaft;Nachlass;Erbschaft\n"
)
VOCABULARY = ["insolvenz", "passworter", "konto"]


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A thesaurus file, and this machine's cache folder with a fresh seal key (per test)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    source = tmp_path / "openthesaurus.txt"
    source.write_text(TEXT, encoding="utf-8")
    return source, cache_file()


def refolding_refused(monkeypatch):
    def refused(text):
        raise AssertionError("the thesaurus was read and folded again")

    monkeypatch.setattr(synonyms, "groups", refused)


def test_the_second_build_reads_the_folded_thesaurus_and_gets_the_same_table(machine, monkeypatch):
    source, entry = machine
    first = thesaurus_groups(fold, source)
    assert entry.is_file()
    refolding_refused(monkeypatch)
    assert thesaurus_groups(fold, source) == first
    assert table_of(first, VOCABULARY) == synonym_table(groups(TEXT), VOCABULARY, fold)


def test_a_changed_thesaurus_is_folded_again(machine):
    source, entry = machine
    thesaurus_groups(fold, source)
    source.write_text(TEXT + "Konto;Bankkonto\n", encoding="utf-8")
    os.utime(source, ns=(1, 1))  # (a new package: another size and time)
    assert table_of(thesaurus_groups(fold, source), VOCABULARY)["bankkonto"] == "konto"


def test_an_entry_without_this_machines_seal_is_no_entry(machine, monkeypatch):
    source, entry = machine
    thesaurus_groups(fold, source)
    key, body = entry.read_bytes()[32:].decode().split("\n", 1)
    # A pull request plants an entry with the right key that makes "konto" mean "insolvenz".
    entry.write_text(f"{key}\nkonto pleite\n", encoding="utf-8")
    table = table_of(thesaurus_groups(fold, source), VOCABULARY)
    assert table == synonym_table(groups(TEXT), VOCABULARY, fold)
    assert entry.read_bytes()[32:].decode() == f"{key}\n{body}"  # rewritten, sealed


def test_a_sealed_entry_with_more_than_words_is_no_entry(machine, monkeypatch):
    source, entry = machine
    thesaurus_groups(fold, source)
    key = entry.read_bytes()[32:].decode().split("\n", 1)[0]
    # Whatever wrote it, separators of the shipped table must never come out of the cache.
    entry.write_bytes(seal(f"{key}\nkonto pleite:x|y\n".encode()))
    assert "pleite:x|y" not in table_of(thesaurus_groups(fold, source), ["konto"])


def test_without_a_thesaurus_nothing_is_cached(machine, tmp_path):
    source, entry = machine
    assert thesaurus_groups(fold, tmp_path / "missing.txt") == []
    assert not entry.exists()
    assert thesaurus_groups(fold, source) == synonyms.folded_groups(groups(TEXT), fold)


WORDS = st.text(st.sampled_from("aäoöuüßeEnNrsKkTz-"), min_size=1, max_size=12)
LINES = st.lists(st.lists(WORDS, min_size=1, max_size=4).map(";".join), max_size=8)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=LINES, vocabulary=st.lists(WORDS.map(fold), max_size=5))
def test_the_cached_groups_give_the_table_of_the_thesaurus_itself(machine, lines, vocabulary):
    source, entry = machine
    text = "\n".join(lines) + "\n"
    source.write_text(text, encoding="utf-8")
    os.utime(source, ns=(len(text), hash(text) & 0xFFFFFFFF))  # (each example its own file)
    thesaurus_groups(fold, source)
    cached = thesaurus._read(entry, entry.read_bytes()[32:].decode().split("\n")[0])
    assert cached is not None
    assert table_of(cached, vocabulary) == synonym_table(groups(text), vocabulary, fold)
