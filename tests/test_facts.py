"""One source for every fact: fakten.yml, filled into articles, newsletters and campaign texts.

Expected problem lines are built from the message catalogue (``_``) so that they hold in either
language; ``test_i18n.py`` checks every one of them has a German translation.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
import re
from pathlib import Path

import pytest
from conftest import REPO, git, stderr_lines
from marketing_helpers import approve, copy_marketing, templates_files
from members_helpers import kit_rows, member_row, members_csv, members_file
from smtp_helpers import send

from generator.core.facts import FACTS_FILE, Fact, load_facts
from generator.core.i18n import _
from generator.core.settings import load_project

SLUG = "mitglieder-werben-mitglieder"
ARTICLE = "---\ntitle: {title}\ndescription: Eine Seite mit genug Text für die Beschreibung.\n---\n"
FACTS = """\
mitgliedsbeitrag:
  info: Monatlicher Beitrag
  wert: 4,90 €
lastschrift_tag:
  wert: 1. Bankarbeitstag
  ab:
    2027-01-01: 5. Bankarbeitstag
hauptversammlung:
  wert: 2026-06-18
aktien_hoechstens:
  wert: 1500
"""
NEWSLETTER = """\
---
subject: "Ihr Einzugstermin: {{{{ fakt.lastschrift_tag }}}}"
preheader: Wir buchen am {{{{ fakt.lastschrift_tag }}}} ab – der Beitrag bleibt bei {{{{ fakt.mitgliedsbeitrag }}}}
date: {date}
status: approved
---
Hallo {{{{ member.first_name }}}},

wir buchen am {{{{ fakt.lastschrift_tag }}}} ab.
"""


def article_text(root: Path, path: str) -> str:
    """The visible text of a built page's article, whitespace collapsed."""
    page = (root / "site" / path).read_text(encoding="utf-8")
    article = page[page.index("<article") : page.index("</article>")]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", article)))


# --- the facts themselves ------------------------------------------------------------------


def test_a_fact_has_the_value_of_the_day():
    fact = Fact("lastschrift_tag", "1.", ((dt.date(2027, 1, 1), "5."), (dt.date(2028, 3, 1), "3.")))
    assert fact.on(dt.date(2026, 12, 31)) == "1."
    assert fact.on(dt.date(2027, 1, 1)) == "5."
    assert fact.on(dt.date(2028, 2, 29)) == "5."
    assert fact.on(dt.date(2028, 3, 1)) == "3."


def test_values_are_written_the_german_way_and_filters_name_a_day(make_project):
    project = load_project(make_project({FACTS_FILE: FACTS}))
    facts = load_facts(project)
    assert facts.problems == ()
    text, found = facts.fill(
        "{{ fakt.mitgliedsbeitrag }} | {{ fakt.hauptversammlung }} | {{fakt.aktien_hoechstens}} | "
        '{{ fakt.lastschrift_tag | am("2026-12-31") }} bis {{ fakt.lastschrift_tag | bis("2026-12-31") }}, '
        "{{ fakt.lastschrift_tag | am('2027-01-01') }} ab {{ fakt.lastschrift_tag | ab(\"2027-01-01\") }}"
    )
    assert found == []
    assert text == (
        "4,90 € | 18. Juni 2026 | 1.500 | 1. Bankarbeitstag bis 31. Dezember 2026, "
        "5. Bankarbeitstag ab 1. Januar 2027"
    )
    on_day, found = facts.fill("{{ fakt.lastschrift_tag }}", on=dt.date(2027, 1, 1))
    assert (on_day, found) == ("5. Bankarbeitstag", [])


def test_the_operator_and_the_host_of_the_settings_are_facts_too(make_project):
    facts = load_facts(load_project(make_project({})))
    text, found = facts.fill("{{ fakt.anbieter_name }}, {{ fakt.anbieter_anschrift }}")
    assert found == [] and text == "Mitgliederwerk AG, Lindenstraße 12, 10969 Berlin"
    host, found = facts.fill("{{ fakt.hosting_name }}")
    assert found == [] and host == "Beispiel Webhosting GmbH"  # the repository's sftp host


def test_every_problem_of_the_facts_file_is_at_its_line(make_project, cli):
    facts = (
        "gut:\n"  # 1
        "  wert: 10 €\n"
        "Gross:\n"  # 3: a name with a capital
        "  wert: x\n"
        "klammer:\n"  # 5
        "  wert: '{{ member.email }}'\n"  # 6: template syntax
        "zeilen:\n"  # 7
        '  wert: "zwei\\nZeilen"\n'  # 8: a line break
        "datum:\n"  # 9
        "  wert: a\n"
        "  ab:\n"
        "    2027-13-01: b\n"  # 12: no such day
        "anbieter_name:\n"  # 13: comes from rundbrief.yml
        "  wert: Andere AG\n"
        "komma:\n"  # 15
        "  wert: 4.9\n"  # 16: a number with decimals
        "leer:\n"  # 17
        "  info: ohne Wert\n"
    )
    root = make_project(
        {FACTS_FILE: facts, "content/index.md": ARTICLE.format(title="Start") + "Text.\n"}
    )
    result = cli(root, "check")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    at = {line.split(": ", 1)[0] for line in lines}
    assert at == {f"{FACTS_FILE}:{n}" for n in (3, 6, 8, 12, 13, 16, 17)}, lines
    assert (
        f"{FACTS_FILE}:6: klammer.wert: "
        + _("must not contain '{' or '}': a fact never brings template syntax into a text")
        in lines
    )
    assert (
        f"{FACTS_FILE}:13: "
        + _("{name}: this fact comes from rundbrief.yml; change it there").format(
            name="anbieter_name"
        )
        in lines
    )


def test_a_broken_fact_never_reaches_a_newsletter_as_a_merge_field(make_project, cli):
    facts = "gefaehrlich:\n  wert: '{{ member.email }}'\n"
    letter = NEWSLETTER.format(date="2026-11-02").replace(
        "wir buchen am {{ fakt.lastschrift_tag }} ab.", "Ihre Adresse: {{ fakt.gefaehrlich }}"
    )
    letter = letter.replace("{{ fakt.lastschrift_tag }}", "bald").replace(
        "{{ fakt.mitgliedsbeitrag }}", "gleich"
    )
    root = make_project(
        {
            FACTS_FILE: facts,
            "content/index.md": ARTICLE.format(title="Start") + "Text.\n",
            "newsletters/2026-11-02-test.md": letter,
        }
    )
    result = cli(root, "build")
    assert result.exit_code == 1
    assert "newsletters/2026-11-02-test.md:9: " + _(
        "fakt.{name} cannot be used until the problem in {file} is fixed"
    ).format(name="gefaehrlich", file=FACTS_FILE) in stderr_lines(result)
    assert not (root / "build").exists()


# --- one change, everywhere ----------------------------------------------------------------


def test_changing_one_fact_changes_the_article_the_newsletter_and_the_campaign(
    example_project, cli
):
    def outputs() -> dict[str, str]:
        build = example_project / "build"
        letter = build / "newsletters" / "2026-12-01-mitglieder-werben-mitglieder"
        return {
            "article": article_text(
                example_project, "empfehlungsprogramm/so-funktioniert-es/index.html"
            ),
            "email.html": html.unescape((letter / "email.html").read_text(encoding="utf-8")),
            "email.txt": (letter / "email.txt").read_text(encoding="utf-8"),
            "post": (build / "marketing-assets" / SLUG / "post-kurz.txt").read_text(
                encoding="utf-8"
            ),
            "page": article_text(example_project, "werbemittel/index.html"),
        }

    assert cli(example_project, "build").exit_code == 0
    before = {name: re.sub(r"\s+", " ", text) for name, text in outputs().items()}
    assert "Willkommensguthaben von 10 €" in before["article"]
    for name in ("email.html", "email.txt", "post", "page"):
        assert "10 € Willkommensguthaben" in before[name], name
    facts = example_project / FACTS_FILE
    facts.write_text(
        facts.read_text(encoding="utf-8").replace(
            "willkommensguthaben:\n  info: Guthaben für ein neues Mitglied, das über eine Empfehlung kommt\n  wert: 10 €",
            "willkommensguthaben:\n  info: Guthaben für ein neues Mitglied, das über eine Empfehlung kommt\n  wert: 12 €",
        ),
        encoding="utf-8",
    )
    result = cli(example_project, "build")  # the caches of newsletters and campaigns are warm
    assert result.exit_code == 0, result.stderr
    after = {name: re.sub(r"\s+", " ", text) for name, text in outputs().items()}
    assert "Willkommensguthaben von 12 €" in after["article"]
    for name in ("email.html", "email.txt", "post", "page"):
        assert "12 € Willkommensguthaben" in after[name], name
        assert "10 € Willkommensguthaben" not in after[name], name


def test_a_changed_fact_renders_the_personal_kits_again(make_project, cli, monkeypatch):
    from marketing_helpers import KIT_SECRET, kit_folder

    monkeypatch.setenv("RUNDBRIEF_UNSUBSCRIBE_SECRET", KIT_SECRET)
    root = make_project({})
    copy_marketing(root)
    approve(root)  # (kits are made only from campaigns as on the remote's main)
    members = root / "members.csv"
    members.write_text(members_csv(kit_rows([("Anna", "Beispiel", "anna-42")])), encoding="utf-8")
    assert cli(root, "kits", "--members", str(members)).exit_code == 0
    post = kit_folder(root, "anna-42") / "index.html"
    assert "10 € Willkommensguthaben" in post.read_text(encoding="utf-8")
    again = cli(root, "kits", "--members", str(members))
    assert "0 Kits nach build/kits/ geschrieben, 1 unverändert" in again.stdout, again.stdout
    facts = root / FACTS_FILE
    text = facts.read_text(encoding="utf-8")
    assert "Empfehlung kommt\n  wert: 10 €" in text
    facts.write_text(
        text.replace("Empfehlung kommt\n  wert: 10 €", "Empfehlung kommt\n  wert: 15 €"),
        encoding="utf-8",
    )
    git(root, "commit", "-q", "-am", "15 €")  # approved: merged into the remote's main
    git(root, "push", "-q", "origin", "main")
    changed = cli(root, "kits", "--members", str(members))
    assert "1 Kit nach build/kits/ geschrieben, 0 unverändert" in changed.stdout, changed.stdout
    assert "15 € Willkommensguthaben" in post.read_text(encoding="utf-8")


# --- a fact that changes on a day ----------------------------------------------------------


def test_a_fact_with_a_change_date_is_right_on_both_sides_of_the_date(make_project, cli):
    body = (
        'Bis zum {{ fakt.lastschrift_tag | bis("2026-12-31") }} buchen wir am '
        '{{ fakt.lastschrift_tag | am("2026-12-31") }} ab, ab dem '
        '{{ fakt.lastschrift_tag | ab("2027-01-01") }} am {{ fakt.lastschrift_tag | am("2027-01-01") }}.\n'
    )
    root = make_project(
        {
            FACTS_FILE: FACTS,
            "content/index.md": ARTICLE.format(title="Start") + body,
            "newsletters/2026-12-31-vorher.md": NEWSLETTER.format(date="2026-12-31"),
            "newsletters/2027-01-01-nachher.md": NEWSLETTER.format(date="2027-01-01"),
        }
    )
    result = cli(root, "build")
    assert result.exit_code == 0, result.stderr
    assert (
        "Bis zum 31. Dezember 2026 buchen wir am 1. Bankarbeitstag ab, ab dem 1. Januar 2027 "
        "am 5. Bankarbeitstag."
    ) in article_text(root, "index.html")
    for slug, day in (("2026-12-31-vorher", "1."), ("2027-01-01-nachher", "5.")):
        folder = root / "build" / "newsletters" / slug
        text = (folder / "email.txt").read_text(encoding="utf-8")
        assert f"wir buchen am {day} Bankarbeitstag ab." in text, slug
        page = html.unescape((folder / "email.html").read_text(encoding="utf-8"))
        assert f"wir buchen am {day} Bankarbeitstag ab." in page, slug
        assert f"Wir buchen am {day} Bankarbeitstag ab – der Beitrag bleibt bei 4,90 €" in page
        message = email.message_from_bytes(
            (folder / "message.eml").read_bytes(), policy=email.policy.default
        )
        assert message["Subject"] == f"Ihr Einzugstermin: {day} Bankarbeitstag"
    archive = (root / "site" / "newsletter" / "2027-01-01-nachher" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "Ihr Einzugstermin: 5. Bankarbeitstag" in archive


def test_an_article_must_name_the_day_of_a_fact_that_changes(make_project, cli):
    root = make_project(
        {
            FACTS_FILE: FACTS,
            "content/index.md": ARTICLE.format(title="Start")
            + "Erste Zeile.\n\nWir buchen am {{ fakt.lastschrift_tag }} ab.\n",
        }
    )
    result = cli(root, "check")
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "content/index.md:7: "
        + _("fakt.{name} changes on {day}: name the day you mean, e.g. {example}").format(
            name="lastschrift_tag",
            day="1. Januar 2027",
            example='{{ fakt.lastschrift_tag | am("2027-01-01") }}',
        )
    ]


def test_when_the_change_day_moves_every_sentence_naming_the_old_day_is_a_problem(
    make_project, cli
):
    body = (
        'Bis zum {{ fakt.lastschrift_tag | bis("2026-12-31") }} am '  # line 5
        '{{ fakt.lastschrift_tag | am("2026-12-31") }},\n'
        'ab dem {{ fakt.lastschrift_tag | ab("2027-01-01") }} am '  # line 6
        '{{ fakt.lastschrift_tag | am("2027-01-01") }}.\n'
        'Beitrag: {{ fakt.mitgliedsbeitrag | am("2027-01-01") }}\n'  # line 7: never changes
    )
    moved = FACTS.replace("2027-01-01: 5.", "2027-02-01: 5.")
    root = make_project(
        {FACTS_FILE: moved, "content/index.md": ARTICLE.format(title="Start") + body}
    )
    result = cli(root, "check")
    assert result.exit_code == 1
    days = "2027-01-31, 2027-02-01"
    reference = '{{{{ fakt.lastschrift_tag | {kind}("{day}") }}}}'
    assert stderr_lines(result) == [
        "content/index.md:5: "
        + _("{reference}: no value of fakt.{name} begins or ends on that day ({days})").format(
            reference=reference.format(kind="am", day="2026-12-31"),
            name="lastschrift_tag",
            days=days,
        ),
        "content/index.md:5: "
        + _("{reference}: no value of fakt.{name} ends on that day ({days})").format(
            reference=reference.format(kind="bis", day="2026-12-31"),
            name="lastschrift_tag",
            days="2027-01-31",
        ),
        "content/index.md:6: "
        + _("{reference}: fakt.{name} gets no new value on that day ({days})").format(
            reference=reference.format(kind="ab", day="2027-01-01"),
            name="lastschrift_tag",
            days="2027-02-01",
        ),
        "content/index.md:6: "
        + _("{reference}: no value of fakt.{name} begins or ends on that day ({days})").format(
            reference=reference.format(kind="am", day="2027-01-01"),
            name="lastschrift_tag",
            days=days,
        ),
        "content/index.md:7: "
        + _("{reference}: fakt.{name} does not change; write {plain}").format(
            reference='{{ fakt.mitgliedsbeitrag | am("2027-01-01") }}',
            name="mitgliedsbeitrag",
            plain="{{ fakt.mitgliedsbeitrag }}",
        ),
    ]


# --- an unknown fact is a problem at its line ----------------------------------------------


def test_an_unknown_fact_is_a_problem_at_its_line_in_article_newsletter_and_campaign(
    make_project, cli
):
    campaign = (
        (REPO / "marketing-assets" / f"{SLUG}.yml")
        .read_text(encoding="utf-8")
        .replace(
            "      Was mir gefällt:\n",
            "      Was mir gefällt:\n      – {{ fakt.mitgliedsbeitrg }} im Monat,\n",
        )
    )
    campaign_line = campaign.split("\n").index("      – {{ fakt.mitgliedsbeitrg }} im Monat,") + 1
    letter = NEWSLETTER.format(date="2026-11-02").replace(
        '"Ihr Einzugstermin: {{ fakt.lastschrift_tag }}"', '"Ihr Termin: {{ fakt.termin }}"'
    )
    root = make_project(
        {
            FACTS_FILE: (REPO / FACTS_FILE).read_text(encoding="utf-8"),
            "content/index.md": ARTICLE.format(title="Start")
            + "Zeile fünf.\n\nBeitrag: {{ fakt.mitgliedsbeitrag }}, Rabatt: {{ fakt.sonderrabatt }}.\n",
            "newsletters/2026-11-02-test.md": letter.replace(
                "wir buchen am {{ fakt.lastschrift_tag }} ab.",
                "wir buchen am {{ fakt.lastschrift_tag }} ab.\n\nDazu {{ fakt.lastschriftag }}.",
            ),
            f"marketing-assets/{SLUG}.yml": campaign,
            **templates_files(),
        }
    )
    result = cli(root, "check")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    unknown = _("unknown fact 'fakt.{name}': define it in {file}")
    close = _("unknown fact 'fakt.{name}'; did you mean 'fakt.{close}'?")
    assert lines == [
        "content/index.md:7: " + unknown.format(name="sonderrabatt", file=FACTS_FILE),
        f"marketing-assets/{SLUG}.yml:{campaign_line}: social_posts.2.text: "
        + close.format(name="mitgliedsbeitrg", close="mitgliedsbeitrag"),
        "newsletters/2026-11-02-test.md:2: subject: "
        + unknown.format(name="termin", file=FACTS_FILE),
        "newsletters/2026-11-02-test.md:11: "
        + close.format(name="lastschriftag", close="lastschrift_tag"),
    ], lines


def test_a_malformed_reference_is_a_problem_not_published_template_syntax(make_project, cli):
    root = make_project(
        {
            FACTS_FILE: FACTS,
            "content/index.md": ARTICLE.format(title="Start")
            + '{{ fakt.mitgliedsbeitrag | morgen("2027-01-01") }} und {{ fakt }}\n',
        }
    )
    result = cli(root, "check")
    assert result.exit_code == 1
    lines = stderr_lines(result)
    assert len(lines) == 2 and all(line.startswith("content/index.md:5: ") for line in lines)
    assert "morgen" in lines[0] and "{{ fakt }}" in lines[1]


# --- the repository ------------------------------------------------------------------------


def test_the_repository_names_its_facts_and_types_them_nowhere_else():
    """The values that contradicted each other come from fakten.yml, once."""
    sources = [
        *sorted((REPO / "content").rglob("*.md")),
        *sorted((REPO / "newsletters").glob("*.md")),
        *sorted((REPO / "marketing-assets").glob("*.yml")),
        *sorted((REPO / "marketing-assets").glob("*.md")),
    ]
    text = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    settings = (REPO / "rundbrief.yml").read_text(encoding="utf-8")
    text += settings[settings.index("\nhelp_site:") :].split("\n\n")[0]  # the texts the site shows
    for typed in (
        "5. Bankarbeitstag",
        "1. Bankarbeitstag",
        "Januar 2027",
        "4,90 €",
        "25 €",
        "50 €",
        "10 € Willkommens",
        "support@mitgliederwerk.example",
        "Lindenstraße 12",
        "+49 30 1234567-0",
        "Antworten Sie einfach auf diese E-Mail",
        "im September",
        "von 9 bis 17 Uhr",
    ):
        assert typed not in text, typed
    facts = load_facts(load_project(REPO))
    assert facts.problems == ()
    assert facts.facts["lastschrift_tag"].on(dt.date(2026, 12, 31)) == "1. Bankarbeitstag"
    assert facts.facts["lastschrift_tag"].on(dt.date(2027, 1, 1)) == "5. Bankarbeitstag"


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("zahlungen/kosten.md", "Kosten und Gebühren"),
        ("konto/widerruf.md", "Widerrufsrecht"),
        ("beteiligungen/hauptversammlung.md", "Hauptversammlung – teilnehmen und abstimmen"),
        (
            "beteiligungen/dokumente.md",
            "Mitgliedschaftsbedingungen, Satzung und Wertpapier-Informationsblatt",
        ),
        ("beteiligungen/aktien-verkaufen.md", "Aktien verkaufen"),
        ("barrierefreiheit.md", "Erklärung zur Barrierefreiheit"),
        ("neu-hier.md", "Neu hier?"),
    ],
)
def test_the_articles_members_ask_for_exist_and_use_the_facts(name, title):
    text = (REPO / "content" / name).read_text(encoding="utf-8")
    assert text.startswith(f"---\ntitle: {title}\n")
    assert "{{ fakt." in text


def test_the_example_with_its_new_articles_passes_the_strict_check(example_project, cli):
    result = cli(example_project, "check", "--strict")
    assert result.exit_code == 0, result.stderr


def test_a_newsletter_naming_facts_is_not_sent_while_the_facts_differ_from_main(
    example_project, cli, smtp, tmp_path
):
    approved = "newsletters/2026-11-20-neuer-lastschrifttermin.md"
    members = members_file(tmp_path / "private", [member_row(1)])
    facts = example_project / FACTS_FILE
    facts.write_text(
        facts.read_text(encoding="utf-8").replace("2027-01-01: 5.", "2027-01-01: 6."),
        encoding="utf-8",
    )
    result = send(cli, example_project, members, smtp, newsletter=approved)
    assert result.exit_code == 1
    assert (
        f"{FACTS_FILE}:1: "
        + _("the file has uncommitted changes: commit it and merge it into main")
        in result.stderr.splitlines()
    )
    assert smtp.recorder.received == []


def test_a_day_that_does_not_exist_is_a_problem_not_a_crash(make_project, cli):
    letter = NEWSLETTER.format(date="2026-02-30")
    root = make_project(
        {
            FACTS_FILE: FACTS,
            "content/index.md": ARTICLE.format(title="Start") + "Text.\n",
            "newsletters/2026-02-28-test.md": letter,
        }
    )
    result = cli(root, "check")
    assert result.exit_code == 1
    assert result.stderr.startswith("newsletters/2026-02-28-test.md:4: date: ")
    assert "2026-02-30" in result.stderr.splitlines()[0]
