"""Unsubscribing without a server of the platform's: the mailto link, and the mail it sends."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from conftest import git
from members_helpers import member, member_row, members_file
from smtp_helpers import SECRET, body_text, send

from generator.members.verp import read_unsubscribe_token

ONE_CLICK_LINE = "  unsubscribe_url: https://www.mitgliederwerk.example/newsletter/abmelden\n"


def without_endpoint(project: Path) -> None:
    """Remove newsletter.unsubscribe_url from the settings and commit that on main."""
    settings = project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    assert ONE_CLICK_LINE in text
    settings.write_text(text.replace(ONE_CLICK_LINE, ""), encoding="utf-8")
    git(project, "commit", "-q", "-am", "no unsubscribe endpoint")
    git(project, "push", "-q", "origin", "main")  # merged: what the founder approved


def test_without_an_endpoint_every_message_unsubscribes_by_mail(
    example_project, cli, smtp, imap, tmp_path
):
    without_endpoint(example_project)
    assert cli(example_project, "check").exit_code == 0  # preflight accepts the mailto link
    members = members_file(tmp_path / "private", [member_row(n) for n in (1, 2)])

    sent = send(cli, example_project, members, smtp)

    assert sent.exit_code == 0, sent.stderr
    messages = {r.recipients[0]: r.message for r in smtp.recorder.received}
    assert set(messages) == {member(1), member(2)}
    message = messages[member(1)]
    assert "List-Unsubscribe-Post" not in message  # no one-click promise without an endpoint
    header = message["List-Unsubscribe"]
    assert re.fullmatch(r"<mailto:abmelden@mitgliederwerk\.example\?[^<>,\s]+>", header)
    link = header.strip("<>")
    query = parse_qs(urlsplit(link).query)
    subject, token = query["subject"][0].rsplit(" ", 1)
    assert subject == "Newsletter abbestellen"
    assert read_unsubscribe_token(SECRET.encode(), token) == member(1)
    assert query["body"][0].startswith("Bitte tragen Sie mich aus dem Newsletter-Verteiler aus.")
    text, html = body_text(message)
    assert f'href="{link.replace("&", "&amp;")}"' in html
    assert "Der Link öffnet eine fertige E-Mail an uns, die Sie nur noch absenden." in html
    assert "mit einem Klick" not in html
    assert link in text
    assert "Dieser Link öffnet eine fertige E-Mail an uns" in " ".join(text.split())

    # The member presses "send" in their mail program; the next feedback run unsubscribes them.
    request = EmailMessage()
    request["From"] = f"Vorname1 Muster <{member(1)}>"
    request["To"] = unquote(urlsplit(link).path)
    request["Subject"] = query["subject"][0]
    request["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    request["Message-ID"] = "<abmelden-1@beispiel.example>"
    request.set_content(query["body"][0])
    imap.append([request.as_bytes()])
    feedback = cli(
        example_project,
        "feedback",
        env={**imap.env(), "RUNDBRIEF_UNSUBSCRIBE_SECRET": SECRET},
    )
    assert feedback.exit_code == 0, feedback.stderr
    assert "Neue Nachrichten: 1, in einem früheren Lauf gelesen: 0: 1 Abmeldung." in feedback.stdout

    again = send(cli, example_project, members, smtp)
    assert again.exit_code == 0, again.stderr
    assert "1 Empfänger, 1 ausgeschlossen: 1 per E-Mail abgemeldet" in again.stdout


def test_with_an_endpoint_the_one_click_headers_stay(example_project, cli, smtp, tmp_path):
    members = members_file(tmp_path / "private", [member_row(1)])
    sent = send(cli, example_project, members, smtp)
    assert sent.exit_code == 0, sent.stderr
    message = smtp.recorder.received[0].message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = (part.strip(" <>") for part in message["List-Unsubscribe"].split(","))
    assert https.startswith("https://www.mitgliederwerk.example/newsletter/abmelden?t=")
    token = https.split("?t=", 1)[1]
    assert (
        mailto
        == f"mailto:abmelden@mitgliederwerk.example?subject=Newsletter%20abbestellen%20{token}"
    )
    text, html = body_text(message)
    assert "mit einem Klick und kostenlos" in html


@pytest.mark.parametrize(
    ("line", "replacement", "below", "problem"),
    [
        (ONE_CLICK_LINE, "  unsubscribe_url: http://abmelden.example/\n", 0, "newsletter.unsubscribe_url: absolute https://-Adresse erwartet"),
        ("  bounce_address: bounce@bounces.mitgliederwerk.example\n", "  bounce_address: bounces\n", 0, "newsletter.bounce_address: E-Mail-Adresse erwartet, gefunden: 'bounces'"),
        ("  soft_bounce_limit: 3", "  soft_bounce_limit: 0", 0, "feedback.soft_bounce_limit: expected at least 1, got 0"),
        ("  folder: INBOX\n", "  folder: INBOX\n  ordner: x\n", 1, "unbekanntes Feld 'feedback.ordner'"),
    ],
)  # fmt: skip
def test_wrong_feedback_settings_are_problems_at_their_line(
    example_project, cli, line, replacement, below, problem
):
    settings = example_project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    assert line in text
    settings.write_text(text.replace(line, replacement), encoding="utf-8")
    number = text.split(line)[0].count("\n") + 1 + below
    result = cli(example_project, "check")
    assert result.exit_code == 1
    assert f"rundbrief.yml:{number}: {problem}" in result.stderr
