"""Property tests over hostile mailbox messages: classification never raises, never suppresses
without proof, and a message it reads stays within the limits (issue 17, R-10, R-14, R-15)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from email.message import Message

import pytest
from feedback_helpers import BOUNCE, FROM, NOVEMBER, UNSUBSCRIBE, original_message_id, sent_journal
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from smtp_helpers import SECRET

from generator.feedback.classify import Context, classify
from generator.feedback.limits import MAX_DEPTH, MAX_PARTS, Refused, open_message
from generator.members.verp import legacy_verp_address, message_token, verp_address
from generator.sending.journal import Journal

AUTHSERV = "mx1.mitgliederwerk.example"
MEMBERS = ("anna@beispiel.example", "-bernd@beispiel.example", "carla@post.example")
"""Members the journal shows as sent: the addresses a forger wants suppressed."""
WRONG_SECRET = b"not-the-secret-0123456789"
DOMAINS = ("beispiel.example", "post.example", "mitgliederwerk.example", "böse.example")


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    """Our settings, with a journal in which every one of MEMBERS was sent NOVEMBER."""
    path = tmp_path_factory.mktemp("journal") / "journal.sqlite"
    sent = Journal(sent_journal(path, [(NOVEMBER, m) for m in MEMBERS]))
    yield Context(
        secret=SECRET.encode(),
        unsubscribe_address=UNSUBSCRIBE,
        bounce_address=BOUNCE,
        sender_domain="mitgliederwerk.example",
        own_addresses=frozenset({FROM, UNSUBSCRIBE, BOUNCE}),
        sent=sent,
        authserv_id=AUTHSERV,
    )
    sent.close()


texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
addresses = st.one_of(
    st.sampled_from(MEMBERS),
    st.builds(
        lambda local, domain: f"{local}@{domain}",
        st.from_regex(r"[a-z=+\-.]{1,8}", fullmatch=True),
        st.sampled_from(DOMAINS),
    ),  # fmt: skip
    texts,
)
forged_verps = st.one_of(
    # the token of a member's real copy, signed with a wrong secret…
    st.builds(
        lambda address, secret: verp_address(
            BOUNCE, secret, message_token(original_message_id(NOVEMBER, address))
        ),
        st.sampled_from(MEMBERS),
        st.sampled_from([WRONG_SECRET, b"", SECRET.encode()[:-1]]),
    ),
    # …and the earlier version's addresses (still read for 90 days), signed the same way
    st.builds(
        lambda address, secret: legacy_verp_address(BOUNCE, secret, address, NOVEMBER),
        st.sampled_from(MEMBERS),
        st.sampled_from([WRONG_SECRET, b"", SECRET.encode()[:-1]]),
    ),
)
recipients = st.one_of(st.just(UNSUBSCRIBE), st.just(BOUNCE), forged_verps, addresses)
results = st.sampled_from(["pass", "fail", "none", "PASS", "pass (forged)"])
authentication = st.lists(
    st.builds(
        lambda server, result, domain: f"{server}; dmarc={result} header.from={domain}",
        st.sampled_from([AUTHSERV, "mx.other.example", AUTHSERV.upper(), "(x) " + AUTHSERV]),
        results,
        st.sampled_from(DOMAINS),
    ),
    max_size=3,
)
content_types = st.sampled_from(
    [
        "text/plain",
        "message/delivery-status",
        "message/feedback-report",
        "message/rfc822",
        "text/rfc822-headers",
        "multipart/mixed",
        "multipart/report; report-type=delivery-status",
        "multipart/report; report-type=feedback-report",
    ]
)
leaf_bodies = st.one_of(
    texts,
    st.builds(
        lambda a, status: (
            f"Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; {a}\n"
            f"Action: failed\nStatus: {status}\n"
        ),
        addresses,
        st.sampled_from(["5.1.1", "4.2.2", "x"]),
    ),
    st.builds(
        lambda a: f"Feedback-Type: abuse\nOriginal-Rcpt-To: {a}\nOriginal-Mail-From: {a}\n",
        st.one_of(addresses, forged_verps),
    ),
    st.builds(
        lambda a, mid: f"To: {a}\nMessage-ID: {mid}\n",
        addresses,
        st.one_of(st.just(original_message_id(NOVEMBER, MEMBERS[0])), texts),
    ),
)


@st.composite
def trees(draw: st.DrawFn, depth: int = 0) -> str:
    """One MIME part (headers and body), nested up to 16 levels, up to 4 children each."""
    kind = draw(content_types)
    if kind.startswith("multipart/") and depth < 16:
        boundary = f"b{depth}x{draw(st.integers(0, 999))}"
        children = draw(st.lists(trees(depth + 1), max_size=4))
        body = "".join(f"--{boundary}\n{child}\n" for child in children) + f"--{boundary}--\n"
        return f'Content-Type: {kind}; boundary="{boundary}"\n\n{body}'
    return f"Content-Type: {kind}\n\n{draw(leaf_bodies)}\n"


@st.composite
def reports(draw: st.DrawFn) -> str:
    """A DSN or ARF report naming anyone, wrapped in 0 to 30 more multipart levels."""
    kind = draw(st.sampled_from(["delivery-status", "feedback-report"]))
    parts = [
        f"Content-Type: text/plain\n\n{draw(texts)}\n",
        f"Content-Type: message/{kind}\n\n{draw(leaf_bodies)}\n",
        f"Content-Type: text/rfc822-headers\n\n{draw(leaf_bodies)}\n",
    ]
    body = "".join(f"--r\n{part}\n" for part in parts) + "--r--\n"
    tree = f'Content-Type: multipart/report; report-type={kind}; boundary="r"\n\n{body}'
    for level in range(draw(st.integers(0, 30))):
        tree = f'Content-Type: multipart/mixed; boundary="w{level}"\n\n--w{level}\n{tree}\n--w{level}--\n'
    return tree


@st.composite
def messages(draw: st.DrawFn) -> tuple[bytes, list[str], list[str]]:
    """(raw message, its Authentication-Results values top down, its From addresses)."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=2_000)), [], []
    senders = draw(st.lists(addresses, min_size=0, max_size=2))
    results_ = draw(authentication)
    lines = [f"Authentication-Results: {value}" for value in results_]
    lines += [f"From: {', '.join(senders)}"] if senders else []
    lines += [f"{name}: {draw(recipients)}" for name in ("Delivered-To", "To")]
    lines += [f"Subject: {draw(texts)} {draw(st.sampled_from(['', 'Abmelden', 'abc.def']))}"]
    lines += draw(st.lists(st.sampled_from(["Auto-Submitted: auto-replied", "Return-Path: <>", "Date: Mon, 1 Jan 2001 00:00:00 +0000", "Content-Transfer-Encoding: base64"]), max_size=2))  # fmt: skip
    raw = "\n".join(lines) + "\n" + draw(st.one_of(trees(), reports()))
    return raw.encode("utf-8"), results_, senders


def vouched(results_: list[str], address: str) -> bool:
    """The oracle: the topmost result of our authserv-id says DMARC pass for the domain."""
    for value in results_:
        server, _, rest = value.partition(";")
        if server.removeprefix("(x) ").lower() != AUTHSERV:
            continue  # another server's result
        result, _, domain = rest.strip().removeprefix("dmarc=").partition(" header.from=")
        passed = result.split("(")[0].strip().lower() == "pass"
        return passed and domain.lower() == address.rpartition("@")[2]
    return False


def shape(message: Message) -> tuple[int, int]:
    """(deepest level, parts) of a parsed message, counted without recursion."""
    deepest, parts, stack = 0, 0, [(message, 1)]
    while stack:
        part, level = stack.pop()
        deepest, parts = max(deepest, level), parts + 1
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend((child, level + 1) for child in payload if isinstance(child, Message))
    return deepest, parts


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(generated=messages())
def test_no_message_raises_suppresses_without_proof_or_escapes_the_limits(context, generated):
    raw, results_, senders = generated
    try:
        message = open_message(raw)
    except Refused as refused:
        event(f"quarantined: {refused.reason}")
        return  # quarantined: nobody suppressed, the run goes on
    depth, parts = shape(message)
    assert depth <= MAX_DEPTH and parts <= MAX_PARTS

    verdict = classify(message, context)
    event(f"{verdict.kind} ({verdict.how})")

    # No valid VERP or token can be in a forger's message, and the only Message-ID it can
    # quote is the one a member received herself (the generator knows anna's): quoting it
    # proves a bounce or complaint of that member alone. Otherwise only an unsubscribe by a
    # sender our own server vouches for may name anyone.
    quoted = original_message_id(NOVEMBER, MEMBERS[0])
    for finding in verdict.findings:
        if verdict.how == "quote":
            assert finding.address == MEMBERS[0] and quoted.encode() in raw, verdict
            assert finding.kind in ("hard_bounce", "soft_bounce", "complaint"), verdict
            continue
        assert finding.kind == "unsubscribe" and verdict.how == "dmarc", verdict
        assert vouched(results_, finding.address), (results_, finding)
        assert finding.address in ", ".join(senders).lower()
        assert finding.address.count("@") == 1 and "," not in finding.address


def test_the_oracle_is_not_vacuous(context):
    """A passing result from our server does unsubscribe its sender (so the test can fail)."""
    raw = (
        f"Authentication-Results: {AUTHSERV}; dmarc=pass header.from=post.example\n"
        f"From: carla@post.example\nTo: {UNSUBSCRIBE}\nSubject: Abmelden\n\nbitte\n"
    ).encode()
    verdict = classify(open_message(raw), context)
    assert [(f.kind, f.address) for f in verdict.findings] == [("unsubscribe", MEMBERS[2])]
    forged = dataclasses.replace(context, authserv_id="mx.other.example")
    assert classify(open_message(raw), forged).findings == ()
