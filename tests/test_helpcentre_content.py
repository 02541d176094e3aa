"""The help centre's articles: the questions members ask, facts that agree, day kinds defined once."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from generator.core.facts import load_facts
from generator.core.settings import load_project

CONTENT = REPO / "content"
DAY_KINDS = {
    "werktag": r"Werktag",
    "geschaeftstag": r"Geschäftstag",
    "bankarbeitstag": r"Bankarbeitstag",
}
NEW_ARTICLES = {
    "beteiligungen/insolvenz.md": ("Insolvenz", "Insolvenzverwalter"),
    "beteiligungen/kirchensteuer.md": ("Kirchensteuer", "Sperrvermerk"),
    "beteiligungen/aktien-fuer-kinder.md": ("Kinder", "Sorgeberechtigten"),
    "konto/umzug-ins-ausland.md": ("Ausland", "Wohnsitz"),
    "konto/todesfall.md": ("Todesfall", "Erbschein"),
    "support/beschwerde.md": ("Beschwerde", "BaFin"),
    "beteiligungen/aktienwert-und-geschaeftsbericht.md": ("Geschäftsbericht", "Ausgabepreis"),
    "beteiligungen/kapitalerhoehung.md": ("Kapitalerhöhung", "Bezugsrecht"),
    "zahlungen/umsatzsteuer.md": ("Umsatzsteuer", "Vorsteuer"),
    "konto/app.md": ("App", "Authenticator"),
    "konto/konto-gehackt.md": ("gehackt", "sperren"),
}


def articles() -> list[tuple[str, str, str]]:
    """(path, front matter, body with facts filled in) of every help article."""
    facts = load_facts(load_project(REPO))
    found = []
    for path in sorted(CONTENT.rglob("*.md")):
        _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
        filled, _unresolved = facts.fill(body, on=None)
        found.append((path.relative_to(CONTENT).as_posix(), head, filled))
    return found


@pytest.mark.parametrize("name", sorted(NEW_ARTICLES))
def test_the_questions_members_ask_have_an_article_with_facts_and_a_way_forward(name):
    text = (CONTENT / name).read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    title, word = NEW_ARTICLES[name]
    assert title.lower() in head.lower() and word in body
    assert "{{ fakt." in body, "uses the facts of fakten.yml"
    assert "keywords:" in head and "tags:" in head
    # a way forward: a link to somewhere the member can act or ask
    assert re.search(r"\]\((\.\./)*(support/kontakt|konto|zahlungen|beteiligungen|https://)", body)
    section = (CONTENT / name).parent / "index.md"
    assert (CONTENT / name).name in section.read_text(encoding="utf-8"), f"listed in {section}"


def test_every_day_kind_is_defined_once_and_linked_where_it_is_used():
    glossary = (CONTENT / "glossar.md").read_text(encoding="utf-8")
    for anchor in DAY_KINDS:
        assert f"{{ #{anchor} }}" in glossary
    unlinked = []
    for name, _head, body in articles():
        if name == "glossar.md":
            continue
        for anchor, word in DAY_KINDS.items():
            # "Werktag" inside "Bankarbeitstag"? no: matched as a word of its own
            if re.search(rf"(?<![\w-]){word}", body) and f"glossar.md#{anchor}" not in body:
                unlinked.append(f"{name}: {word}")
            definition = re.search(rf"{word}e? (sind|ist) (Montag|jeder)", body)
            assert definition is None, f"{name} defines {word} again"
    assert unlinked == []


def test_the_facts_agree_with_each_other():
    facts = load_facts(load_project(REPO))
    assert "newsletter_abmeldung_stunden" not in facts.facts  # (unused, contradicted the text)
    assert facts.facts["belege_abrufbar_jahre"].value == "acht"  # since 2025, not ten
    texts = {name: body for name, _head, body in articles()}
    unsubscribe = texts["newsletter-datenschutz/newsletter-abmelden.md"]
    times = texts["support/bearbeitungszeiten.md"]
    post = facts.facts["post_bearbeitung_werktage"].value
    assert f"Per Post:** innerhalb von {post} Werktagen" in unsubscribe
    assert f"| Post | innerhalb von {post} Werktagen" in times
    assert "drei Werktagen" not in unsubscribe
    by_mail = facts.facts["newsletter_abmeldung_email"].value
    assert f"spätestens {by_mail}" in unsubscribe and f"spätestens {by_mail}" in times
    everything = "\n".join(texts.values())
    assert "zehn Jahre" not in everything
    for typed in ("25 %", "1.000 €", "2.000 €"):  # tax figures come from fakten.yml
        assert all(typed not in (CONTENT / name).read_text(encoding="utf-8") for name in texts), (
            typed
        )
