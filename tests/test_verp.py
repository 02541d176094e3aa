"""VERP envelope senders and unsubscribe tokens: built, read back, forgeries refused."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.core.sections.newsletter import bounce_base
from generator.members.recipients import unsubscribe_token
from generator.members.verp import (
    Verp,
    legacy_verp_address,
    message_token,
    new_message_id,
    parse_verp,
    read_unsubscribe_token,
    verp_address,
)
from generator.sending.journal import Journal

SECRET = b"verp-secret-for-tests-0123456789"
BOUNCE = "bounce@bounces.mitgliederwerk.example"
SLUG = "2026-11-02-monatsupdate-november"


def test_a_verp_address_carries_the_message_token_within_64_characters():
    message_id = new_message_id(SLUG, "mitgliederwerk.example")
    token = message_token(message_id)
    address = verp_address(BOUNCE, SECRET, token)

    local, domain = address.split("@")
    assert domain == "bounces.mitgliederwerk.example"
    assert local == f"bounce+{token}-{local[-10:]}" and len(local) == 38
    assert parse_verp(BOUNCE, SECRET, address) == Verp(token=token)
    # As a header shows it, and after a server upper-cased it.
    assert parse_verp(BOUNCE, SECRET, f"Mitgliederwerk <{address}>") == Verp(token=token)
    assert parse_verp(BOUNCE, SECRET, address.upper()) == Verp(token=token)


def test_forged_or_foreign_addresses_are_refused():
    token = message_token(new_message_id(SLUG, "mitgliederwerk.example"))
    real = verp_address(BOUNCE, SECRET, token)
    local, domain = real.split("@")
    base, signed = local.split("+")
    token, signature = signed.split("-")
    other = message_token(new_message_id(SLUG, "mitgliederwerk.example"))
    wrong = "a" if signature[0] != "a" else "b"
    forgeries = [
        f"{base}+{token}-{wrong}{signature[1:]}@{domain}",  # signature changed
        f"{base}+{other}-{signature}@{domain}",  # another message's token
        f"{local}@bounces.fremd.example",  # another domain
        f"bounces+{signed}@{domain}",  # another base address
        f"{base}+{token}@{domain}",  # no signature
        f"{base}+{token}-{signature}x@{domain}",
        "bounce@bounces.mitgliederwerk.example",
        "",
    ]
    for forged in forgeries:
        assert parse_verp(BOUNCE, SECRET, forged) is None, forged
    assert parse_verp(BOUNCE, b"another-secret-0123456789", real) is None


def test_without_a_token_of_ours_the_bounce_address_itself():
    assert verp_address(BOUNCE, SECRET, "") == BOUNCE
    assert verp_address(BOUNCE, SECRET, message_token("<fremd@example.org>")) == BOUNCE
    assert verp_address("b" * 40 + "@x.example", SECRET, "0" * 20) == "b" * 40 + "@x.example"


def test_a_base_address_too_long_for_the_token_is_a_problem_in_the_settings():
    assert bounce_base("b" * 32 + "@bounces.example") is None
    problem = bounce_base("b" * 33 + "@bounces.example")
    assert problem is not None and "32" in problem
    assert bounce_base("keine-adresse") is not None


def test_the_earlier_versions_addresses_are_still_read():
    address = legacy_verp_address(BOUNCE, SECRET, "Anna+News@Example.org", SLUG)
    assert parse_verp(BOUNCE, SECRET, address) == Verp("anna+news@example.org", SLUG)
    local, domain = address.split("@")
    base, slug, signature, member = local.split("+", 3)
    wrong = "a" if signature[0] != "a" else "b"
    for forged in (
        f"{base}+{slug}+{wrong}{signature[1:]}+{member}@{domain}",
        f"{base}+{slug}+{signature}+bernd=example.org@{domain}",
        f"{base}+2026-12-01-andere+{signature}+{member}@{domain}",
    ):
        assert parse_verp(BOUNCE, SECRET, forged) is None, forged


# Member addresses as a sign-up form lets them through: up to 254 characters, unicode, quotes.
hostile_addresses = st.builds(
    lambda local, domain: f"{local}@{domain}",
    st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        min_size=1,
        max_size=64,
    )
    | st.sampled_from(['"o\'brien x"', "anna+news", "a..b", "zoë", "x" * 64]),
    st.text(
        st.characters(whitelist_categories=("Ll", "Nd"), whitelist_characters=".-"),
        min_size=1,
        max_size=189,
    ),  # fmt: skip
)
bases = st.builds(
    lambda local, domain: f"{local}@{domain}",
    st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,31}", fullmatch=True).filter(
        lambda s: ".." not in s and not s.endswith(".")
    ),
    st.sampled_from(["bounces.example", "b.mitgliederwerk.example", "x.y"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(address=hostile_addresses, base=bases, newsletter=st.sampled_from([SLUG, "2026-12-01-a"]))
def test_any_member_and_any_base_round_trip_through_the_journal_within_64(
    tmp_path, address, base, newsletter
):
    folder = tempfile.mkdtemp(dir=tmp_path)  # a fresh journal for each example
    with Journal(Path(folder) / "journal.sqlite") as journal:
        message_id = new_message_id(newsletter, "mitgliederwerk.example")
        journal.plan(newsletter, [(address, message_id)], "c0ffee")
        journal.mark(newsletter, address, "sent")
        journal.save()

        verp = verp_address(base, SECRET, message_token(message_id))
        local = verp.rpartition("@")[0]
        assert len(local) <= 64 and verp != base
        read = parse_verp(base, SECRET, verp)
        assert read is not None
        found = journal.sent_token(read.token)
        assert found is not None
        assert (found.newsletter, found.address, found.message_id) == (
            newsletter,
            address,
            message_id,
        )
        # A forged signature is refused; another token names no row.
        token, signature = local.rsplit("+", 1)[1].split("-")
        forged = f"{local[: -len(signature)]}{'a' if signature[0] != 'a' else 'b'}{signature[1:]}"
        assert parse_verp(base, SECRET, f"{forged}@{verp.rpartition('@')[2]}") is None
        assert journal.sent_token(("0" if token[0] != "0" else "1") + token[1:]) is None


def test_unsubscribe_tokens_read_back_and_forgeries_are_refused():
    token = unsubscribe_token(SECRET, "Anna@Example.org")
    assert read_unsubscribe_token(SECRET, token) == "anna@example.org"
    encoded, signature = token.split(".")
    other = unsubscribe_token(SECRET, "bernd@example.org").split(".")[0]
    for forged in (f"{other}.{signature}", f"{encoded}.{signature[:-2]}AA", encoded, "", "x.y"):
        assert read_unsubscribe_token(SECRET, forged) is None, forged
    assert read_unsubscribe_token(b"another-secret-0123456789", token) is None


def test_a_journal_of_the_earlier_shape_gains_the_indexed_token_column(tmp_path):
    path = tmp_path / "journal.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE deliveries (newsletter TEXT NOT NULL, recipient TEXT NOT NULL,"
        " state TEXT NOT NULL, message_id TEXT NOT NULL, reply TEXT NOT NULL DEFAULT '',"
        " commit_sha TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, sent_at TEXT,"
        " PRIMARY KEY (newsletter, recipient));"
        f"INSERT INTO deliveries VALUES ('{SLUG}', 'anna@example.org', 'sent',"
        " '<x.0123456789abcdef0123@m.example>', '', '', 1, '2026-11-02T08:00:00+00:00',"
        " '2026-11-02T08:00:00+00:00', '2026-11-02T08:00:00+00:00');"
    )
    old.close()

    with Journal(path) as journal:
        columns = {row[1] for row in journal.db.execute("PRAGMA table_info(deliveries)")}
        plan = journal.db.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM deliveries WHERE token = 'x'"
        ).fetchall()
        assert "token" in columns and "deliveries_token" in str(plan)
        # The row planned before has no token: its bounces carry the earlier addresses.
        assert journal.sent_token("0123456789abcdef0123") is None
        assert journal.sent(SLUG, "anna@example.org") is not None


def test_check_names_a_bounce_address_too_long_for_the_token(example_project, cli):
    settings = example_project / "rundbrief.yml"
    text = settings.read_text(encoding="utf-8")
    long_base = "ruecklaeufer-des-mitgliederwerks-1@bounces.mitgliederwerk.example"  # 34 before @
    settings.write_text(
        text.replace("bounce@bounces.mitgliederwerk.example", long_base), encoding="utf-8"
    )
    line = text[: text.index("bounce_address:")].count("\n") + 1

    result = cli(example_project, "check")

    assert result.exit_code == 1
    assert (
        f"rundbrief.yml:{line}: newsletter.bounce_address: erwartet höchstens 32 Zeichen vor "
        "dem @" in result.stderr
    ), result.stderr
