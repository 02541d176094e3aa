"""Front matter problems are reported as path:line with the line of the file, all at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GOOD = "---\ntitle: Gut\ndescription: Eine Seite, die in Ordnung ist und bleibt.\n---\nText.\n"


def problems_of(cli, project: Path, command: str = "check") -> tuple[int, list[str]]:
    result = cli(project, command)
    lines = [line for line in result.stderr.splitlines() if not line.endswith("verschickt.")]
    return result.exit_code, lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "---\ntitle: Gut\ndescription: [eine, Liste]\n---\nText.\n",
            "content/a.md:3: description: Text erwartet, gefunden: eine Liste; schreiben Sie den "
            "Text in einer Zeile hinter den Schlüssel, ohne „- “ oder eckige Klammern",
        ),
        (
            "---\ntitle: Gut\ndescription: Eine Seite, die in Ordnung ist.\norder: zwei\n---\nText.\n",
            "content/a.md:4: order: eine ganze Zahl erwartet, gefunden: Text 'zwei'",
        ),
        (
            "---\ntitle: Gut\ndescription: Eine Seite, die in Ordnung ist.\ndraft: vielleicht\n---\nx\n",
            "content/a.md:4: draft: true oder false erwartet, gefunden: Text 'vielleicht'",
        ),
        (
            "---\ndescription: Eine Seite, die in Ordnung ist.\n---\nText.\n",
            "content/a.md:1: Pflichtfeld 'title' fehlt",
        ),
        (
            "---\ntitle: Gut\ndescription: Eine Seite, die in Ordnung ist.\nautor: Eva\n---\nText.\n",
            "content/a.md:4: unbekanntes Feld 'autor' (erlaubt: description, draft, hide, keywords, order, search, tags, title)",
        ),
        (
            "---\ntitle: Gut\ndescription: Eine Seite: kaputt: ja\n---\nText.\n",
            "content/a.md:3: der Wert von description enthält einen Doppelpunkt: setzen Sie ihn in "
            'Anführungszeichen, description: "Eine Seite: kaputt: ja"',
        ),
        (
            "---\ntitle: 'offen\ndescription: x\n---\nText.\n",
            "content/a.md:2: das Anführungszeichen ' in dieser Zeile wird nie geschlossen: beenden "
            "Sie den Wert in derselben Zeile mit '",
        ),
        (
            "",
            "content/a.md:1: die Datei ist leer; erwartet wird ein Kopfbereich zwischen zwei Zeilen '---'",
        ),
        (
            "Nur Text.\n",
            "content/a.md:1: Kopfbereich fehlt: die Datei muss mit einer Zeile '---' beginnen",
        ),
        (
            "---\n- eins\n- zwei\n---\nText.\n",
            "content/a.md:2: Kopfbereich: Felder der Form 'name: wert' erwartet, gefunden: eine Liste",
        ),
        (
            "---\ntitle: Gut\ndescription: Eine Seite, die in Ordnung ist.\n---\n",
            "content/a.md:4: nach dem Kopfbereich folgt kein Text",
        ),
        (
            "---\ntitle: Gut\n",
            "content/a.md:1: der Kopfbereich ist nicht abgeschlossen: fügen Sie danach eine Zeile '---' ein",
        ),
        (
            "---\ntitle: Gut\ndescription: Zu kurz.\n---\nText.\n",
            "content/a.md:3: description: 20 bis 200 Zeichen erwartet, es sind 8",
        ),
    ],
)
def test_each_kind_of_bad_front_matter_names_file_and_line(cli, make_project, text, expected):
    project = make_project({"content/index.md": GOOD, "content/a.md": text})
    code, lines = problems_of(cli, project)
    assert code == 1
    assert lines == [expected]


def test_non_utf8_file_is_a_problem_not_a_traceback(cli, make_project):
    latin1 = "---\ntitle: Gut\ndescription: Eine Seite über Größen.\n---\nText.\n".encode("latin-1")
    project = make_project({"content/index.md": GOOD, "content/a.md": latin1})
    code, lines = problems_of(cli, project)
    assert code == 1
    assert lines == [
        "content/a.md:3: kein UTF-8-Text (Byte 0xfc); speichern Sie die Datei als UTF-8"
    ]


def test_utf8_with_bom_and_crlf_is_accepted(cli, make_project):
    text = "\ufeff---\r\ntitle: Gut\r\ndescription: Eine Seite mit Windows-Zeilenenden.\r\n---\r\nText.\r\n"
    project = make_project({"content/index.md": GOOD, "content/a.md": text.encode("utf-8")})
    assert cli(project, "check").exit_code == 0


def test_all_problems_of_all_files_in_one_run_and_nothing_written(cli, make_project):
    project = make_project(
        {
            "content/index.md": GOOD,
            "content/a.md": "---\ntitle: [1]\ndescription: Eine Seite, die in Ordnung ist.\n---\nx\n",
            "content/b/c.md": "---\ntitle: C\ndescription: Eine Seite, die in Ordnung ist.\nfoo: 1\nbar: 2\n---\nx\n",
            "content/d.md": "---\ntitle: D\ndescription: Siehe unten, dort ist ein Link.\n---\nx\n\n[weg](fehlt.md)\n",
        }
    )
    result = cli(project, "build")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "content/a.md:2: title: Text erwartet, gefunden: eine Liste; schreiben Sie den Text in "
        "einer Zeile hinter den Schlüssel, ohne „- “ oder eckige Klammern",
        "content/b: Abschnittsordner ohne index.md: legen Sie content/b/index.md mit dem Titel des Abschnitts an",
        "content/b/c.md:4: unbekanntes Feld 'foo' (erlaubt: description, draft, hide, keywords, order, search, tags, title)",
        "content/b/c.md:5: unbekanntes Feld 'bar' (erlaubt: description, draft, hide, keywords, order, search, tags, title)",
        "content/d.md:7: Link führt ins Leere: fehlt.md gibt es nicht",
        "5 Probleme in 4 Dateien; es wurde nichts geschrieben oder verschickt.",
    ]
    assert not (project / "site").exists()
    assert not (project / "build").exists()


def test_links_to_images_and_drafts_are_checked(cli, make_project):
    draft = (
        "---\ntitle: E\ndescription: Ein Entwurf, der noch nicht fertig ist.\ndraft: true\n---\nx\n"
    )
    page = (
        "---\ntitle: F\ndescription: Eine Seite mit Bild und Verweisen.\n---\n"
        "![Logo](assets/logo.svg)\n\n![Fehlt](assets/fehlt.png)\n\n"
        "[Entwurf](e.md) und `[kein](link.md)`\n\n```\n[auch kein](link.md)\n```\n"
    )
    project = make_project({"content/index.md": GOOD, "content/e.md": draft, "content/f.md": page})
    code, lines = problems_of(cli, project)
    assert code == 1
    assert lines == [
        "content/f.md:7: Bild fehlt: assets/fehlt.png gibt es nicht",
        "content/f.md:9: Link auf einen Entwurf: e.md",
    ]


def test_settings_file_problems_name_their_line(cli, make_project):
    project = make_project({"content/index.md": GOOD})
    settings = project / "rundbrief.yml"
    settings.write_text(
        re.sub(r"(?m)^  inliner: .*$", "  inliner: turbo", settings.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    result = cli(project, "check")
    assert result.exit_code == 1
    line = next(
        n for n, text in enumerate(settings.read_text().splitlines(), 1) if "inliner:" in text
    )
    assert (
        f"rundbrief.yml:{line}: newsletter.inliner: erlaubt: css-inline, premailer; gefunden: 'turbo'"
        in result.stderr
    )


# The everyday slips in a newsletter's front matter: one problem each, at the line to fix, with
# the fix; never a follow-up error for the keys after it.
SLIPS = {
    "colon": (
        "subject: Wichtig: Neue Termine im Dezember\n",
        2,
        "der Wert von subject enthält einen Doppelpunkt: setzen Sie ihn in Anführungszeichen, "
        'subject: "Wichtig: Neue Termine im Dezember"',
    ),
    "quote": (
        'subject: "Neue Termine im Dezember\n',
        2,
        'das Anführungszeichen " in dieser Zeile wird nie geschlossen',
    ),
    "tab": (
        "subject: Neue Termine\n\taudience: alle\n",
        3,
        "ein Tabulator am Zeilenanfang: YAML rückt nur mit Leerzeichen ein",
    ),
    "indent": (
        "subject: Neue Termine\n  audience: alle\n",
        3,
        "diese Zeile ist eingerückt, als gehöre sie zur Zeile darüber: schreiben Sie audience: an",
    ),
    "list": (
        "subject:\n  - Neue Termine\n",
        2,
        "subject: Text erwartet, gefunden: eine Liste; schreiben Sie den Text in einer Zeile",
    ),
}


@pytest.mark.parametrize("slip", sorted(SLIPS))
def test_yaml_slips_get_the_fix_and_no_follow_up_errors(make_project, cli, slip):
    first, line, expected = SLIPS[slip]
    text = (
        "---\n" + first + "preheader: Was sich im Dezember ändert und was Sie jetzt tun können\n"
        "date: 2026-12-01\nstatus: draft\n---\nHallo,\n\nText.\n"
    )
    project = make_project({"content/index.md": GOOD, "newsletters/2026-12-01-termine.md": text})
    code, lines = problems_of(cli, project)
    assert code == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"newsletters/2026-12-01-termine.md:{line}: {expected}"), lines
    assert "YAML" not in lines[0] or slip == "tab"  # the parser's English words stay out
