"""What a hostile run found in `send`: nothing lost, nothing twice, nothing deleted, no silent zero."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git
from journal_helpers import journal_rows, journal_runs, journal_states
from members_helpers import MEMBER_COLUMNS, OPTED, member, member_row, members_csv, members_file
from smtp_helpers import NEWSLETTER, send, send_process, wait_for

from generator.sending import transport
from generator.sending.journal import Journal

SLUG = "2026-11-02-monatsupdate-november"


def commit_settings(project: Path, old: str, new: str) -> None:
    """Change rundbrief.yml, commit and push it (as a merged pull request)."""
    settings = project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    assert old in text
    settings.write_text(text.replace(old, new), encoding="utf-8")
    git(project, "commit", "-q", "-am", "settings")
    git(project, "push", "-q", "origin", "main")


# 1. No command deletes what it did not create ------------------------------------------------


def test_an_outbox_folder_holding_a_foreign_file_keeps_it(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1), member_row(2)])
    documents = tmp_path / "Dokumente"
    documents.mkdir()
    (documents / "Steuererklärung.pdf").write_bytes(b"%PDF private")
    result = send(cli, example_project, members, smtp, "--dry-run", "--outbox", str(documents))
    assert result.exit_code == 2
    assert "Steuererklärung.pdf" in result.stderr and "nicht von rundbrief" in result.stderr
    assert (documents / "Steuererklärung.pdf").read_bytes() == b"%PDF private"
    assert sorted(p.name for p in documents.iterdir()) == ["Steuererklärung.pdf"]


def test_the_repository_as_outbox_is_refused_and_kept(
    example_project, cli, smtp, tmp_path, monkeypatch
):
    members = members_file(tmp_path / "private", [member_row(1)])
    monkeypatch.chdir(example_project)  # `--outbox .` typed in the repository
    before = sorted(p.name for p in example_project.iterdir())
    result = send(cli, example_project, members, smtp, "--dry-run", "--outbox", ".")
    assert result.exit_code == 2
    assert "name a new or empty folder" in result.stderr or "neuen oder leeren" in result.stderr
    after = sorted(p.name for p in example_project.iterdir() if p.name != ".rundbrief")
    assert after == before
    assert (example_project / ".git" / "HEAD").is_file()
    git(example_project, "status")  # still a repository


def test_an_outbox_is_reused_and_only_its_own_files_replaced(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1), member_row(2)])
    outbox = tmp_path / "postausgang"
    first = send(cli, example_project, members, smtp, "--dry-run", "--outbox", str(outbox))
    assert first.exit_code == 0, first.stderr
    assert len(list(outbox.glob("*.eml"))) == 2
    members_file(members.parent, [member_row(3)])
    again = send(cli, example_project, members, smtp, "--dry-run", "--outbox", str(outbox))
    assert again.exit_code == 0, again.stderr
    assert [p.name for p in outbox.glob("*.eml")] == ["000001-mitglied3@beispiel.example.eml"]
    # Someone puts a file of their own into the outbox: the next dry run leaves it alone.
    (outbox / "notiz.txt").write_text("meins", encoding="utf-8")
    refused = send(cli, example_project, members, smtp, "--dry-run", "--outbox", str(outbox))
    assert refused.exit_code == 2
    assert (outbox / "notiz.txt").read_text(encoding="utf-8") == "meins"
    assert len(list(outbox.glob("*.eml"))) == 1


def test_build_never_replaces_a_site_folder_it_did_not_write(example_project, cli):
    site = example_project / "site"
    site.mkdir()
    (site / "wichtig.txt").write_text("nicht von rundbrief", encoding="utf-8")
    result = cli(example_project, "build")
    assert result.exit_code == 1
    assert "stammt nicht von rundbrief" in result.stderr
    assert (site / "wichtig.txt").read_text(encoding="utf-8") == "nicht von rundbrief"


def test_a_kit_folder_rundbrief_did_not_write_is_kept(make_project, cli, monkeypatch):
    from marketing_helpers import KIT_SECRET, approve, copy_marketing, kit_folder
    from members_helpers import kit_rows

    monkeypatch.setenv("RUNDBRIEF_UNSUBSCRIBE_SECRET", KIT_SECRET)
    project = make_project({})
    copy_marketing(project)
    approve(project)  # (kits are made only from campaigns as on the remote's main)
    foreign = kit_folder(project, "anna")
    foreign.mkdir(parents=True)
    (foreign / "eigene-datei.txt").write_text("meins", encoding="utf-8")
    members = project / "members.csv"
    members.write_text(
        members_csv(kit_rows([("Anna", "Beispiel", "anna"), ("Ben", "Muster", "ben")])),
        encoding="utf-8",
    )
    result = cli(project, "kits", "--members", str(members))
    assert result.exit_code == 0, result.stderr
    assert f"build/kits/{foreign.name}" in result.stderr
    assert (foreign / "eigene-datei.txt").read_text(encoding="utf-8") == "meins"
    assert sorted(p.name for p in foreign.iterdir()) == ["eigene-datei.txt"]
    assert (kit_folder(project, "ben") / ".inputs").is_file()


# 2. Two sends at once never mail anyone twice ------------------------------------------------


@pytest.mark.slow
def test_two_sends_at_once_deliver_each_member_exactly_once(example_project, smtp, tmp_path):
    count = 100
    members = members_file(tmp_path / "private", [member_row(n) for n in range(count)])
    smtp.recorder.delay = 0.02
    first = send_process(example_project, members, smtp, "--connections", "2")
    started = wait_for(lambda: len(smtp.recorder.received) >= 5 or first.poll() is not None, 120)
    assert started, "the first send never got going"
    assert len(smtp.recorder.received) >= 5, first.communicate()  # (it ended first: why)
    second = send_process(example_project, members, smtp)
    _out, second_err = second.communicate(timeout=120)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode == 1
    assert "dieser Newsletter wird gerade schon verschickt (Prozess" in second_err
    counts = smtp.recorder.count_by_recipient()
    assert counts == {member(n): 1 for n in range(count)}
    assert set(journal_states(example_project).values()) == {"sent"}


def test_a_claimed_recipient_is_never_claimed_again(tmp_path):
    path = tmp_path / "journal.sqlite"
    one, two = Journal(path), Journal(path)
    rows = [("a@x.example", "<1@x>"), ("b@x.example", "<2@x>"), ("c@x.example", "<3@x>")]
    one.plan("nl", rows, "c1")
    two.plan("nl", rows, "c1")
    first = one.claim("nl", ["a@x.example", "b@x.example"], "c1")
    second = two.claim("nl", ["a@x.example", "b@x.example", "c@x.example"], "c1")
    assert first == {"a@x.example": "<1@x>", "b@x.example": "<2@x>"}
    assert second["c@x.example"] == "<3@x>"
    assert [second[key].state for key in ("a@x.example", "b@x.example")] == ["sending"] * 2
    one.close()
    two.close()


def test_a_run_killed_without_a_word_releases_its_lock(tmp_path):
    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    journal.db.execute(
        "INSERT INTO runs (newsletter, pid, host, process, started_at) VALUES (?, ?, ?, ?, ?)",
        ("nl", int(dead.stdout), os.uname().nodename, "123", "2026-11-02T08:00:00"),
    )
    run = journal.begin_run("nl", commit="c1")
    assert run > 1
    journal.close()


# 3. One member's data can never stop a send --------------------------------------------------


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c"])
def test_a_header_breaking_first_name_is_excluded_and_everyone_else_is_sent(
    example_project, cli, smtp, tmp_path, char
):
    rows = [member_row(n) for n in range(1, 11)]
    rows[2] = member_row(3, f"Eva{char}Bcc: opfer@example.org")
    members = members_file(tmp_path / "private", rows)
    result = send(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    assert "members.csv:4: Warnung: first_name: Zeilenumbrüche und Steuerzeichen" in result.stderr
    assert "9 verschickt" in result.stdout
    assert smtp.recorder.count_by_recipient() == {member(n): 1 for n in range(1, 11) if n != 3}


def test_an_unexpected_error_for_one_message_fails_only_that_recipient(
    example_project, cli, smtp, tmp_path, monkeypatch
):
    from generator.sending import message

    original = message.MessageTemplate.render

    def render(self, **kwargs):
        if kwargs["to"] == member(2):
            raise ValueError("something nobody expected")
        return original(self, **kwargs)

    monkeypatch.setattr(message.MessageTemplate, "render", render)
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 5)])
    result = send(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    assert "3 verschickt, 1 fehlgeschlagen" in result.stdout
    assert f"{member(2)}: nicht verschickt: die Nachricht ließ sich nicht erstellen" in (
        result.stderr
    )
    assert set(smtp.recorder.count_by_recipient()) == {member(1), member(3), member(4)}
    rows = journal_rows(example_project)
    assert rows[member(2)].state == "failed"
    assert "something nobody expected" in rows[member(2)].reply


# 5. No silent empty or shrunken send --------------------------------------------------------


def test_an_audience_typo_fails_check_at_its_line(example_project, cli):
    path = example_project / NEWSLETTER
    path.write_text(
        path.read_text(encoding="utf-8").replace("audience: alle", "audience: kreditnehmr"),
        encoding="utf-8",
    )
    result = cli(example_project, "check")
    assert result.exit_code == 1
    assert (
        f"{NEWSLETTER}:6: audience: unbekanntes Segment 'kreditnehmr'; bekannt sind: alle, "
        "lastschrift, kreditnehmer, anleger (members.segments in rundbrief.yml)" in result.stderr
    )


def test_nobody_qualifying_is_refused_with_the_largest_reason(example_project, cli, smtp, tmp_path):
    unsubscribed = OPTED + "2026-03-01T09:00:00+01:00"
    rows = [f"{member(n)},Vorname{n},Muster,code-{n},alle,{unsubscribed},2024" for n in range(1, 4)]
    members = members_file(tmp_path / "private", [*rows, member_row(9).replace(OPTED, ",,")])
    result = send(cli, example_project, members, smtp)
    assert result.exit_code == 1
    assert "niemand erhält diesen Versand; häufigster Grund: 3 abgemeldet" in result.stderr
    assert smtp.recorder.received == []
    dry = send(cli, example_project, members, smtp, "--dry-run")
    assert dry.exit_code == 1


def test_a_shrunken_send_is_refused_below_the_share(example_project, cli, smtp, tmp_path):
    rows = [member_row(n) for n in range(1, 4)]
    rows += [f"{member(n)},V,M,code-{n},alle,01/02/2026,01/02/2026,,2024" for n in range(4, 11)]
    members = members_file(tmp_path / "private", rows)
    result = send(cli, example_project, members, smtp)
    assert result.exit_code == 1
    assert (
        "nur 30,0 % der Mitglieder der Zielgruppe, die sich nicht abgemeldet haben, erhalten "
        "diesen Versand, erwartet sind mindestens 50 % (sending.min_share); häufigster Grund: "
        "7 mit ungültiger Zeile" in result.stderr
    )
    assert "opt_in_at: keine Zeitangabe: 01/02/2026" in result.stderr
    assert smtp.recorder.received == []
    commit_settings(example_project, "min_share: 0.5", "min_share: 0.2")
    allowed = send(cli, example_project, members, smtp)
    assert allowed.exit_code == 0, allowed.stderr
    assert len(smtp.recorder.received) == 3


def test_german_excel_dates_with_mapped_columns_are_sent(example_project, cli, smtp, tmp_path):
    commit_settings(
        example_project,
        "  # columns:              # headers of the export, if they differ from the field names\n"
        "  #   email: E-Mail\n"
        "  #   first_name: Vorname\n",
        "  columns:\n    email: E-Mail\n    first_name: Vorname\n    opt_in_at: Anmeldung\n"
        "    confirmed_at: Bestätigt\n",
    )
    header = MEMBER_COLUMNS.replace("email,first_name", "E-Mail,Vorname").replace(
        "opt_in_at,confirmed_at", "Anmeldung,Bestätigt"
    )
    rows = [
        f"{member(n)};Vorname{n};Muster;code-{n};alle;01.02.2026 10:00;01.02.2026 10:05:30;;2024"
        for n in range(1, 4)
    ]
    path = tmp_path / "private" / "export.csv"
    path.parent.mkdir()
    path.write_bytes(("\ufeff" + header.replace(",", ";") + "\n" + "\n".join(rows) + "\n").encode())
    result = send(cli, example_project, path, smtp)
    assert result.exit_code == 0, result.stderr
    assert "3 Empfänger, niemand ausgeschlossen" in result.stdout
    assert len(smtp.recorder.received) == 3


def test_suppression_files_as_mail_programs_and_spreadsheets_write_them(
    example_project, cli, smtp, tmp_path
):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 8)])
    suppression = tmp_path / "private" / "sperrliste.txt"
    suppression.write_text(
        "email\treason\n"
        "Vorname1 Muster <mitglied1@beispiel.example>\n"
        "<mitglied2@beispiel.example>\n"
        '"Muster, Vorname3" <mitglied3@beispiel.example>\n'
        "mitglied4@beispiel.example\thard bounce\n"
        '"mitglied5@beispiel.example";complaint\n',
        encoding="utf-8",
    )
    result = send(cli, example_project, members, smtp, "--suppress", str(suppression))
    assert result.exit_code == 0, result.stderr
    assert set(smtp.recorder.count_by_recipient()) == {member(6), member(7)}
    suppression.write_text("mitglied1@beispiel.example\nkaputt ohne at\n", encoding="utf-8")
    refused = send(cli, example_project, members, smtp, "--suppress", str(suppression))
    assert refused.exit_code == 1
    assert "sperrliste.txt:2: keine Adresse: kaputt ohne at" in refused.stderr


# 8. Service notices --------------------------------------------------------------------------


SERVICE = "newsletters/2026-11-20-neuer-lastschrifttermin.md"


def test_a_service_notice_reaches_the_affected_without_newsletter_consent(
    example_project, cli, smtp, tmp_path
):
    path = example_project / SERVICE
    text = path.read_text(encoding="utf-8").replace("audience: alle", "audience: lastschrift")
    path.write_text(
        text.replace("status: approved", "status: approved\nkind: service"), encoding="utf-8"
    )
    git(example_project, "commit", "-q", "-am", "service notice")
    git(example_project, "push", "-q", "origin", "main")
    header = MEMBER_COLUMNS + ",unsubscribed_all_at"
    rows = [
        f"{member(1)},Anna,M,code-1,lastschrift,,,,2024,",  # no newsletter consent
        f"{member(2)},Ben,M,code-2,lastschrift,{OPTED}2026-03-01T09:00:00+01:00,2024,",
        f"{member(3)},Carla,M,code-3,lastschrift,,,,2024,2026-04-01 10:00",  # refused all mail
        f"{member(4)},Dirk,M,code-4,alle,{OPTED},2024,",  # not affected
    ]
    members = tmp_path / "members.csv"
    members.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = send(cli, example_project, members, smtp, newsletter=SERVICE)
    assert result.exit_code == 0, result.stderr
    assert set(smtp.recorder.count_by_recipient()) == {member(1), member(2)}
    message = smtp.recorder.received[0].message
    text_part = message.get_body(("plain",)).get_content()
    assert "Servicenachricht" in " ".join(text_part.split())
    assert "weil sie Ihre Mitgliedschaft betrifft" in " ".join(text_part.split())


def test_a_service_notice_with_advertising_is_refused(example_project, cli):
    path = example_project / SERVICE
    text = path.read_text(encoding="utf-8").replace(
        "status: approved", "status: approved\nkind: service"
    )
    text += "\nIhr Empfehlungslink: {{ member.referral_link }} – jetzt Prämie sichern!\n"
    path.write_text(text, encoding="utf-8")
    result = cli(example_project, "check")
    assert result.exit_code == 1
    last = len(text.rstrip("\n").split("\n"))
    assert (
        f"{SERVICE}:{last}: kind: service enthält keine Werbung: kein Empfehlungslink und kein "
        "Empfehlungscode ({{ member.referral_link }})" in result.stderr
    )
    assert (
        f"{SERVICE}:{last}: kind: service enthält keine Werbung: 'Prämie' steht in der Liste"
        in result.stderr
    )


# 9. The other findings of sending ------------------------------------------------------------


def test_a_relay_stuck_on_4xx_gives_up_in_bounded_time_and_exits_non_zero(
    example_project, cli, smtp, tmp_path
):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 41)])
    smtp.recorder.refuse_all = "451"
    result = send(cli, example_project, members, smtp, RUNDBRIEF_SMTP_GIVE_UP="0.5")
    assert result.exit_code == 1
    assert "der Server hat 0,0 Minuten lang jede Nachricht vorübergehend abgewiesen" in (
        result.stderr
    )
    assert "0 verschickt" in result.stdout
    # Each member tried got the transport's five attempts, no more; half a second without a
    # message through, the run stopped instead of working through all 40 members that way (the
    # backoff's waits alone take 0.15 s a member, so a slower machine only tries fewer).
    attempts = smtp.recorder.attempts_by_recipient()
    assert set(attempts.values()) == {5}
    assert 0 < len(attempts) < 40
    rows = journal_rows(example_project)
    deferred = {r for r, row in rows.items() if row.reply.startswith("deferred: 451")}
    assert deferred == set(attempts)  # each refusal recorded; the members never tried show none
    assert {row.state for row in rows.values()} == {"pending"}  # nobody lost: the next run tries


def test_nothing_sent_is_an_error(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 4)])
    smtp.recorder.refuse_all = "550"
    result = send(cli, example_project, members, smtp)
    assert result.exit_code == 1
    assert "es wurde nichts verschickt" in result.stderr


def test_a_password_beyond_ascii_works(example_project, cli, smtp, tmp_path):
    smtp.recorder.password = "Pässwört-ß-€-7f3e"
    members = members_file(tmp_path / "private", [member_row(1)])
    result = send(cli, example_project, members, smtp, RUNDBRIEF_SMTP_PASSWORD="Pässwört-ß-€-7f3e")
    assert result.exit_code == 0, result.stderr
    assert len(smtp.recorder.received) == 1


def test_a_253_character_address_goes_to_the_outbox(example_project, cli, smtp, tmp_path):
    long = "x" * 64 + "@" + "d" * 60 + "." + "d" * 60 + "." + "d" * 58 + ".example"
    assert len(long) == 253
    row = f"{long},Lang,Adresse,code-l,alle,{OPTED},2024"
    members = members_file(tmp_path / "private", [member_row(1), row])
    result = send(cli, example_project, members, smtp, "--dry-run")
    assert result.exit_code == 0, result.stderr
    files = sorted((example_project / "build" / "outbox" / SLUG).glob("*.eml"))
    assert len(files) == 2
    assert f"To: {long}".encode() in files[1].read_bytes()


def test_a_journal_that_is_no_database_is_a_clear_error(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1)])
    journal = tmp_path / "journal.sqlite"
    journal.write_text("Das ist eine Notiz, keine Datenbank.\n" * 100, encoding="utf-8")
    result = send(cli, example_project, members, smtp, "--journal", str(journal))
    assert result.exit_code == 1
    assert "ist kein rundbrief-Journal (keine SQLite-Datenbank)" in result.stderr
    assert "Traceback" not in result.stderr
    assert smtp.recorder.received == []


def test_a_full_disk_in_the_outbox_stops_with_a_message(
    example_project, cli, smtp, tmp_path, monkeypatch
):
    import errno

    members = members_file(tmp_path / "private", [member_row(1), member_row(2)])

    def full(_files, name, data):
        raise OSError(errno.ENOSPC, "No space left on device", name)

    monkeypatch.setattr(transport.NewFiles, "create", full)  # (the outbox writes through the door)
    result = send(cli, example_project, members, smtp, "--dry-run")
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr


def test_several_connections_send_each_member_once(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(40)])
    smtp.recorder.delay = 0.01
    smtp.recorder.faults[member(7)] = ["550"]
    smtp.recorder.faults[member(8)] = ["451"]
    result = send(cli, example_project, members, smtp, "--connections", "4")
    assert result.exit_code == 0, result.stderr
    assert "39 verschickt, 1 fehlgeschlagen" in result.stdout
    counts = smtp.recorder.count_by_recipient()
    assert set(counts.values()) == {1} and len(counts) == 39
    assert journal_rows(example_project)[member(7)].state == "failed"
    runs = journal_runs(example_project)
    assert runs[-1]["connections"] == 4 and runs[-1]["ended_at"]


def test_the_sample_members_file_works_for_a_dry_run(example_project, cli, smtp):
    from conftest import REPO

    members = REPO / "examples" / "members.csv"
    result = send(cli, example_project, members, smtp, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert (
        "8 Empfänger, 3 ausgeschlossen: 1 ohne bestätigte Einwilligung, 2 abgemeldet"
        in result.stdout
    )
    outbox = example_project / "build" / "outbox" / SLUG
    assert len(list(outbox.glob("*.eml"))) == 8
    assert b"Hallo Carla," in (outbox / "000003-carla.oezdemir@beispiel.example.eml").read_bytes()
