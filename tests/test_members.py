"""Reading the members file: encodings, separators, columns and rows named in problems."""

from __future__ import annotations

from generator.sending.members import read_members

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
        "confirmed_at, unsubscribed_at (vorhanden: email, first_name)"
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
