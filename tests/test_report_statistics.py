"""What each newsletter and campaign brought: two real sends, feedback from Dovecot, sign-ups."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from feedback_helpers import BOUNCE, LASTSCHRIFT, NOVEMBER, render, sent_journal
from members_helpers import member, member_row, members_file
from smtp_helpers import SECRET, send

from generator.members.verp import parse_verp

OLDER = "2026-06-01-sommerfest"
"""A newsletter sent before this journal: its bounces belong to no newsletter of the report."""
SUBJECTS = {
    NOVEMBER: "Ihr Monatsupdate November: Dividende, neue App-Funktionen und Termine",
    LASTSCHRIFT: "Wichtig: Ihr SEPA-Lastschrifttermin ändert sich zum 1. Januar 2027",
}
SIGNUPS = """\
date,referral_code,utm_campaign,utm_source,utm_medium,utm_content
2026-11-02T09:14:00+01:00,,2026-11-02-monatsupdate-november,newsletter,email,
2026-11-03T18:00:00+01:00,,2026-11-02-monatsupdate-november,newsletter,email,
2026-11-05,code-3,2026-11-02-monatsupdate-november,newsletter,email,
21.11.2026,,2026-11-20-neuer-lastschrifttermin,newsletter,email,
2026-11-22T10:00:00+01:00,code-1,mitglieder-werben-mitglieder,empfehlung,banner,quadrat
2026-11-23T10:00:00+01:00,code-1,mitglieder-werben-mitglieder,empfehlung,banner,quadrat
2026-12-01T10:00:00+01:00,code-1,mitglieder-werben-mitglieder,empfehlung,social,instagram
2026-12-02T10:00:00+01:00,code-2,mitglieder-werben-mitglieder,empfehlung,flyer,
2026-12-03T10:00:00+01:00,,,,,
"""


def read_csv(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode())  # Excel opens UTF-8 only with a BOM
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_two_sends_feedback_and_signups_make_the_founders_report(
    example_project, cli, smtp, imap, tmp_path
):
    private = tmp_path / "private"
    members = members_file(private, [member_row(n) for n in range(1, 11)])
    feedback_env = {**imap.env(), "RUNDBRIEF_UNSUBSCRIBE_SECRET": SECRET}
    # A bounce of a mailing this journal never saw, read with the journal that sent it.
    older = sent_journal(tmp_path / "older.sqlite", [(OLDER, member(9))])
    imap.append([render("gmx-user-unknown.eml", address=member(9), newsletter=OLDER, verp=False)])
    assert (
        cli(example_project, "feedback", "--journal", str(older), env=feedback_env).exit_code == 0
    )

    for newsletter in (NOVEMBER, LASTSCHRIFT):
        result = send(
            cli, example_project, members, smtp, newsletter=f"newsletters/{newsletter}.md"
        )
        assert result.exit_code == 0, result.stderr
    sender = {
        (
            r.message["Message-ID"].strip("<>").rpartition("@")[0].rpartition(".")[0],
            r.recipients[0],
        ): r.sender
        for r in smtp.recorder.received
    }
    assert all(parse_verp(BOUNCE, SECRET.encode(), address) for address in sender.values())
    assert len(sender) == 18  # member 9 bounced before: suppressed, sent neither
    imap.append(
        [
            render("garbled-dsn.eml", address=member(2), newsletter=NOVEMBER,
                   envelope=sender[NOVEMBER, member(2)], ident="h2"),
            render("gmail-mailbox-full.eml", address=member(3), newsletter=LASTSCHRIFT,
                   envelope=sender[LASTSCHRIFT, member(3)], ident="s3"),
        ]
    )  # fmt: skip
    feedback = cli(example_project, "feedback", env=feedback_env)
    assert feedback.exit_code == 0, feedback.stderr
    export = private / "anmeldungen.csv"
    export.write_text(SIGNUPS, encoding="utf-8")

    result = cli(example_project, "report", "--members", str(members), "--signups", str(export))

    assert result.exit_code == 0, result.stderr
    folder = example_project / "build" / "reports"
    page = (folder / "bericht.html").read_text(encoding="utf-8")
    for slug, subject in SUBJECTS.items():
        assert f'<a href="#{slug}">{subject}</a>' in page
    rows = {row["Newsletter"]: row for row in read_csv(folder / "newsletter.csv")}
    assert list(rows) == list(SUBJECTS.values())
    november, lastschrift = rows[SUBJECTS[NOVEMBER]], rows[SUBJECTS[LASTSCHRIFT]]
    assert (november["Empfänger"], november["versendet"], november["Harte Bounces"]) == ("9", "9", "1")  # fmt: skip
    assert (lastschrift["Weiche Bounces"], lastschrift["Harte Bounces"]) == ("1", "0")
    assert november["Bouncequote in %"] == "11,1111"
    unattributed = read_csv(folder / "nicht-zugeordnet.csv")
    assert [(r["Art"], r["Anzahl"], r["Newsletter laut Rückmeldung"]) for r in unattributed] == [
        ("harte Bounces", "1", OLDER)
    ]
    assert november["nicht angeschrieben: gesperrt nach hartem Bounce"] == "1"
    assert "1 harte Bounces – nicht zugeordnet: gehört zu einem Versand" in page

    by_newsletter = {r["Newsletter"]: r["Anmeldungen"] for r in read_csv(folder / "anmeldungen-newsletter.csv")}  # fmt: skip
    assert by_newsletter == {SUBJECTS[NOVEMBER]: "3", SUBJECTS[LASTSCHRIFT]: "1"}
    campaigns = [tuple(r.values()) for r in read_csv(folder / "anmeldungen-kampagnen.csv")]
    assert campaigns == [
        ("mitglieder-werben-mitglieder", "banner", "2"),
        ("mitglieder-werben-mitglieder", "flyer", "1"),
        ("mitglieder-werben-mitglieder", "social", "1"),
        ("ohne Kampagne", "", "1"),
    ]
    codes = [(r["Empfehlungscode"], r["Name"], r["Anmeldungen"]) for r in read_csv(folder / "anmeldungen-codes.csv")]  # fmt: skip
    assert codes == [("code-1", "", "3"), ("code-2", "", "1"), ("code-3", "", "1")]
    months = {r["Monat"]: r["Anmeldungen"] for r in read_csv(folder / "anmeldungen-monate.csv")}
    assert months == {"11/2026": "6", "12/2026": "3"}
    # The last newsletter's line on the first screen says what it brought.
    assert "<strong>1 neue Anmeldungen</strong> über seine Links" in page
    assert (
        '<td><code>code-1</code></td><td data-spalte="Anmeldungen">3</td>' in page
    )  # codes, no names: not switched on

    for path in folder.iterdir():
        text = path.read_text(encoding="utf-8-sig")
        assert "beispiel.example" not in text, path.name
        assert "Vorname" not in text and "Muster" not in text, path.name


def test_a_bad_signup_export_names_every_bad_row_and_keeps_the_last_report(
    example_project, cli, tmp_path
):
    export = tmp_path / "anmeldungen.csv"
    export.write_text(SIGNUPS, encoding="utf-8")
    assert cli(example_project, "report", "--signups", str(export)).exit_code == 0
    folder = example_project / "build" / "reports"
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    lines = SIGNUPS.splitlines()
    lines[2] = "gestern,,x,newsletter,email,"
    lines[5] = "2026-11-22,code-1"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = cli(example_project, "report", "--signups", str(export))

    assert result.exit_code == 1
    assert (
        f"{export}:3: date: erwartet wird ein Datum wie 2026-11-02 oder 02.11.2026, "
        "gefunden: 'gestern'" in result.stderr
    )
    assert f"{export}:6: 6 Felder erwartet, gefunden: 2" in result.stderr
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_the_export_columns_come_from_the_settings_and_names_only_when_switched_on(
    example_project, cli, tmp_path
):
    settings = example_project / "rundbrief.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8")
        + "signups:\n  columns:\n    date: Anmeldedatum\n    referral_code: Werber\n"
        + "  referrer_names: true\n",
        encoding="utf-8",
    )
    export = tmp_path / "anmeldungen.csv"
    header, *rows = SIGNUPS.splitlines()
    header = header.replace("date", "Anmeldedatum").replace("referral_code", "Werber")
    export.write_text(";".join(header.split(",")) + "\n" + "\n".join(r.replace(",", ";") for r in rows), encoding="utf-8")  # fmt: skip
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 4)])

    result = cli(example_project, "report", "--members", str(members), "--signups", str(export))

    assert result.exit_code == 0, result.stderr
    folder = example_project / "build" / "reports"
    codes = [tuple(r.values()) for r in read_csv(folder / "anmeldungen-codes.csv")]
    assert codes == [("code-1", "Vorname1 Muster", "3"), ("code-2", "Vorname2 Muster", "1"), ("code-3", "Vorname3 Muster", "1")]  # fmt: skip
    page = (folder / "bericht.html").read_text(encoding="utf-8")
    assert (
        '<td><code>code-1</code></td><td data-spalte="Name">Vorname1 Muster</td><td data-spalte="Anmeldungen">3</td>'
        in page
    )


def test_members_over_time_by_segment_are_counts_from_the_members_file(
    example_project, cli, tmp_path
):
    def row(n: int, segments: str, opted: str, left: str = "") -> str:
        stamp = f"{opted}T10:00:00+01:00"
        return f"{member(n)},Vorname{n},Muster,code-{n},{segments},{stamp},{stamp},{left},2024"

    rows = [
        row(1, "alle", "2026-10-03"),
        row(2, "aktionaere", "2026-10-04"),
        row(3, "aktionaere", "2026-11-05", left="2026-12-01T09:00:00+01:00"),
        row(4, "aktionaere|sparer", "2026-11-06"),
        row(5, "sparer", "2026-12-02"),
    ]
    members = members_file(tmp_path / "private", rows)

    result = cli(example_project, "report", "--members", str(members))

    assert result.exit_code == 0, result.stderr
    folder = example_project / "build" / "reports"
    table = {
        (r["Monat"], r["Zielgruppe"]): (r["Neu"], r["Abgemeldet"], r["Mit Einwilligung am Monatsende"])
        for r in read_csv(folder / "mitglieder-zielgruppen.csv")
    }  # fmt: skip
    assert table["10/2026", "alle"] == ("2", "0", "2")
    assert table["11/2026", "alle"] == ("2", "0", "4")
    assert table["12/2026", "alle"] == ("1", "1", "4")
    assert table["11/2026", "aktionaere"] == ("2", "0", "3")
    assert table["12/2026", "aktionaere"] == ("0", "1", "2")
    assert table["12/2026", "sparer"] == ("1", "0", "2")
    page = (folder / "bericht.html").read_text(encoding="utf-8")
    assert (
        '<td>12/2026 · aktionaere</td><td data-spalte="neu">0</td>'
        '<td data-spalte="abgemeldet">1</td><td data-spalte="mit Einwilligung">2</td>'
    ) in page
    for path in folder.iterdir():
        assert "beispiel.example" not in path.read_text(encoding="utf-8-sig"), path.name


def test_typed_text_in_the_csvs_never_runs_as_a_formula(example_project, cli, tmp_path):
    export = tmp_path / "anmeldungen.csv"
    export.write_text(
        "date,referral_code,utm_campaign,utm_source,utm_medium,utm_content\n"
        '2026-11-02,@SUM(A1),"=HYPERLINK(""https://x.example"")",x,+banner,\n'
        "2026-11-03,-code,kampagne,x,social,\n",
        encoding="utf-8",
    )

    result = cli(example_project, "report", "--signups", str(export))

    assert result.exit_code == 0, result.stderr
    folder = example_project / "build" / "reports"
    campaigns = [tuple(r.values()) for r in read_csv(folder / "anmeldungen-kampagnen.csv")]
    assert ('\'=HYPERLINK("https://x.example")', "'+banner", "1") in campaigns
    codes = [r["Empfehlungscode"] for r in read_csv(folder / "anmeldungen-codes.csv")]
    assert sorted(codes) == ["'-code", "'@SUM(A1)"]
    page = (folder / "bericht.html").read_text(encoding="utf-8")
    assert "<code>=HYPERLINK(&#34;https://x.example&#34;)</code>" in page  # shown as text


def test_markup_in_the_export_stays_text_and_the_page_passes_the_final_scanner(
    example_project, cli, tmp_path, monkeypatch
):
    export = tmp_path / "anmeldungen.csv"
    export.write_text(
        "date,referral_code,utm_campaign,utm_source,utm_medium,utm_content\n"
        '2026-11-02,"<img src=x onerror=alert(1)>","<script>alert(1)</script>",x,'
        '"javascript:alert(1)",\n',
        encoding="utf-8",
    )
    assert cli(example_project, "report", "--signups", str(export)).exit_code == 0
    folder = example_project / "build" / "reports"
    page = (folder / "bericht.html").read_text(encoding="utf-8")
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in page
    assert "<script>alert" not in page and "<img src=x" not in page
    before = page

    # Should a template ever let markup through, the scanner stops the report, and the last
    # one stays.
    from generator.report import page as report_page

    rendered = report_page._render
    monkeypatch.setattr(
        report_page,
        "_render",
        lambda *args: rendered(*args).replace("</main>", '<img src="x" onerror="alert(1)"></main>'),
    )
    result = cli(example_project, "report", "--signups", str(export))
    assert result.exit_code == 1
    assert "build/reports/bericht.html" in result.stderr and "onerror" in result.stderr
    assert (folder / "bericht.html").read_text(encoding="utf-8") == before
