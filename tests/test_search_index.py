"""The compact search index that `rundbrief build` ships instead of Material's full one."""

from __future__ import annotations

import json
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site.searchindex import EXCERPT, base36, fold, unjoined
from generator.site.synonyms import (
    REMARK,
    THESAURUS,
    UNUSED,
    WORD,
    groups,
    packed,
    read_groups,
    root,
    synonym_table,
    thesaurus_problems,
)


def documents(packed: str) -> dict[int, int]:
    """Decode "gap,count,…" (base 36) as the worker does: document number -> weighted count."""
    pairs = [int(part, 36) for part in packed.split(",")]
    found, number = {}, 0
    for i in range(0, len(pairs), 2):
        number += pairs[i]
        found[number] = pairs[i + 1]
    return found


def test_words_are_folded_as_members_type_them():
    assert fold("Kündigung") == fold("Kuendigung") == fold("kundigung") == "kundigung"
    assert fold("Straße") == "strasse"
    assert fold("Prämie") == fold("Praemie") == "pramie"
    assert fold("Café") == "cafe"


def test_numbers_are_written_in_base_36():
    assert [base36(n) for n in (0, 9, 10, 35, 36, 1295, 6377)] == [
        "0",
        "9",
        "a",
        "z",
        "10",
        "zz",
        "4x5",
    ]
    assert all(int(base36(n), 36) == n for n in range(5000))


def test_built_index_holds_words_not_text(built_example):
    index = json.loads(
        (built_example / "site/search/search_index.json").read_text(encoding="utf-8")
    )
    compact = index["config"]["rundbrief"]
    docs = index["docs"]
    assert compact["format"] == 3
    assert len(compact["lengths"]) == len(docs)
    assert isinstance(compact["words"], str)  # one string: parsed and copied at once
    words = unjoined(compact["words"])
    assert "lastschrift" in words and "kundigung" in words
    assert "iban" in words  # keywords from the front matter are indexed
    assert "und" not in words and "der" not in words  # German stop words are left out
    # In JavaScript's string order: the worker's prefix search uses it without sorting.
    assert list(words) == sorted(words, key=lambda word: word.encode("utf-16-be"))
    sections = [doc for doc in docs if "#" in doc["location"]]
    pages = [doc for doc in docs if "#" not in doc["location"]]
    assert sections and all("text" not in doc for doc in sections)
    assert all(len(doc["text"]) <= EXCERPT + 2 for doc in pages)
    for postings in words.values():
        numbers = list(documents(postings))
        assert numbers == sorted(set(numbers)) and all(0 <= n < len(docs) for n in numbers)
    sepa = next(i for i, doc in enumerate(docs) if doc["location"] == "zahlungen/sepa-lastschrift/")
    assert documents(words["iban"]).get(sepa, 0) >= 8  # a keyword weighs 8
    archived = [doc for doc in pages if doc["location"].startswith("newsletter/")]
    assert archived and all(doc.get("boost") == 0.3 for doc in archived)


def test_synonyms_are_cut_to_the_words_of_the_site():
    thesaurus = (
        "# comment\n"
        "Zahlungsunfähigkeit;Pleite (ugs.);Insolvenz;Konkurs\n"
        "Hinterlassenschaft;Nachlass;Erbschaft\n"  # no word of the site: left out
        "in Konkurs gehen;Pleite machen\n"  # phrases only: left out
        "Passwort;Kennwort;PW\n"
    )
    vocabulary = ["insolvenz", "passworter", "konto"]
    table = synonym_table(groups(thesaurus), vocabulary, fold)
    assert table["pleite"] == "insolvenz" and table["konkurs"] == "insolvenz"
    assert table["zahlungsunfahigkeit"] == "insolvenz"
    assert table["kennwort"] == "passworter" and table["pw"] == "passworter"  # (by its root)
    assert "nachlass" not in table and "erbschaft" not in table
    assert "insolvenz" not in table and "passwort" not in table  # the site finds its own words


def test_without_openthesaurus_the_build_warns_and_the_site_list_still_works(tmp_path):
    missing = tmp_path / "openthesaurus.txt"
    [warning] = thesaurus_problems(missing)
    assert warning.severity == "warning" and "openthesaurus-de-text" in warning.message
    (tmp_path / "search").mkdir()
    (tmp_path / "search/synonyme.txt").write_text("Erstattung;refund\n", encoding="utf-8")
    table = synonym_table(read_groups(tmp_path, missing), ["erstattung"], fold)
    assert table == {"refund": "erstattung"}
    assert thesaurus_problems(THESAURUS) == []  # installed here (scripts/setup)


def unpacked(text: str) -> dict[str, str]:
    """The synonyms as the worker reads them: "word,word:target,target|…" → word → targets."""
    table = {}
    for group in text.split("|"):
        forms, targets = group.split(":")
        table |= dict.fromkeys(forms.split(","), targets)
    return table


def test_the_synonym_table_is_written_once_per_set_of_targets():
    table = {"pleite": "insolvenz", "konkurs": "insolvenz", "refund": "erstattung"}
    text = packed(table)
    assert text.count("insolvenz") == 1
    assert unpacked(text) == table


def test_the_built_index_knows_synonyms_and_abbreviations_of_the_facts(built_example):
    index = json.loads(
        (built_example / "site/search/search_index.json").read_text(encoding="utf-8")
    )
    synonyms = unpacked(index["config"]["rundbrief"]["synonyms"])
    words = unjoined(index["config"]["rundbrief"]["words"])
    assert len(synonyms) > 1000
    assert all(target in words for value in synonyms.values() for target in value.split(","))
    # abbreviations of the terms of fakten.yml (tax, contract, payment)
    assert fold("Kapitalertragsteuer") in synonyms["kapest"].split(",")
    assert "hauptversammlung" in synonyms["hv"].split(",")
    assert "mitgliedschaftsbedingungen" in synonyms["agb"].split(",")
    assert "mwst" not in synonyms  # a keyword of the VAT article: the site finds it itself
    assert "insolvenz" in synonyms["bankrott"].split(",")  # from OpenThesaurus
    assert "erstattungen" in synonyms["refund"].split(",")  # English, from the site's list
    assert not (built_example / "site/search/synonyme.txt").exists()  # read at build time


WORDS = st.text(alphabet="abcdeiklmnorstuäöüß", min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    sources=st.lists(st.lists(WORDS, min_size=2, max_size=6), max_size=8),
    vocabulary=st.sets(WORDS.map(fold), max_size=12),
)
def test_a_synonym_leads_only_to_words_of_the_site_and_never_replaces_one(sources, vocabulary):
    table = synonym_table(sources, vocabulary, fold)
    roots = {root(form) for form in vocabulary}
    for form, targets in table.items():
        assert root(form) not in roots  # a word of the site is found as itself
        assert targets and set(targets.split(",")) <= vocabulary
        # only what shares a group with the word
        assert any(form in map(fold, group) for group in sources)


def fold_by_definition(word: str) -> str:
    word = word.lower().replace("ß", "ss").replace("ae", "ä").replace("oe", "ö").replace("ue", "ü")
    return "".join(c for c in unicodedata.normalize("NFD", word) if not "\u0300" <= c <= "\u036f")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aeouAEOUßäöüÄÖÜéxX1_ -İ\u0301", max_size=12) | st.text(max_size=12))
def test_folding_is_its_definition_also_on_the_quick_path_for_plain_letters(word):
    assert fold(word) == fold_by_definition(word)


def groups_by_definition(text: str) -> list[list[str]]:
    found = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        terms = [t for t in line.split(";") if not UNUSED.search(t)]
        words = [w[0] for w in (WORD.findall(REMARK.sub(" ", t)) for t in terms) if len(w) == 1]
        if len(words) > 1:
            found.append(words)
    return found


TERM = st.lists(
    st.sampled_from(["Pleite", "Konkurs", " ", "(ugs.)", "(veraltet)", "(", ")", "in", "_", "x1"])
    | st.text(max_size=3),
    max_size=4,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(TERM, max_size=5).map(";".join), max_size=4).map("\n".join))
def test_thesaurus_groups_are_read_as_defined(text):
    assert list(groups(text)) == groups_by_definition(text)


BUILDS = """
import contextlib, hashlib, json, sys
from pathlib import Path
from generator.build import build
from generator.core.settings import load_project
from generator.site import beside

root, failed = Path(sys.argv[1]), Path(sys.argv[2])
project, diverted, made = load_project(root), [], {}
searching = beside.Beside.searching
beside.Beside.searching = lambda self, config: (diverted.append(1), searching(self, config))[1]
add_page, in_parent = beside.add_page, []  # (the worker's own calls count in its process)
beside.add_page = lambda *args: (in_parent.append(1), add_page(*args))[1]

def index():
    return hashlib.sha256((root / "site/search/search_index.json").read_bytes()).hexdigest()

build(project)
made["beside"] = index()
parent = {"beside": len(in_parent)}

@contextlib.contextmanager
def no_worker(*args):
    yield None  # (as in a process that runs threads: Material indexes, the build compacts)

with contextlib.ExitStack() as stack:
    beside.in_background, real = no_worker, beside.in_background
    stack.callback(setattr, beside, "in_background", real)
    build(project)
made["no worker"] = index()

work, calls = beside.work, []

def failing(state, item):
    calls.append(item)  # (in the worker process)
    if len(calls) == 3:
        failed.touch()
        raise RuntimeError("the worker fails on its third batch")
    return work(state, item)

beside.work = failing
build(project)
made["failed worker"] = index()
parent["failed worker"] = len(in_parent)
print(json.dumps({"diverted": len(diverted), "made": made, "parent": parent}))
"""


def test_the_index_made_beside_mkdocs_is_the_one_made_after_it(example_project, tmp_path):
    """The build's second process splits and counts each page as MkDocs writes it: the index
    is byte for byte the one made afterwards from Material's own, also when the worker fails
    part-way (the build then makes it itself, from the pages it kept).

    (In a process of its own: a worker is forked only where no other thread runs.)
    """
    import subprocess
    import sys

    failed = tmp_path / "failed"
    result = subprocess.run(
        [sys.executable, "-c", BUILDS, str(example_project), str(failed)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["diverted"] == 2  # Material's plugin handed its pages to the second process
    assert failed.exists()  # (and the worker failed part-way in the last build)
    # The worker made the first build's index; after the failure this process made it.
    assert found["parent"]["beside"] == 0 < found["parent"]["failed worker"]
    made = found["made"]
    assert made["beside"] == made["no worker"] == made["failed worker"]
    index = json.loads((example_project / "site/search/search_index.json").read_text("utf-8"))
    assert index["config"]["rundbrief"]["format"] == 3 and index["docs"]
