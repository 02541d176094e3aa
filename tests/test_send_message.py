"""The message serialised once per newsletter equals what the email package builds, byte for byte."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy

import pytest
from conftest import repo_project
from newsletter_helpers import checked, newsletter_text, one_newsletter

from generator.newsletter.email import RenderedEmail, sample_values
from generator.newsletter.mime import build_message, wire_bytes
from generator.sending.message import MessageTemplate

NEWSLETTERS = (
    "2026-11-02-monatsupdate-november.md",
    "2026-11-20-neuer-lastschrifttermin.md",
    "2026-12-01-mitglieder-werben-mitglieder.md",
)
DATE = dt.datetime(2026, 11, 2, 7, 30, 5, tzinfo=dt.UTC)

NAMES = [
    "Anna",
    "Jürgen",
    "Zoë-Åsa Øberg",
    "Ärger Übermaß ßtraße",
    "李小龙",
    "Ana 😀 Smile",
    'O\'Brien & <Söhne> "Quote"',
    "=?utf-8?q?Trick?=",
    "  Leading and trailing  ",
    "Double  space",
    "Anna" * 250,  # 1,000 characters: folded subject, soft line breaks in the body
    "ÄÖÜ" * 333,
    "",
    "x=y; z",
    "Tab\tin name",
    "(Kommentar) und [Klammern]",
]
ADDRESSES = [
    "mitglied1@beispiel.example",
    "a.b-c+d@sub.beispiel.example",
    "o'brien{x}|y~z^w`v=u?t/s*r&q%p$o#n!m@beispiel.example",
    "." + "a" * 62 + "@beispiel.example",  # not a dot-atom: the email package quotes it
    "a..b@beispiel.example",
    "x" * 64 + "@" + "d" * 60 + "." + "d" * 60 + "." + "d" * 58 + ".example",  # 253 characters
]


def repo_emails() -> list[RenderedEmail]:
    project = repo_project()
    emails = []
    for name in NEWSLETTERS:
        item = checked(project, name)
        assert item.email is not None, item.problems
        emails.append(item.email)
    return emails


def expected(email: RenderedEmail, boundary: str, **kwargs) -> bytes:
    message = build_message(email, **kwargs)
    message.set_boundary(boundary)
    return wire_bytes(message)


@pytest.fixture(scope="module")
def emails() -> list[RenderedEmail]:
    return repo_emails()


@pytest.fixture(scope="module")
def values() -> dict[str, str]:
    return sample_values(repo_project())


@pytest.mark.parametrize("name", NAMES)
def test_every_name_gives_the_same_bytes_as_the_email_package(emails, values, name):
    for email in emails:
        template = MessageTemplate(email)
        assert template.fast
        personal = {**values, "first_name": name, "last_name": name[::-1]}
        kwargs = {
            "to": "mitglied1@beispiel.example",
            "values": personal,
            "message_id": "<2026-11-02-test.0123456789abcdef0123@mitgliederwerk.example>",
            "date": DATE,
        }
        ours = template.render(**kwargs)
        theirs = expected(email, template.boundary, **kwargs)
        assert ours == theirs
        parsed = message_from_bytes(ours, policy=policy.SMTP)
        assert parsed["To"] == "mitglied1@beispiel.example"
        text = parsed.get_body(("plain",))
        assert text is not None
        if "{{ member.first_name }}" in email.text and name.strip() and len(name) < 200:
            assert " ".join(name.split()) in " ".join(text.get_content().split())


@pytest.mark.parametrize("address", ADDRESSES)
def test_every_address_gives_the_same_bytes(emails, values, address):
    email = emails[0]
    template = MessageTemplate(email)
    kwargs = {
        "to": address,
        "values": {**values, "email": address},
        "message_id": "<x.1@mitgliederwerk.example>",
        "date": DATE,
    }
    assert template.render(**kwargs) == expected(email, template.boundary, **kwargs)


def test_a_long_unsubscribe_url_and_a_subject_with_a_name_are_as_the_email_package_has_them(
    emails, values
):
    email = emails[2]  # its subject starts with the first name
    template = MessageTemplate(email)
    long_url = "https://www.mitgliederwerk.example/newsletter/abmelden?t=" + "A" * 900
    for url in (long_url, long_url + "B" * 200):
        kwargs = {
            "to": "mitglied1@beispiel.example",
            "values": {**values, "first_name": "Bärbel", "unsubscribe_url": url},
            "message_id": "<x.1@mitgliederwerk.example>",
            "date": DATE,
        }
        ours = template.render(**kwargs)
        assert ours == expected(email, template.boundary, **kwargs)
        parsed = message_from_bytes(ours, policy=policy.SMTP)
        assert parsed["Subject"].startswith("Bärbel, ")
        assert url in parsed["List-Unsubscribe"].replace(" ", "")


def test_body_lines_around_fields_and_an_empty_value_at_the_end(make_project, values):
    body = (
        "Hallo {{ member.first_name }},\n\n"
        + ("Ein sehr langer Absatz mit Umlauten äöü und Gleichheitszeichen = " * 6)
        + "{{ member.last_name }} und weiter.\n\n"
        "Ende: {{ member.last_name }}"
    )
    project, _newsletter = one_newsletter(make_project, newsletter_text(body))
    email = checked(project).email
    assert email is not None
    template = MessageTemplate(email)
    for last in ("", "Müller", " ", "=3D", "x" * 300):
        kwargs = {
            "to": "mitglied1@beispiel.example",
            "values": {**values, "last_name": last},
            "message_id": "<x.1@mitgliederwerk.example>",
            "date": DATE,
        }
        assert template.render(**kwargs) == expected(email, template.boundary, **kwargs)


def test_a_line_break_in_a_value_is_refused_like_the_email_package_does(emails, values):
    from generator.newsletter.mime import HeaderInjection

    template = MessageTemplate(emails[2])
    with pytest.raises(HeaderInjection):
        template.render(
            to="mitglied1@beispiel.example",
            values={**values, "first_name": "Eve\nBcc: opfer@example.org"},
            message_id="<x.1@mitgliederwerk.example>",
            date=DATE,
        )
