""" "War dieser Artikel hilfreich?": votes read from the mailbox, counted once, shown in the report.

Votes are forgeable mails: they are only counted (one per sender, article and day, only for an
article the site has), never acted on, and the report names no sender.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import compat32

from smtp_helpers import SECRET

from generator.feedback.classify import Context, classify
from generator.feedback.suppression import SuppressionStore
from generator.feedback.votes import Vote

VOTES = "hilfreich@mitgliederwerk.example"
PAYPAL = "zahlungen/paypal/"
AT = dt.datetime(2026, 12, 5, 10, tzinfo=dt.UTC)


def vote(
    subject: str, sender: str = "anna@example.org", to: str = VOTES, body: str = "Danke."
) -> bytes:
    """A vote as a mail client sends the help site's prepared email (subject RFC 2047-encoded)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject  # RFC 2047-encoded on output
    message["Message-ID"] = f"<{abs(hash((subject, sender, body)))}@client.example>"
    message.set_content(body)
    return message.as_bytes().replace(b"\n", b"\r\n")


def read(data: bytes, pages: frozenset[str] = frozenset({PAYPAL})) -> object:
    message = BytesParser(policy=compat32).parsebytes(data)
    context = Context(SECRET.encode(), "abmelden@x.example", "", "x.example", vote_address=VOTES, pages=pages)  # fmt: skip
    return classify(message, context, AT)


def test_a_vote_names_the_article_and_no_one():
    verdict = read(vote("Hilfreich: nein – /zahlungen/paypal/"))
    assert verdict.kind == "vote" and not verdict.findings  # never a suppression
    assert verdict.vote is not None
    assert (verdict.vote.page, verdict.vote.helpful, verdict.vote.day) == (
        PAYPAL,
        False,
        "2026-12-05",
    )
    assert "anna" not in verdict.vote.voter and len(verdict.vote.voter) == 32
    assert read(vote("Hilfreich: ja - /zahlungen/paypal")).vote.helpful  # ASCII dash, no slash


def test_hostile_votes_count_for_nothing():
    for subject in (
        "Hilfreich: ja – /gibt-es-nicht/",  # a page the site does not have
        "Hilfreich: ja – /<script>alert(1)</script>/",
        "Hilfreich: ja – /zahlungen/paypal/../../etc/passwd",
    ):
        verdict = read(vote(subject))
        assert verdict.kind == "vote" and verdict.vote is None, subject
    # A path longer than any page's is no vote's shape: left for a person, counted nowhere.
    overlong = read(vote("Hilfreich: ja – /" + "a/" * 500))
    assert overlong.kind == "other" and overlong.vote is None
    # Two senders in From: nobody to count once.
    assert read(vote("Hilfreich: ja – /zahlungen/paypal/", "a@x.example, b@x.example")).vote is None
    # To another address, or another subject: not a vote at all.
    assert read(vote("Hilfreich: ja – /zahlungen/paypal/", to="info@x.example")).kind == "other"
    assert read(vote("Frage zu PayPal")).kind == "other"


def test_one_vote_per_sender_article_and_day_the_latest_counts(tmp_path):
    day = "2026-12-05"
    with SuppressionStore(tmp_path / "store.sqlite") as store:
        store.add_votes(
            [Vote(PAYPAL, True, "a", day)] * 10_000
            + [Vote(PAYPAL, False, "a", day)]  # changed her mind the same day
            + [Vote(PAYPAL, True, "a", "2026-12-06"), Vote(PAYPAL, True, "b", day)]
        )
        assert store.vote_counts() == [(PAYPAL, 2, 1)]


def test_votes_from_the_mailbox_reach_the_report(example_project, cli, imap, tmp_path):
    article = "zahlungen/auszahlung/"
    votes = [
        vote("Hilfreich: ja – /zahlungen/paypal/", "anna@example.org"),
        vote("Hilfreich: ja – /zahlungen/paypal/", "bernd@example.org"),
        vote("Hilfreich: nein – /zahlungen/paypal/", "carla@example.org"),
        vote(f"Hilfreich: nein – /{article}", "anna@example.org"),
        vote(f"Hilfreich: nein – /{article}", "bernd@example.org", body="Es fehlte X."),
        # Hostile: a forged path, HTML in the path, and a flood from one sender (300 here,
        # read through Dovecot; 10,000 in the store's own test above).
        vote("Hilfreich: nein – /gibt-es-nicht/", "dora@example.org"),
        vote("Hilfreich: nein – /<b>fett</b>/", "dora@example.org"),
    ]
    flood = (
        vote(f"Hilfreich: ja – /{article}", "spam@example.org", body=f"Nr. {n}") for n in range(300)
    )
    imap.append(votes)
    assert imap.write_maildir(flood) == 300
    env = {**imap.env(), "RUNDBRIEF_UNSUBSCRIBE_SECRET": SECRET}

    result = cli(example_project, "feedback", env=env)

    assert result.exit_code == 0, result.stderr
    assert "307 Stimmen zu Artikeln" in result.stdout
    assert "Nicht gezählte Stimmen" in result.stdout and ": 2." in result.stdout
    report = cli(example_project, "report")
    assert report.exit_code == 0, report.stderr
    folder = example_project / "build" / "reports"
    page = (folder / "bericht.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="hilfreich">') : page.index('<section id="oeffnungen">')]
    # Least helpful first: Auszahlung 1 of 3 (the flood counted once), PayPal 2 of 3.
    assert section.index(f"/{article}") < section.index(f"/{PAYPAL}")
    assert "gibt-es-nicht" not in page and "fett" not in page
    assert "@example.org" not in page
    csv = (folder / "hilfreich.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert csv[0] == "Artikel;Adresse;hilfreich;nicht hilfreich;Anteil hilfreich in %"
    assert csv[1].split(";")[1:] == [f"/{article}", "1", "2", "33,3333"]
    assert csv[2].split(";")[1:] == [f"/{PAYPAL}", "2", "1", "66,6667"]
    assert len(csv) == 3

    # Read again: nothing counted twice.
    again = cli(example_project, "feedback", env=env)
    assert again.exit_code == 0, again.stderr
    with SuppressionStore(example_project / ".rundbrief" / "suppression.sqlite") as store:
        assert store.vote_counts() == [(article, 1, 2), (PAYPAL, 2, 1)]
