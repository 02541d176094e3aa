"""The SPF, DKIM and DMARC rules of `rundbrief doctor` one by one, and the DNS door's promise
for any answer (the records are given directly; tests/test_doctor.py asks a real DNS server)."""

from __future__ import annotations

import re

from dns_helpers import public
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.doctor.dnsrecords import MAX_SHOWN, DnsUnanswered, shown
from generator.doctor.domain import check_alignment, check_dkim, check_dmarc, check_spf


def zone(records: dict[str, list[str]]):
    """A lookup over ``records`` (a name missing: no records)."""
    return lambda name: records.get(name, [])


def test_spf_without_the_setting_accepts_a_term_of_the_relays_domain() -> None:
    lookup = zone({"b.example.org": ["v=spf1 include:_spf.relay.example ~all"]})
    assert check_spf("b.example.org", "smtp.relay.example", False, lookup).status == "ok"
    refused = check_spf("b.example.org", "smtp.other.example", False, lookup)
    assert refused.status == "fail" and "newsletter.spf_include" in refused.fix


def test_spf_with_the_setting_wants_exactly_that_include() -> None:
    lookup = zone({"b.example.org": ["v=spf1 include:_spf.relay.example ~all"]})
    found = check_spf("b.example.org", "spf.relay.example", True, lookup)
    assert found.status == "fail"
    assert '"v=spf1 include:_spf.relay.example include:spf.relay.example ~all"' in found.fix


def test_spf_for_a_relay_given_by_address_wants_its_network() -> None:
    lookup = zone({"b.example.org": ["v=spf1 ip4:192.0.2.0/24 -all"]})
    assert check_spf("b.example.org", "192.0.2.7", False, lookup).status == "ok"
    found = check_spf("b.example.org", "198.51.100.1", False, lookup)
    assert found.status == "fail" and "ip4:198.51.100.1" in found.fix


def test_spf_mistakes_that_break_it_for_everyone() -> None:
    two = zone({"b.example.org": ["v=spf1 -all", "v=spf1 include:x.example -all"]})
    assert "permerror" in check_spf("b.example.org", "x.example", True, two).message
    open_to_all = zone({"b.example.org": ["v=spf1 include:x.example +all"]})
    found = check_spf("b.example.org", "x.example", True, open_to_all)
    assert found.status == "fail" and '"v=spf1 include:x.example ~all"' in found.fix
    none = check_spf("b.example.org", "x.example", True, zone({}))
    assert none.status == "fail" and '"v=spf1 include:x.example ~all"' in none.fix


def test_dkim_tells_a_revoked_key_and_a_short_one(dkim_key) -> None:
    name = "s1._domainkey.example.org"
    revoked = check_dkim("example.org", "s1", zone({name: ["v=DKIM1; p="]}), None)
    assert revoked.status == "fail" and "widerrufen" in revoked.message
    good = zone({name: [f"v=DKIM1; k=rsa; p={public(dkim_key)}"]})
    assert check_dkim("example.org", "s1", good, public(dkim_key)).status == "ok"
    assert check_dkim("example.org", "", good, None).status == "fail"


def test_dmarc_falls_back_to_the_registered_domain_and_wants_reports() -> None:
    parent = zone({"_dmarc.example.org": ["v=DMARC1; p=quarantine"]})
    found = check_dmarc("news.example.org", parent)
    assert found.status == "hint" and "rua=mailto:dmarc@example.org" in found.fix
    wrong = zone({"_dmarc.example.org": ["v=DMARC1; p=maybe; rua=mailto:d@example.org"]})
    assert check_dmarc("example.org", wrong).status == "fail"


def test_an_unanswered_question_is_a_failure_not_an_absence() -> None:
    def silent(name: str) -> list[str]:
        raise DnsUnanswered(f"keine DNS-Antwort für {name}")

    for found in (
        check_spf("b.example.org", "x.example", True, silent),
        check_dkim("example.org", "s1", silent, None),
        check_dmarc("example.org", silent),
    ):
        assert found.status == "fail" and "keine DNS-Antwort" in found.message


def test_alignment_hint_only_for_a_foreign_envelope_domain() -> None:
    assert check_alignment("example.org", "bounces.example.org") is None
    found = check_alignment("example.org", "bounces.relay.example")
    assert found is not None and found.status == "hint"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=6000))
def test_any_answer_is_shown_as_short_printable_ascii(data: bytes) -> None:
    """Whatever bytes a name server sends, what is printed is one short line of ASCII."""
    text = shown(data.decode("utf-8", "replace"))
    assert re.fullmatch(r"[ -~]*…?", text), repr(text)
    assert len(text) <= MAX_SHOWN and "\x1b" not in text
