"""Front matter problems are reported as path:line with the line of the file, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

GOOD = "---\ntitle: Gut\ndescription: Eine Seite, die in Ordnung ist und bleibt.\n---\nText.\n"


def problems_of(cli, project: Path, command: str = "check") -> tuple[int, list[str]]:
    result = cli(project, command)
    lines = [line for line in result.stderr.splitlines() if not line.endswith("sent.")]
    return result.exit_code, lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "---\ntitle: Gut\ndescription: [eine, Liste]\n---\nText.\n",
            "content/a.md:3: description: expected text, got a list",
        ),
        (
            "---\ntitle: Gut\ndescription: Eine Seite, die in Ordnung ist.\norder: zwei\n---\nText.\n",
            "content/a.md:4: order: expected a whole number, got text 'zwei'",
        ),
        (
            "---\ntitle: Gut\ndescription: Eine Seite, die in Ordnung ist.\ndraft: vielleicht\n---\nx\n",
            "content/a.md:4: draft: expected true or false, got text 'vielleicht'",
        ),
        (
            "---\ndescription: Eine Seite, die in Ordnung ist.\n---\nText.\n",
            "content/a.md:1: missing required key 'title'",
        ),
        (
            "---\ntitle: Gut\ndescription: Eine Seite, die in Ordnung ist.\nautor: Eva\n---\nText.\n",
            "content/a.md:4: unknown key 'autor' (allowed: description, draft, hide, keywords, order, search, tags, title)",
        ),
        (
            "---\ntitle: Gut\ndescription: Eine Seite: kaputt: ja\n---\nText.\n",
            "content/a.md:3: invalid YAML: mapping values are not allowed here",
        ),
        (
            "---\ntitle: 'offen\ndescription: x\n---\nText.\n",
            "content/a.md:2: invalid YAML: while scanning a quoted scalar, found unexpected end of stream",
        ),
        ("", "content/a.md:1: file is empty; expected front matter between '---' lines"),
        (
            "Nur Text.\n",
            "content/a.md:1: missing front matter: the file must start with a '---' line",
        ),
        (
            "---\n- eins\n- zwei\n---\nText.\n",
            "content/a.md:2: front matter: expected a mapping of keys, got a list",
        ),
        (
            "---\ntitle: Gut\ndescription: Eine Seite, die in Ordnung ist.\n---\n",
            "content/a.md:4: no text after the front matter",
        ),
        (
            "---\ntitle: Gut\n",
            "content/a.md:1: front matter is not closed: add a '---' line after it",
        ),
        (
            "---\ntitle: Gut\ndescription: Zu kurz.\n---\nText.\n",
            "content/a.md:3: description: expected 20 to 200 characters, got 8",
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
    assert lines == ["content/a.md:3: not UTF-8 text (byte 0xfc); save the file as UTF-8"]


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
        "content/a.md:2: title: expected text, got a list",
        "content/b/c.md:4: unknown key 'foo' (allowed: description, draft, hide, keywords, order, search, tags, title)",
        "content/b/c.md:5: unknown key 'bar' (allowed: description, draft, hide, keywords, order, search, tags, title)",
        "content/d.md:7: broken link: fehlt.md does not exist",
        "4 problems in 3 files; nothing was written or sent.",
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
        "content/f.md:7: broken image: assets/fehlt.png does not exist",
        "content/f.md:9: link to a draft: e.md",
    ]


def test_settings_file_problems_name_their_line(cli, make_project):
    project = make_project({"content/index.md": GOOD})
    settings = project / "rundbrief.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace("  inliner: premailer", "  inliner: turbo"),
        encoding="utf-8",
    )
    result = cli(project, "check")
    assert result.exit_code == 1
    line = next(
        n for n, text in enumerate(settings.read_text().splitlines(), 1) if "inliner:" in text
    )
    assert (
        f"rundbrief.yml:{line}: newsletter.inliner: expected one of premailer, css-inline, got 'turbo'"
        in result.stderr
    )
