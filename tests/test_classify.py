"""Classification of single messages, for the cases the test mailbox does not hold."""

from __future__ import annotations

import dataclasses
import email
from email.message import Message

from feedback_helpers import BOUNCE, FROM, LASTSCHRIFT, NOVEMBER, UNSUBSCRIBE, render
from members_helpers import member
from smtp_helpers import SECRET

from generator.feedback.classify import Context, Verdict, classify

CONTEXT = Context(
    secret=SECRET.encode(),
    unsubscribe_address=UNSUBSCRIBE,
    bounce_address=BOUNCE,
    sender_domain="mitgliederwerk.example",
    own_addresses=frozenset({FROM, UNSUBSCRIBE, BOUNCE, "support@mitgliederwerk.example"}),
)


def parse(data: bytes) -> Message:
    return email.message_from_bytes(data)


def found(verdict: Verdict) -> list[tuple[str, str, str]]:
    return [(f.kind, f.address, f.newsletter) for f in verdict.findings]


def test_a_complaint_is_mapped_by_the_verp_address_it_names():
    data = render("arf-complaint.eml", address=member(6), newsletter=LASTSCHRIFT, verp=True)
    verdict = classify(parse(data), CONTEXT)
    assert verdict.kind == "complaint" and verdict.how == "verp"
    assert found(verdict) == [("complaint", member(6), LASTSCHRIFT)]


def test_a_not_spam_report_is_no_complaint():
    data = render("arf-complaint.eml", address=member(6)).replace(
        b"Feedback-Type: abuse", b"Feedback-Type: not-spam"
    )
    assert classify(parse(data), CONTEXT).kind == "other"


def test_a_garbled_report_without_verp_names_nobody():
    data = render("garbled-dsn.eml", address=member(11), verp=False)
    verdict = classify(parse(data), CONTEXT)
    assert verdict.kind == "other" and verdict.findings == ()


def test_a_forged_token_falls_back_to_the_sender():
    data = render("unsubscribe-with-token.eml", address=member(9)).replace(
        b"Newsletter abbestellen ", b"Newsletter abbestellen X"
    )
    verdict = classify(parse(data), CONTEXT)
    assert verdict.how == "sender"
    assert found(verdict) == [("unsubscribe", "lena.privat@post.example", "")]


def test_an_unsubscribe_sent_by_a_mail_program_on_the_members_behalf_counts():
    data = render("unsubscribe-with-token.eml", address=member(9)).replace(
        b"User-Agent:", b"Auto-Submitted: auto-generated\r\nUser-Agent:"
    )
    assert found(classify(parse(data), CONTEXT)) == [("unsubscribe", member(9), "")]


def test_a_report_on_two_recipients_gives_each_its_own_kind():
    text = render("postfix-user-unknown.eml", address=member(1), verp=False).decode()
    first_block = f"Final-Recipient: rfc822; {member(1)}\r\n"
    second_block = (
        f"Final-Recipient: rfc822; {member(2)}\r\nAction: delayed\r\nStatus: 4.2.2\r\n"
        "Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\r\n\r\n"
    )
    assert first_block in text
    verdict = classify(
        parse(text.replace(first_block, second_block + first_block).encode()), CONTEXT
    )
    assert verdict.kind == "hard_bounce"
    assert found(verdict) == [
        ("soft_bounce", member(2), NOVEMBER),
        ("hard_bounce", member(1), NOVEMBER),
    ]


def test_a_delivered_notice_is_no_bounce():
    data = render("postfix-user-unknown.eml", address=member(1), verp=False)
    data = data.replace(b"Action: failed\r\nStatus: 5.1.1", b"Action: delivered\r\nStatus: 2.0.0")
    data = data.replace(b"<" + member(1).encode() + b">: host", b"delivered to host")
    verdict = classify(parse(data), CONTEXT)
    assert verdict.kind == "auto_reply"  # Postfix marks it Auto-Submitted: ignored, filed
    assert verdict.findings == ()


def test_without_a_bounce_address_the_report_is_read():
    context = dataclasses.replace(CONTEXT, bounce_address="")
    data = render("gmail-address-not-found.eml", address=member(4), newsletter=NOVEMBER)
    verdict = classify(parse(data), context)
    assert verdict.how == "report"
    assert found(verdict) == [("hard_bounce", member(4), NOVEMBER)]


def test_out_of_office_replies_to_the_bounce_address_are_ignored_not_bounces():
    for name in ("out-of-office.eml", "automatic-reply-exchange.eml"):
        verdict = classify(parse(render(name, address=member(13))), CONTEXT)
        assert verdict.kind == "auto_reply" and verdict.findings == (), name
