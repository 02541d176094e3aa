"""rundbrief send against a real SMTP server: who gets what, once, with which headers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from conftest import git
from journal_helpers import journal_file, journal_rows
from members_helpers import OPTED, member_row, members_file
from smtp_helpers import NEWSLETTER, PASSWORD, SECRET, body_text, send

from generator.members.recipients import unsubscribe_token

SLUG = "2026-11-02-monatsupdate-november"
REFERRAL = "newsletters/2026-12-01-mitglieder-werben-mitglieder.md"


def approve(project: Path, rel: str) -> None:
    """Set ``status: approved`` on main and push it, as a merged pull request would."""
    path = project / rel
    path.write_text(
        path.read_text(encoding="utf-8").replace("status: draft", "status: approved"),
        encoding="utf-8",
    )
    git(project, "commit", "-q", "-am", "approve")
    git(project, "push", "-q", "origin", "main")


def mixed_members(folder: Path) -> Path:
    return members_file(
        folder,
        [
            member_row(1, "Anna", "Beispiel"),
            member_row(2, "Ben", "Schmidt"),
            "ohne@beispiel.example,Carla,Ohne,code-c,alle,2026-01-02T10:00:00+01:00,,,2024",
            f"weg@beispiel.example,Dirk,Weg,code-d,alle,{OPTED}2026-03-01T09:00:00+01:00,2024",
            f"kaputt@@beispiel,Eva,Kaputt,code-e,alle,{OPTED},2024",
            member_row(3, "Fritz", "Bounce"),
            member_row(1, "Anna", "Doppelt").replace("mitglied1@", "MITGLIED1@"),
        ],
    )


def test_every_consenting_member_gets_exactly_one_message_of_their_own(
    example_project, cli, smtp, tmp_path
):
    members = mixed_members(tmp_path / "private")
    suppression = tmp_path / "private" / "bounces.txt"
    suppression.write_text("# hard bounces\nmitglied3@beispiel.example\n", encoding="utf-8")
    settings = example_project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("min_share: 0.5", "min_share: 0.2"), encoding="utf-8")
    approve(example_project, REFERRAL)  # (commits and pushes the settings too)
    result = send(
        cli, example_project, members, smtp, "--suppress", str(suppression), newsletter=REFERRAL
    )
    assert result.exit_code == 0, result.stderr
    assert (
        "2 Empfänger, 5 ausgeschlossen: 2 mit ungültiger Zeile, 1 ohne bestätigte Einwilligung, "
        "1 abgemeldet, 1 gesperrt (Bounce oder Beschwerde)" in result.stdout
    )
    assert (
        "members.csv:4: Warnung: confirmed_at: Einwilligung nicht bestätigt (leer)" in result.stderr
    )
    assert "members.csv:6: Warnung: ungültige Adresse" in result.stderr
    assert (
        "members.csv:8: Warnung: Adresse MITGLIED1@beispiel.example doppelt, zuerst in Zeile 2"
        in (result.stderr)
    )
    assert "2 verschickt" in result.stdout
    counts = smtp.recorder.count_by_recipient()
    assert counts == {"mitglied1@beispiel.example": 1, "mitglied2@beispiel.example": 1}

    by_address = {m.recipients[0]: m.message for m in smtp.recorder.received}
    ids = set()
    for address, first, other in (
        ("mitglied1@beispiel.example", "Anna", "Ben"),
        ("mitglied2@beispiel.example", "Ben", "Anna"),
    ):
        message = by_address[address]
        assert message["To"] == address
        assert message["Subject"].startswith(f"{first}, Mitglieder werben Mitglieder")
        text, html = body_text(message)
        assert f"Hallo {first}," in text and f"Hallo {first}," in html
        assert other not in text
        number = address[len("mitglied")]
        # The share link is short and carries no newsletter tracking; the HTML links do.
        link = f"https://www.mitgliederwerk.example/mitmachen?ref=code-{number}"
        assert re.search(re.escape(link) + r"\s", text) and "utm_campaign=mwm-" in html
        unsubscribe = message["List-Unsubscribe"].split(",")[0].strip("<> ")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe.replace("&", "&amp;") in html and unsubscribe in text
        token = parse_qs(urlsplit(unsubscribe).query)["t"][0]
        encoded, signature = token.split(".")
        assert base64.urlsafe_b64decode(encoded + "==").decode() == address
        expected = hmac.new(SECRET.encode(), address.encode(), hashlib.sha256).digest()
        assert base64.urlsafe_b64decode(signature + "==") == expected
        assert message["Message-ID"].endswith("@mitgliederwerk.example>")
        ids.add(message["Message-ID"])
    assert len(ids) == 2

    rows = journal_rows(example_project)
    assert {r: row[0] for r, row in rows.items()} == {
        "mitglied1@beispiel.example": "sent",
        "mitglied2@beispiel.example": "sent",
    }
    assert (
        rows["mitglied1@beispiel.example"][1]
        == by_address["mitglied1@beispiel.example"]["Message-ID"]
    )
    assert rows["mitglied1@beispiel.example"][2].startswith("250")
    head = (example_project / ".git" / "refs" / "heads" / "main").read_text().strip()
    assert {row[3] for row in rows.values()} == {head}


def test_running_again_sends_nothing_twice_and_status_counts(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(5)])
    first = send(cli, example_project, members, smtp)
    assert first.exit_code == 0, first.stderr
    again = send(cli, example_project, members, smtp)
    assert again.exit_code == 0, again.stderr
    assert "0 verschickt, 5 schon früher verschickt" in again.stdout
    assert set(smtp.recorder.count_by_recipient().values()) == {1}
    assert len(smtp.recorder.received) == 5
    status = cli(example_project, "status", NEWSLETTER)
    assert status.exit_code == 0
    assert f"{SLUG}: 0 ausstehend, 0 in Zustellung, 5 verschickt, 0 fehlgeschlagen" in status.stdout
    head = git(example_project, "rev-parse", "HEAD").strip()
    assert f"freigegebene Fassung: Commit {head[:12]}" in status.stdout


def test_audience_filters_by_segment(example_project, cli, smtp, tmp_path):
    path = example_project / NEWSLETTER
    text = path.read_text(encoding="utf-8").replace(
        "audience: alle\n", "audience: alle\nother_audiences: [kreditnehmer]\n"
    )
    path.write_text(text, encoding="utf-8")
    git(example_project, "commit", "-q", "-am", "may also go to kreditnehmer")
    git(example_project, "push", "-q", "origin", "main")
    rows = [member_row(1), member_row(2).replace(",alle,", ",kreditnehmer alle,")]
    members = members_file(tmp_path / "private", rows)
    result = send(cli, example_project, members, smtp, "--audience", "kreditnehmer")
    assert result.exit_code == 0, result.stderr
    assert "1 Empfänger, 1 ausgeschlossen: 1 nicht in der Zielgruppe" in result.stdout
    assert list(smtp.recorder.count_by_recipient()) == ["mitglied2@beispiel.example"]


def test_hostile_rows_neither_break_the_send_nor_inject(example_project, cli, smtp, tmp_path):
    folder = tmp_path / "private"
    members = members_file(
        folder,
        [
            member_row(1, '<script>alert(1)</script><a href="x">', "Muster"),
            member_row(2, '"Eve\nBcc: opfer@example.org"', "Muster"),
            member_row(3, "Lang", "L" * 10_000),
            member_row(4, "Normal", "Muster"),
        ],
    )
    result = send(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    assert "members.csv:3: Warnung: first_name: Zeilenumbrüche" in result.stderr
    assert "members.csv:5: Warnung: last_name: 10.000 Zeichen, erlaubt sind höchstens 1.000" in (
        result.stderr
    )
    counts = smtp.recorder.count_by_recipient()
    assert counts == {"mitglied1@beispiel.example": 1, "mitglied4@beispiel.example": 1}
    assert "opfer@example.org" not in counts
    hostile = next(
        m for m in smtp.recorder.received if m.recipients == ["mitglied1@beispiel.example"]
    )
    text, html = body_text(hostile.message)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Hallo <script>alert(1)</script>" in text
    assert all(m.message["Bcc"] is None for m in smtp.recorder.received)


def test_dry_run_writes_personal_eml_files_and_sends_nothing(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1, "Anna"), member_row(2, "Ben")])
    result = send(cli, example_project, members, smtp, "--dry-run")
    assert result.exit_code == 0, result.stderr
    outbox = example_project / "build" / "outbox" / SLUG
    files = sorted(p.name for p in outbox.glob("*.eml"))
    assert files == [
        "000001-mitglied1@beispiel.example.eml",
        "000002-mitglied2@beispiel.example.eml",
    ]
    assert b"Hallo Ben," in (outbox / files[1]).read_bytes()
    assert smtp.recorder.received == []
    assert not journal_file(example_project).exists()


def test_test_copies_are_for_the_sample_member_and_marked_test(
    example_project, cli, smtp, tmp_path
):
    members = members_file(tmp_path / "private", [member_row(1, "Anna"), member_row(2, "Ben")])
    result = send(
        cli,
        example_project,
        members,
        smtp,
        "--test-to",
        "pruefung@mitgliederwerk.example",
        "--test-to",
        "gruenderin@mitgliederwerk.example",
        newsletter=REFERRAL,  # a draft: test copies are how a draft is tried out
    )
    assert result.exit_code == 0, result.stderr
    assert smtp.recorder.count_by_recipient() == {
        "pruefung@mitgliederwerk.example": 1,
        "gruenderin@mitgliederwerk.example": 1,
    }
    assert (
        "2 Testkopien verschickt, für das Beispielmitglied Erika Mustermann (keine Daten von "
        "Mitgliedern), Betreff beginnt mit [TEST]." in result.stdout
    )
    real_token = unsubscribe_token(SECRET.encode(), "mitglied1@beispiel.example")
    for received in smtp.recorder.received:
        message = received.message
        assert message["Subject"].startswith("[TEST] Erika, Mitglieder werben Mitglieder")
        text, html = body_text(message)
        raw = message.as_string()
        assert "Hallo Erika," in text and "Hallo Erika," in html
        for real in ("Anna", "Ben", "code-1", "code-2", "mitglied1@", real_token):
            assert real not in raw
        assert "ref=ERIKA7Q2" in text
        assert "t=beispiel" in message["List-Unsubscribe"]
    assert not journal_file(example_project).exists()

    without_members = cli(
        example_project,
        "send",
        REFERRAL,
        "--test-to",
        "pruefung@mitgliederwerk.example",
        env=smtp.env(),
    )
    assert without_members.exit_code == 0, without_members.stderr
    assert len(smtp.recorder.received) == 3


def test_hourly_cap_stops_and_the_next_run_continues(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(5)])
    first = send(cli, example_project, members, smtp, "--max-per-hour", "3")
    assert first.exit_code == 0, first.stderr
    assert "Stundenlimit erreicht" in first.stdout
    assert len(smtp.recorder.received) == 3
    second = send(cli, example_project, members, smtp, "--max-per-hour", "3")
    assert "0 verschickt, 3 schon früher verschickt" in second.stdout
    assert len(smtp.recorder.received) == 3
    status = cli(example_project, "status", NEWSLETTER)
    assert "2 ausstehend, 0 in Zustellung, 3 verschickt" in status.stdout


def test_no_unsubscribe_secret_no_send(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1)])
    result = send(cli, example_project, members, smtp, RUNDBRIEF_UNSUBSCRIBE_SECRET="")
    assert result.exit_code == 2
    assert "Bitte setzen Sie vor dem Versand RUNDBRIEF_UNSUBSCRIBE_SECRET" in result.stderr
    assert smtp.recorder.received == []


def test_the_password_appears_nowhere(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1), member_row(2)])
    smtp.recorder.faults["mitglied2@beispiel.example"] = ["550"]
    ok = send(cli, example_project, members, smtp)
    members_file(members.parent, [member_row(1), member_row(2), member_row(3)])
    wrong = send(cli, example_project, members, smtp, RUNDBRIEF_SMTP_PASSWORD=PASSWORD + "-falsch")
    assert wrong.exit_code == 1
    assert "Anmeldung als 'rundbrief-sender' bei 127.0.0.1:" in wrong.stderr
    assert "fehlgeschlagen: 535" in wrong.stderr
    status = cli(example_project, "status", NEWSLETTER)
    printed = ok.stdout + ok.stderr + wrong.stdout + wrong.stderr + status.stdout + status.stderr
    assert PASSWORD not in printed
    stored = b"".join(
        p.read_bytes() for p in (example_project / ".rundbrief").rglob("*") if p.is_file()
    )
    assert b"550" in stored  # the journal holds the replies ...
    assert PASSWORD.encode() not in stored  # ... but never the password
    assert all(PASSWORD not in m.message.as_string() for m in smtp.recorder.received)


def test_a_members_file_tracked_by_git_is_warned_about(example_project, cli, smtp):
    import subprocess

    path = members_file(example_project / "private", [member_row(1)])
    subprocess.run(["git", "add", "-f", str(path)], cwd=example_project, check=True)
    result = send(cli, example_project, path, smtp, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "private/members.csv: Warnung: die Mitgliederdatei ist in git erfasst" in result.stderr
