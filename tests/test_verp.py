"""VERP envelope senders and unsubscribe tokens: built, read back, forgeries refused."""

from __future__ import annotations

import pytest

from generator.members.recipients import unsubscribe_token
from generator.members.verp import Verp, parse_verp, read_unsubscribe_token, verp_address

SECRET = b"verp-secret-for-tests-0123456789"
BOUNCE = "bounce@bounces.mitgliederwerk.example"
SLUG = "2026-11-02-monatsupdate-november"


def test_a_verp_address_names_member_and_newsletter_and_reads_back():
    address = verp_address(BOUNCE, SECRET, "Anna.Muster@Example.org", SLUG)

    local, domain = address.split("@")
    assert domain == "bounces.mitgliederwerk.example"
    assert local.startswith(f"bounce+{SLUG}+")
    assert local.endswith("+anna.muster=example.org")
    assert len(local.split("+")[2]) == 16  # 80-bit signature, base32
    assert parse_verp(BOUNCE, SECRET, address) == Verp("anna.muster@example.org", SLUG)
    # As a header shows it, and after a server upper-cased it.
    assert parse_verp(BOUNCE, SECRET, f"Mitgliederwerk <{address}>") == Verp(
        "anna.muster@example.org", SLUG
    )
    assert parse_verp(BOUNCE, SECRET, address.upper()) == Verp("anna.muster@example.org", SLUG)


@pytest.mark.parametrize(
    "member", ["anna+news@example.org", "o'brien=x@example.org", "a_b-c@sub.example.co.uk"]
)
def test_plus_equals_and_quotes_in_the_member_address_survive(member):
    address = verp_address(BOUNCE, SECRET, member, SLUG)
    assert parse_verp(BOUNCE, SECRET, address) == Verp(member, SLUG)


def test_forged_or_foreign_addresses_are_refused():
    real = verp_address(BOUNCE, SECRET, "anna@example.org", SLUG)
    local, domain = real.split("@")
    base, slug, signature, member = local.split("+", 3)
    wrong = "a" if signature[0] != "a" else "b"
    forgeries = [
        f"{base}+{slug}+{wrong}{signature[1:]}+{member}@{domain}",  # signature changed
        f"{base}+{slug}+{signature}+bernd=example.org@{domain}",  # another member
        f"{base}+2026-12-01-andere+{signature}+{member}@{domain}",  # another newsletter
        f"{local}@bounces.fremd.example",  # another domain
        f"bounces+{slug}+{signature}+{member}@{domain}",  # another base address
        f"{base}+{slug}+{signature}@{domain}",  # no member
        "bounce@bounces.mitgliederwerk.example",
        "",
    ]
    for forged in forgeries:
        assert parse_verp(BOUNCE, SECRET, forged) is None, forged
    assert parse_verp(BOUNCE, b"another-secret-0123456789", real) is None


def test_addresses_a_local_part_cannot_carry_fall_back_to_the_bounce_address():
    assert verp_address(BOUNCE, SECRET, "a..b@example.org", SLUG) == BOUNCE
    assert verp_address(BOUNCE, SECRET, "anna@example.org", "Entwurf mit Leerzeichen") == BOUNCE


def test_unsubscribe_tokens_read_back_and_forgeries_are_refused():
    token = unsubscribe_token(SECRET, "Anna@Example.org")
    assert read_unsubscribe_token(SECRET, token) == "anna@example.org"
    encoded, signature = token.split(".")
    other = unsubscribe_token(SECRET, "bernd@example.org").split(".")[0]
    for forged in (f"{other}.{signature}", f"{encoded}.{signature[:-2]}AA", encoded, "", "x.y"):
        assert read_unsubscribe_token(SECRET, forged) is None, forged
    assert read_unsubscribe_token(b"another-secret-0123456789", token) is None
