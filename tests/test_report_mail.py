"""rundbrief report --mail [--due]: the report as an HTML email with PNG charts and the CSVs."""

from __future__ import annotations

import datetime as dt
import io
from email.message import EmailMessage
from pathlib import Path

import pytest
from journal_helpers import journal_file
from PIL import Image
from test_report import NOVEMBER, build_history

from generator.report.due import due_periods
from generator.sending.journal import Journal
from generator.sending.state import RunTimes

FOUNDER = "gruender@mitgliederwerk.example"


def with_recipients(project: Path, *addresses: str) -> None:
    """report.recipients in the project's rundbrief.yml."""
    settings = project / "rundbrief.yml"
    block = "report:\n  recipients:\n" + "".join(f"    - {a}\n" for a in addresses)
    settings.write_text(settings.read_text(encoding="utf-8") + block, encoding="utf-8")


def parts(message: EmailMessage) -> tuple[str, list[EmailMessage], list[EmailMessage]]:
    """(HTML, inline pictures, attachments) of a received report."""
    html = message.get_body(("html",))
    assert isinstance(html, EmailMessage)
    pictures = [p for p in message.walk() if p.get_content_maintype() == "image"]
    attachments = list(message.iter_attachments())
    return html.get_content(), pictures, attachments  # type: ignore[return-value]


def test_the_report_arrives_with_png_charts_by_cid_and_the_csvs_attached(
    example_project, cli, smtp, tmp_path
):
    members = build_history(example_project, tmp_path / "private")
    with_recipients(example_project, FOUNDER)
    result = cli(example_project, "report", "--members", str(members), "--mail", env=smtp.env())
    assert result.exit_code == 0, result.output
    assert f"Bericht an 1 Empfänger geschickt: {FOUNDER}." in result.stdout
    [received] = smtp.recorder.received
    assert received.recipients == [FOUNDER]
    message = received.message
    assert str(message["Subject"]).startswith("Newsletter-Bericht Mitgliederwerk – Stand ")
    html, pictures, attachments = parts(message)
    assert "<svg" not in html and "<script" not in html
    assert len(pictures) >= 3
    for picture in pictures:
        assert picture.get_content_type() == "image/png"
        assert picture["Content-Disposition"].startswith("inline")
        cid = picture["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html
        image = Image.open(io.BytesIO(picture.get_content()))
        assert image.format == "PNG" and image.width >= 800  # sharp at 420 px
    names = sorted(a.get_filename() for a in attachments)
    assert "newsletter.csv" in names and "monate.csv" in names
    csv = next(a for a in attachments if a.get_filename() == "newsletter.csv")
    on_disk = (example_project / "build" / "reports" / "newsletter.csv").read_bytes()
    assert csv.get_payload(decode=True) == on_disk  # the same table as build/reports/
    assert csv.get_content_charset() == "utf-8"
    assert 'style="' in html  # the CSS inlined for mail clients that drop <style>
    assert "mitglied1@" not in html  # the report names no one


def test_due_sends_once_per_period(example_project, cli, smtp, tmp_path):
    with_recipients(example_project, FOUNDER)
    now = dt.datetime.now(dt.UTC)
    with Journal(journal_file(example_project)) as journal:
        journal.record_run(
            NOVEMBER, now - dt.timedelta(days=1, hours=2), now - dt.timedelta(days=1)
        )
    env = smtp.env()
    first = cli(example_project, "report", "--mail", "--due", env=env)
    assert first.exit_code == 0, first.output
    assert len(smtp.recorder.received) == 1  # the month before: due on the month's first run
    second = cli(example_project, "report", "--mail", "--due", env=env)
    assert second.exit_code == 0, second.output
    assert "Kein Bericht fällig" in second.stdout
    assert len(smtp.recorder.received) == 1
    with Journal(journal_file(example_project)) as journal:  # a send ended four days ago
        journal.record_run(
            "2026-12-01-anderer", now - dt.timedelta(days=4, hours=1), now - dt.timedelta(days=4)
        )
    third = cli(example_project, "report", "--mail", "--due", env=env)
    assert third.exit_code == 0, third.output
    assert len(smtp.recorder.received) == 2
    fourth = cli(example_project, "report", "--mail", "--due", env=env)
    assert "Kein Bericht fällig" in fourth.stdout
    assert len(smtp.recorder.received) == 2


def test_a_refused_report_is_sent_by_the_next_due_run(example_project, cli, smtp):
    with_recipients(example_project, FOUNDER, "zweite@mitgliederwerk.example")
    smtp.recorder.faults[FOUNDER] = ["550 5.1.1"]
    first = cli(example_project, "report", "--mail", "--due", env=smtp.env())
    assert first.exit_code == 1
    assert FOUNDER in first.stderr and "nächste Lauf" in first.stderr
    assert [r.recipients for r in smtp.recorder.received] == [["zweite@mitgliederwerk.example"]]
    second = cli(example_project, "report", "--mail", "--due", env=smtp.env())
    assert second.exit_code == 0, second.output
    assert [r.recipients for r in smtp.recorder.received][1:] == [[FOUNDER]]


def test_no_recipients_is_a_problem_at_the_settings(example_project, cli, smtp):
    result = cli(example_project, "report", "--mail", env=smtp.env())
    assert result.exit_code == 1
    assert result.stderr.startswith("rundbrief.yml")
    assert "report.recipients" in result.stderr
    assert not (example_project / "build" / "reports").exists()  # nothing written
    assert smtp.recorder.received == []


def test_due_without_mail_is_a_usage_error(example_project, cli):
    assert cli(example_project, "report", "--due").exit_code == 2


def run(newsletter: str, ended: dt.datetime) -> RunTimes:
    return RunTimes(newsletter, (ended - dt.timedelta(hours=1)).isoformat(), ended.isoformat())


@pytest.mark.parametrize(("days", "expected"), [(1, False), (3, True), (20, True), (40, False)])
def test_a_send_is_due_three_days_after_it_ended_for_a_month(days, expected):
    now = dt.datetime(2026, 12, 15, 9, tzinfo=dt.UTC)
    periods = due_periods([run("nl", now - dt.timedelta(days=days))], now)
    assert periods[0] == "monat 2026-11"
    assert any(p.startswith("nach nl ") for p in periods) is expected


def test_a_send_in_runs_counts_from_its_last_run():
    now = dt.datetime(2026, 12, 15, 9, tzinfo=dt.UTC)
    runs = [run("nl", now - dt.timedelta(days=5)), run("nl", now - dt.timedelta(days=2))]
    assert due_periods(runs, now) == ["monat 2026-11"]


def test_the_month_is_berlin_time():
    # 1 January 00:30 in Berlin is still 31 December in UTC: the month before is December.
    now = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert due_periods([], now) == ["monat 2026-12"]


def test_a_server_that_refuses_the_login_leaves_the_report_due(example_project, cli, smtp):
    with_recipients(example_project, FOUNDER)
    wrong = cli(
        example_project, "report", "--mail", "--due", env=smtp.env(RUNDBRIEF_SMTP_PASSWORD="falsch")
    )
    assert wrong.exit_code == 1
    assert "RUNDBRIEF_SMTP_PASSWORD" in wrong.stderr and "nächste Lauf" in wrong.stderr
    assert "falsch" not in wrong.output  # the secret is never printed
    right = cli(example_project, "report", "--mail", "--due", env=smtp.env())
    assert right.exit_code == 0, right.output
    assert [r.recipients for r in smtp.recorder.received] == [[FOUNDER]]


def test_a_report_mailed_by_hand_creates_no_state(example_project, cli, smtp):
    with_recipients(example_project, FOUNDER)
    result = cli(example_project, "report", "--mail", env=smtp.env())
    assert result.exit_code == 0, result.output
    assert len(smtp.recorder.received) == 1
    assert not journal_file(example_project).exists()
