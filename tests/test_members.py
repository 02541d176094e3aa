"""Reading the members file: encodings, separators, columns and rows named in problems."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from generator.members.source import read_members

HEADER = "email;first_name;last_name;referral_code;segments;opt_in_at;confirmed_at;unsubscribed_at"


def test_semicolons_and_a_bom_as_german_excel_writes_them(tmp_path):
    path = tmp_path / "m.csv"
    row = "anna@beispiel.example;Anna;Müller;anna-1;alle, kredit;2026-01-01;2026-01-02;"
    path.write_bytes(("\ufeff" + HEADER + ";extra\n" + row + ";x\n").encode("utf-8"))
    members, problems = read_members(path, "m.csv")
    assert problems == []
    assert members[0].last_name == "Müller" and members[0].row == 2
    assert members[0].segments == {"alle", "kredit"} and members[0].extra == {"extra": "x"}


def test_missing_columns_are_one_problem_at_line_1_and_no_members(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("email,first_name\na@b.example,A\n", encoding="utf-8")
    members, problems = read_members(path, "m.csv")
    assert members == []
    assert [str(p) for p in problems] == [
        "m.csv:1: es fehlen die Spalten last_name, referral_code, segments, opt_in_at, "
        "confirmed_at, unsubscribed_at (vorhanden: email, first_name); exportieren Sie die "
        "Mitgliederdatei mit diesen Spalten (Handbuch: Mitgliederdatei)"
    ]


def test_rows_are_named_by_their_first_line_even_after_a_multiline_field(tmp_path):
    path = tmp_path / "m.csv"
    rows = [
        'a@beispiel.example;"Zwei\nZeilen";X;a;alle;2026-01-01;2026-01-02;',
        "kein-at;B;X;b;alle;2026-01-01;2026-01-02;",
        "A@Beispiel.example;C;X;c;alle;2026-01-01;2026-01-02;",
        "d@beispiel.example;D;X;d/../x;alle;2026-01-01;2026-01-02;",
    ]
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    members, problems = read_members(path, "m.csv", row_severity="warning")
    assert [m.row for m in members] == [5]  # row 2 was left out, so row 5 is no duplicate
    assert [(p.line, p.severity) for p in problems] == [
        (2, "warning"),
        (4, "warning"),
        (6, "warning"),
    ]
    assert "first_name: Zeilenumbrüche" in problems[0].message
    assert problems[1].message == "ungültige Adresse 'kein-at'"
    assert "Empfehlungscode 'd/../x'" in problems[2].message


def rows_file(tmp_path, rows: list[str], header: str = HEADER) -> object:
    path = tmp_path / "m.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def row(
    name: str, first: str = "Anna", code: str = "", times: str = "2026-01-01;2026-01-02;"
) -> str:
    return f"{name}@beispiel.example;{first};Muster;{code or name};alle;{times}"


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        ("\u2028", "U+2028"),
        ("\u2029", "U+2029"),
        ("\u0085", "U+0085"),
        ("\x0b", "U+000B"),
        ("\x0c", "U+000C"),
        ("\x1c", "U+001C"),
        ("\x7f", "U+007F"),
        ("\t", "U+0009"),
    ],
)
def test_a_character_that_breaks_a_header_excludes_only_its_row(tmp_path, char, shown):
    path = rows_file(tmp_path, [row("a"), row("b", first=f"Eva{char}Bcc: x@y.example"), row("c")])
    members, problems = read_members(path, "m.csv", row_severity="warning")
    assert [m.email for m in members] == ["a@beispiel.example", "c@beispiel.example"]
    assert [(p.line, p.severity) for p in problems] == [(3, "warning")]
    assert problems[0].message.startswith("first_name: Zeilenumbrüche")
    assert shown in problems[0].message


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_bidirectional_overrides_in_names_are_refused(tmp_path, char):
    path = rows_file(tmp_path, [row("a", first=f"Anna{char}nnA"), row("b")])
    members, problems = read_members(path, "m.csv", row_severity="warning")
    assert [m.email for m in members] == ["b@beispiel.example"]
    assert problems[0].line == 2
    assert "Schreibrichtung" in problems[0].message


@pytest.mark.parametrize("code", ["CON", "nul", "Com1", "LPT9", "aux", "PRN"])
def test_windows_reserved_names_are_no_referral_codes(tmp_path, code):
    path = rows_file(tmp_path, [row("a", code=code), row("b")])
    members, problems = read_members(path, "m.csv", row_severity="warning")
    assert [m.email for m in members] == ["b@beispiel.example"]
    assert f"Empfehlungscode '{code}' ist ein Name, den Windows" in problems[0].message


def test_an_unclosed_quote_is_a_problem_at_its_row_and_the_rows_after_it_are_read(tmp_path):
    rows = [row("a"), row("b", first='"Bernd'), *[row(f"n{n}") for n in range(40)]]
    path = rows_file(tmp_path, rows)
    members, problems = read_members(path, "m.csv", row_severity="warning")
    assert [str(p) for p in problems] == [
        "m.csv:3: Warnung: ein Anführungszeichen in dieser Zeile wird nie geschlossen"
    ]
    assert len(members) == 41
    assert members[-1].email == "n39@beispiel.example" and members[-1].row == 43


def test_an_unclosed_quote_in_the_last_row_is_named_too(tmp_path):
    path = rows_file(tmp_path, [row("a"), row("b", first='"Bernd')])
    members, problems = read_members(path, "m.csv", row_severity="warning")
    assert [m.row for m in members] == [2]
    assert [p.line for p in problems] == [3]


def test_a_field_over_the_csv_limit_is_a_problem_and_does_not_stop_the_file(tmp_path):
    path = rows_file(tmp_path, [row("a"), row("b", first="B" * 200_000), row("c"), row("d")])
    members, problems = read_members(path, "m.csv", row_severity="warning")
    assert [m.email[0] for m in members] == ["a", "c", "d"]
    assert [p.line for p in problems] == [3]
    assert "die Zeile ist 200.056 Zeichen lang, gelesen werden höchstens 65.536" in (
        problems[0].message
    )


def test_german_excel_times_and_iso_times_are_read_in_the_settings_time_zone(tmp_path):
    rows = [
        row("a", times="01.02.2026 10:00;01.02.2026 10:05:30;"),
        row("b", times="1.2.2026 9:00;2026-02-01T09:05:00+01:00;"),
        row("c", times="2026-02-01 10:00;2026-02-01 10:05;03.04.2026 08:00"),
    ]
    path = rows_file(tmp_path, rows)
    members, problems = read_members(path, "m.csv", timezone="Europe/Berlin")
    assert problems == []
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    assert members[0].opt_in_at == dt.datetime(2026, 2, 1, 10, 0, tzinfo=berlin)
    assert members[0].confirmed_at == dt.datetime(2026, 2, 1, 10, 5, 30, tzinfo=berlin)
    assert members[1].opt_in_at == dt.datetime(2026, 2, 1, 9, 0, tzinfo=berlin)
    assert members[1].confirmed_at.utcoffset() == dt.timedelta(hours=1)
    assert members[2].unsubscribed_at == dt.datetime(2026, 4, 3, 8, 0, tzinfo=berlin)
    assert members[2].unsubscribed_at.utcoffset() == dt.timedelta(hours=2)  # summer time


def test_anything_else_is_not_a_time_with_the_expected_forms(tmp_path):
    path = rows_file(tmp_path, [row("a", times="2026/02/01 10:00;01.02.2026;"), row("b")])
    members, problems = read_members(path, "m.csv", row_severity="warning")
    assert [m.email for m in members] == ["b@beispiel.example"]
    assert [str(p) for p in problems] == [
        "m.csv:2: Warnung: opt_in_at: keine Zeitangabe: 2026/02/01 10:00, erwartet "
        "2024-01-01 10:00 oder 01.01.2024 10:00"
    ]


def test_columns_are_mapped_to_the_headers_of_the_export(tmp_path):
    header = "E-Mail;Vorname;Nachname;Empfehlungscode;Segmente;Anmeldung;Bestätigung;Abmeldung"
    path = rows_file(
        tmp_path,
        ["anna@beispiel.example;Anna;Müller;anna-1;alle kredit;01.01.2026 10:00;01.01.2026 10:01;"],
        header,
    )
    columns = {
        "email": "E-Mail",
        "first_name": "Vorname",
        "last_name": "Nachname",
        "referral_code": "Empfehlungscode",
        "segments": "Segmente",
        "opt_in_at": "Anmeldung",
        "confirmed_at": "Bestätigung",
        "unsubscribed_at": "Abmeldung",
    }
    members, problems = read_members(path, "m.csv", columns=columns)
    assert problems == []
    assert members[0].first_name == "Anna" and members[0].segments == {"alle", "kredit"}
    wrong, found = read_members(path, "m.csv")
    assert wrong == []
    assert str(found[0]).startswith("m.csv:1: es fehlen die Spalten email, first_name")


def test_the_sample_members_file_of_the_repository_reads_without_problems():
    from conftest import REPO

    members, problems = read_members(REPO / "examples" / "members.csv", "examples/members.csv")
    assert problems == []
    assert len(members) >= 10
    assert all(m.email.endswith(".example") for m in members)


# A quote never swallows other rows (R-13) ----------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "lines", "kept"),
    [
        # a quote opened in row 3 and closed in row 5: row 4 must not vanish inside it
        # (a quote inside an unquoted value is a character of it: 'Dora"' is a name)
        ([row("a"), row("b", first='"Bernd'), row("c"), row("d", first='Dora"'), row("e")],
         [3], "acde"),
        # the same, closed at the end of a row
        ([row("a"), row("b", first='"Bernd'), row("c"), row("d") + '"', row("e")], [3, 5], "ace"),
        # a quoted value across two rows, as Excel writes a line break in a cell: one problem
        ([row("a"), row("b", first='"Bernd\nBerta"'), row("c")], [3], "ac"),
        # the same with CRLF inside the quotes
        ([row("a"), row("b", first='"Bernd\r\nBerta"'), row("c")], [3], "ac"),
        # a quote opened in the first data row and closed in the last
        ([row("b", first='"Bernd'), row("c"), row("d"), row("e", first='Eva"')], [2], "cde"),
    ],
)  # fmt: skip
def test_a_quote_across_rows_affects_only_the_rows_it_is_in(tmp_path, rows, lines, kept):
    path = rows_file(tmp_path, rows)
    members, problems = read_members(path, "m.csv", row_severity="warning")
    assert [p.line for p in problems] == lines
    assert "".join(m.email[0] for m in members) == kept


def test_crlf_line_ends_with_a_quoted_field_are_read_row_by_row(tmp_path):
    path = tmp_path / "m.csv"
    text = HEADER + "\r\n" + "\r\n".join([row("a"), row("b", first='"Be; rnd"'), row("c")])
    path.write_bytes((text + "\r\n").encode("utf-8"))
    members, problems = read_members(path, "m.csv")
    assert problems == []
    assert [(m.row, m.first_name) for m in members] == [(2, "Anna"), (3, "Be; rnd"), (4, "Anna")]
