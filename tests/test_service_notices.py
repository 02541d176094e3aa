"""A service notice goes out without consent: advertising words are found in compounds too (R-24)."""

from __future__ import annotations

import pytest
from newsletter_helpers import checked, newsletter_text, project_with

SERVICE = "kind: service\n"


def problems_of(make_project, body: str, subject: str = "Ihr neuer Lastschrifttermin") -> list[str]:
    body = "Hallo {{ member.first_name }},\n\n" + body + "\n"
    text = newsletter_text(body, subject=subject, extra=SERVICE)
    project = project_with(make_project, {"2026-11-02-test.md": text})
    return [p.message for p in checked(project).problems if "Werbung" in p.message]


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ("Nutzen Sie unsere Sonderaktion im Dezember.", "Sonderaktion"),
        ("Ihr Mitgliederrabatt gilt ab sofort.", "Mitgliederrabatt"),
        ("Jetzt mit Neukundenbonus!", "Neukundenbonus"),
        ("Das Adventsangebot endet bald.", "Adventsangebot"),
        ("Die WEIHNACHTSAKTION läuft.", "WEIHNACHTSAKTION"),
    ],
)
def test_advertising_words_in_compounds_are_refused(make_project, body, word):
    found = problems_of(make_project, body)
    assert len(found) == 1, found
    assert f"'{word}'" in found[0]


def test_a_compound_in_the_subject_is_refused_at_its_line(make_project):
    found = problems_of(make_project, "Ihr Beitrag wird am 15. eingezogen.", "Rabattwochen für Sie")
    assert len(found) == 1 and "'Rabattwochen'" in found[0]


@pytest.mark.parametrize(
    "body",
    [
        "Jede Transaktion erscheint auf Ihrem Kontoauszug.",
        "Die Redaktion erreichen Sie per E-Mail.",
        "Anteile erwerben Sie wie bisher im Mitgliederbereich.",
        "Ihre Bewerbung für den Beirat ist eingegangen.",
        "Ihr Beitrag wird am 15. eingezogen.",
    ],
)
def test_ordinary_words_that_contain_an_advertising_word_pass(make_project, body):
    assert problems_of(make_project, body) == []
