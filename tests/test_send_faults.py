"""A fault-injecting SMTP server: retries, permanent failures, drops, slowness; journal right."""

from __future__ import annotations

from journal_helpers import journal_rows, journal_states
from members_helpers import member, member_row, members_file
from smtp_helpers import NEWSLETTER, send


def test_temporary_permanent_and_dropped_are_each_handled(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 7)])
    smtp.recorder.faults.update(
        {
            member(2): ["451", "452"],  # greylisted twice, then accepted
            member(3): ["550"],  # no such mailbox
            member(4): ["drop"],  # connection lost before the data: safe to retry
            member(5): ["451"] * 5,  # refused on all five attempts of this run
        }
    )
    result = send(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    counts = smtp.recorder.count_by_recipient()
    assert counts == {member(1): 1, member(2): 1, member(4): 1, member(6): 1}
    journal = {r: (row.state, row.reply) for r, row in journal_rows(example_project).items()}
    assert {r: s for r, (s, _) in journal.items()} == {
        member(1): "sent",
        member(2): "sent",
        member(3): "failed",
        member(4): "sent",
        member(5): "pending",
        member(6): "sent",
    }
    assert journal[member(3)][1] == f"550 scripted reply for {member(3)}"
    assert journal[member(5)][1].startswith("deferred: 451")
    assert "4 verschickt, 1 fehlgeschlagen, 1 zurückgestellt" in result.stdout
    assert f"fehlgeschlagen: {member(3)}: 550 scripted reply" in result.stderr

    # The next run retries only the deferred recipient.
    again = send(cli, example_project, members, smtp)
    assert (
        "1 verschickt, 4 schon früher verschickt, 1 in einem früheren Lauf fehlgeschlagen"
        in again.stdout
    )
    assert smtp.recorder.count_by_recipient()[member(5)] == 1
    assert sum(smtp.recorder.count_by_recipient().values()) == 5


def test_lost_reply_after_the_data_is_uncertain_and_not_resent(
    example_project, cli, smtp, tmp_path
):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 4)])
    smtp.recorder.faults[member(2)] = ["data-drop"]
    first = send(cli, example_project, members, smtp)
    assert first.exit_code == 0, first.stderr
    assert "2 verschickt, 1 unsicher" in first.stdout
    assert journal_rows(example_project)[member(2)].state == "sending"
    assert smtp.recorder.count_by_recipient() == {member(1): 1, member(2): 1, member(3): 1}

    second = send(cli, example_project, members, smtp)
    assert "0 verschickt, 2 schon früher verschickt, 1 unsicher" in second.stdout
    assert smtp.recorder.count_by_recipient()[member(2)] == 1
    status = cli(example_project, "status", NEWSLETTER)
    assert "1 unsicher" in status.stdout

    forced = send(cli, example_project, members, smtp, "--retry-uncertain")
    assert "1 verschickt" in forced.stdout
    assert smtp.recorder.count_by_recipient()[member(2)] == 2  # the operator asked for it
    assert journal_rows(example_project)[member(2)].state == "sent"


def test_a_slow_server_still_gets_every_message_once(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 6)])
    smtp.recorder.delay = 0.3
    result = send(cli, example_project, members, smtp)
    assert result.exit_code == 0, result.stderr
    assert set(smtp.recorder.count_by_recipient().values()) == {1}
    assert len(smtp.recorder.received) == 5
    assert set(journal_states(example_project).values()) == {"sent"}


def test_wrong_password_stops_at_once_without_a_retry_storm(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(n) for n in range(1, 6)])
    result = send(cli, example_project, members, smtp, RUNDBRIEF_SMTP_PASSWORD="falsch")
    assert result.exit_code == 1
    assert "Fehler: Anmeldung als 'rundbrief-sender' bei 127.0.0.1:" in result.stderr
    assert "prüfen Sie RUNDBRIEF_SMTP_USER und RUNDBRIEF_SMTP_PASSWORD" in result.stderr
    # One login (smtplib offers PLAIN, then LOGIN), not one per member or per retry.
    assert 1 <= len(smtp.recorder.logins) <= 2
    assert smtp.recorder.received == []
    assert set(journal_states(example_project).values()) == {"pending"}


def test_an_untrusted_certificate_stops_with_a_tls_message(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1)])
    other_ca = tmp_path / "other-ca.pem"
    import trustme

    trustme.CA().cert_pem.write_to_path(str(other_ca))
    result = send(cli, example_project, members, smtp, RUNDBRIEF_SMTP_CA_FILE=str(other_ca))
    assert result.exit_code == 1
    assert "Fehler: das Zertifikat von 127.0.0.1:" in result.stderr
    assert "ist unbekannt" in result.stderr and "setzen Sie RUNDBRIEF_SMTP_CA_FILE" in result.stderr
    assert smtp.recorder.logins == [] and smtp.recorder.received == []


def test_plain_text_is_refused_for_a_remote_host(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1)])
    env = {"RUNDBRIEF_SMTP_HOST": "smtp.mitgliederwerk.example", "RUNDBRIEF_SMTP_TLS": "none"}
    result = send(cli, example_project, members, smtp, **env)
    assert result.exit_code == 2
    assert "RUNDBRIEF_SMTP_TLS=none ist nur für einen Server auf diesem Rechner" in result.stderr
