"""Invariants of the review and report mails, with generated hostile text (Hypothesis)."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy
from email.message import EmailMessage

from conftest import repo_project
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.report.due import due_periods
from generator.review.changes import Base
from generator.review.mail import PREFIX, approval_mails
from generator.review.model import NewsletterReview, Review
from generator.review.sides import NewsletterSide
from generator.sending.state import RunTimes

APPROVERS = ("gruender@mitgliederwerk.example", "zweite@mitgliederwerk.example")
PROJECT = repo_project()

hostile = st.lists(
    st.sampled_from(
        [
            "Bcc: boese@angreifer.example",
            "\r\nCc: boese@angreifer.example",
            "To: <boese@angreifer.example>",
            "=?utf-8?q?X=0D=0ABcc=3A_boese@angreifer.example?=",
            "<a href='mailto:boese@angreifer.example'>",
            "Resent-To: boese@angreifer.example",
            "\u2028Reply-To: boese@angreifer.example",
        ]
    )
    | st.text(max_size=40),
    max_size=6,
).map(" ".join)


def member_message(subject: str, body: str) -> bytes:
    """A member's message as the build writes message.eml, its text chosen by a pull request."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "Mitgliederwerk <newsletter@mitgliederwerk.example>"
    message["To"] = "Erika Mustermann <erika.mustermann@example.org>"
    message["Subject"] = subject
    message.set_content(body)
    message.add_alternative(f"<html><body><p>{body}</p></body></html>", subtype="html")
    return message.as_bytes(policy=policy.SMTP)


@settings(max_examples=25, deadline=None)
@given(body=hostile, subject=st.sampled_from(["Dezember", "Bcc: boese@angreifer.example"]))
def test_every_mail_goes_to_an_approver_and_nobody_else(body, subject):
    side = NewsletterSide(
        "newsletters/n.md", "n", subject, "", "2026-12-01", "approved", "alle", (), "x"
    )
    item = NewsletterReview(
        "newsletters/n.md", "added", None, side, None, (), message=member_message(subject, body)
    )
    review = Review(Base("main", "b" * 40), (), newsletters=(item,))
    mails = approval_mails(PROJECT, review, APPROVERS, "c" * 40, None)
    assert sorted(m.to for m in mails) == sorted(APPROVERS * 2)
    for mail in mails:
        parsed = message_from_bytes(mail.data, policy=policy.SMTP)
        assert parsed.get_all("To") == [mail.to]
        for name in ("Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"):
            assert parsed[name] is None
        assert str(parsed["Subject"]).startswith(PREFIX)
        assert mail.key.startswith("c" * 40 + f" {mail.to} ")


moments = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 1, 1), timezones=st.just(dt.UTC)
)


@settings(max_examples=100, deadline=None)
@given(
    ends=st.lists(moments, max_size=5),
    first=moments,
    later=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=90)),
)
def test_a_period_keeps_its_key_whenever_it_is_asked(ends, first, later):
    # Claimed once by its key: the key of a send or a month must not depend on when it is asked.
    runs = [RunTimes(f"nl-{n % 3}", end.isoformat(), end.isoformat()) for n, end in enumerate(ends)]
    one, two = due_periods(runs, first), due_periods(runs, first + later)
    sends_one = {p for p in one if p.startswith("nach ")}
    sends_two = {p for p in two if p.startswith("nach ")}
    for period in sends_one & sends_two:
        assert period in one and period in two
    by_newsletter = {p.split(" ")[1]: p for p in sends_one}
    for period in sends_two:
        newsletter = period.split(" ")[1]
        assert by_newsletter.get(newsletter, period) == period
    assert one[0].startswith("monat ") and two[0] >= one[0]
