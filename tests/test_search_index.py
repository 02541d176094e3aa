"""The compact search index that `rundbrief build` ships instead of Material's full one."""

from __future__ import annotations

import json

from generator.site.searchindex import EXCERPT, base36, fold


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
    assert compact["format"] == 2
    assert len(compact["lengths"]) == len(docs)
    words = compact["words"]
    assert "lastschrift" in words and "kundigung" in words
    assert "iban" in words  # keywords from the front matter are indexed
    assert "und" not in words and "der" not in words  # German stop words are left out
    sections = [doc for doc in docs if "#" in doc["location"]]
    pages = [doc for doc in docs if "#" not in doc["location"]]
    assert sections and all("text" not in doc for doc in sections)
    assert all(len(doc["text"]) <= EXCERPT + 2 for doc in pages)
    for packed in words.values():
        numbers = list(documents(packed))
        assert numbers == sorted(set(numbers)) and all(0 <= n < len(docs) for n in numbers)
    sepa = next(i for i, doc in enumerate(docs) if doc["location"] == "zahlungen/sepa-lastschrift/")
    assert documents(words["iban"]).get(sepa, 0) >= 8  # a keyword weighs 8
    archived = [doc for doc in pages if doc["location"].startswith("newsletter/")]
    assert archived and all(doc.get("boost") == 0.3 for doc in archived)
