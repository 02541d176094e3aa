"""Messages in German by default, English on request, and catalogues that are complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from generator.core import i18n
from generator.core.i18n import _

PACKAGE = Path(__file__).resolve().parent.parent / "generator"
LOCALE = PACKAGE / "locale"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


@pytest.fixture
def language():
    """Switch the message language for one test and back."""
    before = i18n.language()
    yield i18n.use
    i18n.use(before)


def extracted() -> set[str]:
    """Every message id the package's code marks for translation."""
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), keywords=KEYWORDS, comment_tags=()
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def catalogue(language: str):
    with (LOCALE / language / "LC_MESSAGES" / "rundbrief.po").open("rb") as stream:
        return read_po(stream)


def test_every_message_has_a_german_translation():
    german = catalogue("de")
    missing = sorted(
        message for message in extracted() if not (german.get(message) and _filled(german[message]))
    )
    assert missing == [], "translate in generator/locale/de (scripts/catalogues): " + repr(missing)


def test_translations_keep_their_placeholders():
    for message in catalogue("de"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = {name for text in ids for name in PLACEHOLDER.findall(text)}
        forms = [set(PLACEHOLDER.findall(text)) for text in ids]
        for index, text in enumerate(strings):
            if text:
                # Where the English forms name different placeholders (Click's "Did you mean
                # {possibility}?" / "… {possibilities}?"), each form follows its own.
                expected = wanted if len(set(map(frozenset, forms))) == 1 else forms[min(index, 1)]
                assert set(PLACEHOLDER.findall(text)) == expected, (message.id, text)


@pytest.mark.parametrize("language", ["de", "en"])
def test_compiled_catalogue_matches_its_source(language):
    with (LOCALE / language / "LC_MESSAGES" / "rundbrief.mo").open("rb") as stream:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(stream) if m.id}
    source = {_key(m.id): _compiled_form(m) for m in catalogue(language) if m.id and _compiled(m)}
    assert compiled == source, "run scripts/catalogues to compile the .mo files"


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def _compiled(message) -> bool:
    """Whether pybabel compile writes the message: a plural always, a singular once translated."""
    return message.pluralizable or bool(message.string)


def _compiled_form(message):
    """The strings pybabel compile writes: an untranslated plural form falls back to its id."""
    if not message.pluralizable:
        return message.string
    ids = tuple(message.id)
    return tuple(text or ids[min(index, 1)] for index, text in enumerate(message.string))


def _filled(message) -> bool:
    strings = message.string if isinstance(message.string, list | tuple) else [message.string]
    return all(strings)


def test_both_catalogues_load_and_german_is_the_default(language):
    assert i18n.DEFAULT == "de"
    language("de")
    assert _("All sources are valid.") == "Alle Quellen sind in Ordnung."
    language("en")
    assert _("All sources are valid.") == "All sources are valid."


def test_a_problem_line_reads_in_german_by_default(cli, make_project):
    project = make_project(
        {"content/index.md": "---\ntitle: Start\n---\nText mit [Link](fehlt.md).\n"}
    )
    result = cli(project, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "content/index.md:1: Pflichtfeld 'description' fehlt",
        "content/index.md:4: Link führt ins Leere: fehlt.md gibt es nicht",
        "2 Probleme in 1 Datei; es wurde nichts geschrieben oder verschickt.",
    ]


def test_english_on_request(cli, make_project):
    project = make_project(
        {"content/index.md": "---\ntitle: Start\n---\nText mit [Link](fehlt.md).\n"}
    )
    settings = project / "rundbrief.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace("language: de", "language: en"),
        encoding="utf-8",
    )
    result = cli(project, "check")
    assert result.stderr.splitlines() == [
        "content/index.md:1: missing required key 'description'",
        "content/index.md:4: broken link: fehlt.md does not exist",
        "2 problems in 1 file; nothing was written or sent.",
    ]


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("language: de", "rundbrief: Hilfeseite, Newsletter und Werbemittel."),
        ("language: en", "rundbrief: help site, newsletters and promotional material."),
    ],
)
def test_the_help_of_the_command_group_speaks_the_projects_language(
    cli, make_project, language, setting, expected
):
    """`--help` is answered while the arguments are read, before any command runs."""
    language("de")
    project = make_project({})
    settings = project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("language: de", setting), encoding="utf-8")
    result = cli(project, "--help")
    assert result.exit_code == 0
    assert expected in result.stdout
    helps = {"de": "Diese Hilfe zeigen und beenden.", "en": "Show this message and exit."}
    version = {"de": "Die Version zeigen und beenden.", "en": "Show the version and exit."}
    language_code = setting.split()[-1]
    assert helps[language_code] in result.stdout and version[language_code] in result.stdout
    command = cli(project, "check", "--help")
    assert helps[language_code] in command.stdout
