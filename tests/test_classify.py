"""Classification of single messages, for the cases the test mailbox does not hold."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import re
from collections.abc import Iterator
from email.message import Message

import pytest
from feedback_helpers import (
    BOUNCE,
    FROM,
    LASTSCHRIFT,
    NOVEMBER,
    UNSUBSCRIBE,
    mailbox_sends,
    render,
    sent_journal,
)
from members_helpers import member
from smtp_helpers import SECRET

from generator.feedback.classify import Context, Verdict, classify
from generator.members.verp import legacy_verp_address
from generator.sending.journal import Journal

AUTHSERV = "mx1.mitgliederwerk.example"
CONTEXT = Context(
    secret=SECRET.encode(),
    unsubscribe_address=UNSUBSCRIBE,
    bounce_address=BOUNCE,
    sender_domain="mitgliederwerk.example",
    own_addresses=frozenset({FROM, UNSUBSCRIBE, BOUNCE, "support@mitgliederwerk.example"}),
    authserv_id=AUTHSERV,
)
"""Without a journal: no bounce or complaint can prove anything (``sent`` fills one in)."""


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    """CONTEXT with a real journal in which every copy MAILBOX speaks of was sent."""
    path = tmp_path_factory.mktemp("journal") / "journal.sqlite"
    journal = Journal(sent_journal(path, [*mailbox_sends(), (NOVEMBER, member(2))]))
    yield dataclasses.replace(CONTEXT, sent=journal)
    journal.close()


def parse(data: bytes) -> Message:
    return email.message_from_bytes(data)


def found(verdict: Verdict) -> list[tuple[str, str, str]]:
    return [(f.kind, f.address, f.newsletter) for f in verdict.findings]


def test_a_complaint_is_mapped_by_the_verp_address_it_names(sent):
    data = render("arf-complaint.eml", address=member(6), newsletter=LASTSCHRIFT, verp=True)
    verdict = classify(parse(data), sent)
    assert verdict.kind == "complaint" and verdict.how == "verp"
    assert found(verdict) == [("complaint", member(6), LASTSCHRIFT)]


def test_a_not_spam_report_is_no_complaint():
    data = render("arf-complaint.eml", address=member(6)).replace(
        b"Feedback-Type: abuse", b"Feedback-Type: not-spam"
    )
    assert classify(parse(data), CONTEXT).kind == "other"


def test_the_earlier_versions_verp_addresses_still_count_for_their_90_days(tmp_path):
    # A bounce of a copy sent before the short addresses: bounce+<newsletter>+<sig>+<member>.
    earlier = legacy_verp_address(BOUNCE, SECRET.encode(), member(11), NOVEMBER)
    data = render("garbled-dsn.eml", address=member(11), envelope=earlier)
    now = dt.datetime.now(dt.UTC)
    for days, kind in ((89, "hard_bounce"), (91, "other")):
        path = tmp_path / f"{days}.sqlite"
        journal = Journal(sent_journal(path, [(NOVEMBER, member(11))], now - dt.timedelta(days=days)))  # fmt: skip
        verdict = classify(parse(data), dataclasses.replace(CONTEXT, sent=journal), now)
        journal.close()
        assert verdict.kind == kind, days
        if kind == "hard_bounce":
            assert verdict.how == "verp" and found(verdict) == [(kind, member(11), NOVEMBER)]


def test_a_garbled_report_without_verp_names_nobody():
    data = render("garbled-dsn.eml", address=member(11), verp=False)
    verdict = classify(parse(data), CONTEXT)
    assert verdict.kind == "other" and verdict.findings == ()


def test_a_forged_token_falls_back_to_the_sender_only_with_dmarc_from_our_server():
    data = render("unsubscribe-with-token.eml", address=member(9)).replace(
        b"Newsletter abbestellen ", b"Newsletter abbestellen X"
    )
    verdict = classify(parse(data), CONTEXT)
    assert verdict.kind == "unverified" and verdict.findings == ()
    passed = f"Authentication-Results: {AUTHSERV}; dmarc=pass header.from=post.example\r\n"
    verdict = classify(parse(passed.encode() + data), CONTEXT)
    assert verdict.how == "dmarc"
    assert found(verdict) == [("unsubscribe", "lena.privat@post.example", "")]


def test_an_unsubscribe_sent_by_a_mail_program_on_the_members_behalf_counts():
    data = render("unsubscribe-with-token.eml", address=member(9)).replace(
        b"User-Agent:", b"Auto-Submitted: auto-generated\r\nUser-Agent:"
    )
    assert found(classify(parse(data), CONTEXT)) == [("unsubscribe", member(9), "")]


def test_a_report_on_two_recipients_names_only_the_one_whose_copy_it_quotes(sent):
    text = render("postfix-user-unknown.eml", address=member(1), verp=False).decode()
    first_block = f"Final-Recipient: rfc822; {member(1)}\r\n"
    second_block = (
        f"Final-Recipient: rfc822; {member(2)}\r\nAction: delayed\r\nStatus: 4.2.2\r\n"
        "Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\r\n\r\n"
    )
    assert first_block in text
    verdict = classify(parse(text.replace(first_block, second_block + first_block).encode()), sent)
    assert verdict.kind == "hard_bounce" and verdict.how == "quote"
    # Member 2 was sent the newsletter too, but the quoted Message-ID is member 1's copy.
    assert found(verdict) == [("hard_bounce", member(1), NOVEMBER)]


def test_a_delivered_notice_is_no_bounce():
    data = render("postfix-user-unknown.eml", address=member(1), verp=False)
    data = data.replace(b"Action: failed\r\nStatus: 5.1.1", b"Action: delivered\r\nStatus: 2.0.0")
    data = data.replace(b"<" + member(1).encode() + b">: host", b"delivered to host")
    verdict = classify(parse(data), CONTEXT)
    assert verdict.kind == "auto_reply"  # Postfix marks it Auto-Submitted: ignored, filed
    assert verdict.findings == ()


def test_without_a_bounce_address_the_report_is_read(sent, tmp_path):
    context = dataclasses.replace(sent, bounce_address="")
    data = render("gmail-address-not-found.eml", address=member(4), newsletter=NOVEMBER)
    journal = Journal(sent_journal(tmp_path / "journal.sqlite", [(NOVEMBER, member(4))]))
    verdict = classify(parse(data), dataclasses.replace(context, sent=journal))
    journal.close()
    assert verdict.how == "quote"
    assert found(verdict) == [("hard_bounce", member(4), NOVEMBER)]


def test_out_of_office_replies_to_the_bounce_address_are_ignored_not_bounces(sent):
    for name in ("out-of-office.eml", "automatic-reply-exchange.eml"):
        verdict = classify(parse(render(name, address=member(13))), sent)
        assert verdict.kind == "auto_reply" and verdict.findings == (), name


def unsubscribe_from(sender: str, *results: str) -> bytes:
    """A token-less unsubscribe from ``sender`` with these Authentication-Results, top down."""
    head = "".join(f"Authentication-Results: {value}\r\n" for value in results)
    return (
        f"{head}From: {sender}\r\nTo: {UNSUBSCRIBE}\r\nSubject: Abmelden\r\n\r\nbitte austragen\r\n"
    ).encode()


PASS = f"{AUTHSERV}; spf=pass smtp.mailfrom=beispiel.example; dmarc=pass (p=reject) header.from=beispiel.example"  # fmt: skip


def test_an_unsubscribe_by_mail_needs_dmarc_pass_from_our_own_server():
    taken = classify(parse(unsubscribe_from(member(1), PASS)), CONTEXT)
    assert found(taken) == [("unsubscribe", member(1), "")] and taken.how == "dmarc"
    refused = {
        "no results": unsubscribe_from(member(1)),
        "another server": unsubscribe_from(member(1), PASS.replace(AUTHSERV, "mx.other.example")),
        "dmarc fail": unsubscribe_from(member(1), PASS.replace("dmarc=pass", "dmarc=fail")),
        "other domain": unsubscribe_from(member(1), PASS.replace("from=beispiel", "from=post")),
        "forged below ours": unsubscribe_from(
            member(1), PASS.replace("dmarc=pass", "dmarc=none"), PASS
        ),  # fmt: skip
        "two senders": unsubscribe_from(f"{member(1)}, {member(2)}", PASS),
        "two From lines": unsubscribe_from(member(1), PASS).replace(
            b"To:", f"From: {member(2)}\r\nTo:".encode()
        ),  # fmt: skip
    }
    for name, data in refused.items():
        verdict = classify(parse(data), CONTEXT)
        assert verdict.kind == "unverified" and verdict.findings == (), name
    # Results above ours are another server's, added later: ours still decides.
    above = unsubscribe_from(member(1), "mx.other.example; dmarc=fail", PASS)
    assert classify(parse(above), CONTEXT).kind == "unsubscribe"
    unconfigured = dataclasses.replace(CONTEXT, authserv_id="")
    assert classify(parse(unsubscribe_from(member(1), PASS)), unconfigured).kind == "unverified"


def test_a_signed_verp_counts_only_for_a_send_in_the_journal_within_90_days(tmp_path):
    data = render("gmail-address-not-found.eml", address=member(4), newsletter=LASTSCHRIFT)
    now = dt.datetime.now(dt.UTC)
    for days, kind in ((89, "hard_bounce"), (91, "unverified")):
        path = tmp_path / f"{days}.sqlite"
        journal = Journal(sent_journal(path, [(LASTSCHRIFT, member(4))], now - dt.timedelta(days=days)))  # fmt: skip
        verdict = classify(parse(data), dataclasses.replace(CONTEXT, sent=journal), now)
        journal.close()
        assert verdict.kind == kind, days
    # Signed, but never sent to that member for that newsletter (a replayed or leaked address).
    journal = Journal(sent_journal(tmp_path / "other.sqlite", [(NOVEMBER, member(4))]))
    verdict = classify(parse(data), dataclasses.replace(CONTEXT, sent=journal))
    journal.close()
    assert verdict.kind == "unverified" and verdict.findings == ()


def test_a_forged_complaint_or_bounce_without_our_message_id_suppresses_no_one(sent):
    complaint = render("arf-complaint.eml", address=member(6), newsletter=LASTSCHRIFT, verp=False)
    bounce = render("postfix-user-unknown.eml", address=member(1), verp=False)
    for data in (complaint, bounce):
        guessed = re.sub(rb"(monatsupdate-november|neuer-lastschrifttermin)\.[0-9a-f]{20}", rb"\1.0123456789abcdef0123", data)  # fmt: skip
        assert guessed != data
        verdict = classify(parse(guessed), sent)
        assert verdict.kind == "unverified" and verdict.findings == ()
        assert classify(parse(data), sent).how == "quote"  # the real one is taken
