"""The From domain's SPF, DKIM and DMARC records, as Gmail's and Yahoo's bulk-sender rules ask.

Each check reads TXT records through ``lookup`` (``dnsrecords.txt_records``: untrusted text,
only compared and shown) and gives one ``Finding``; a failing one names the exact record to
publish. SPF is checked where receivers check it: at the envelope sender's domain (the
domain of ``newsletter.bounce_address``, else of the From address).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from generator.core.i18n import _
from generator.doctor.dnsrecords import DnsUnanswered, shown
from generator.doctor.findings import Finding, fail, hint, ok

Lookup = Callable[[str], list[str]]
"""Name → its TXT records (raises DnsUnanswered when DNS does not answer)."""
DOMAIN_MECHANISMS = ("include:", "a:", "mx:", "exists:", "redirect=")


def organisational(domain: str) -> str:
    """The registered domain (its last two labels; enough for .de, .com, .org and the like)."""
    return ".".join(domain.lower().rstrip(".").split(".")[-2:])


def tags(record: str) -> dict[str, str]:
    """A tag=value list (DKIM, DMARC) as a dict; names lower-cased, spaces around values gone."""
    found: dict[str, str] = {}
    for part in record.split(";"):
        name, equals, value = part.partition("=")
        if equals:
            found.setdefault(name.strip().lower(), value.strip())
    return found


def publish(name: str, value: str) -> str:
    """The next step: a TXT record to publish, exactly."""
    return _('publish in DNS: TXT record at {name} with the value "{value}"').format(
        name=name, value=value
    )


def _unanswered(topic: str, error: DnsUnanswered) -> Finding:
    return fail(
        topic,
        str(error),
        _("check the network and the name server (or RUNDBRIEF_DNS_SERVER), then run again"),
    )


def check_spf(domain: str, wanted: str, setting_given: bool, lookup: Lookup) -> Finding:
    """Whether ``domain``'s one SPF record authorises the relay (``wanted``: include or host)."""
    try:
        records = [r for r in lookup(domain) if r.lower().split(" ")[0] == "v=spf1"]
    except DnsUnanswered as error:
        return _unanswered("SPF", error)
    needed = _mechanism(wanted)
    if not records:
        return fail(
            "SPF",
            _("no SPF record at {domain}").format(domain=domain),
            publish(domain, f"v=spf1 {needed} ~all"),
        )
    if len(records) > 1:
        return fail(
            "SPF",
            _("{count} SPF records at {domain}; receivers then reject SPF (permerror)").format(
                count=len(records), domain=domain
            ),
            _("merge them into one record: {fix}").format(fix=_add(domain, records[0], needed)),
        )
    record = records[0]
    terms = record.split()[1:]
    if any(term.lower() in ("+all", "all") for term in terms):
        return fail(
            "SPF",
            _("the SPF record of {domain} allows every server in the world (+all)").format(
                domain=domain
            ),
            _add(domain, " ".join(t for t in terms if t.lower() not in ("+all", "all")), needed),
        )
    if _authorises(terms, wanted, exact=setting_given):
        return ok(
            "SPF",
            _("{domain} allows the relay ({needed}): {record}").format(
                domain=domain, needed=needed, record=shown(record)
            ),
        )
    fix = _add(domain, record, needed)
    if not setting_given:
        fix = _(
            "set newsletter.spf_include to the SPF domain your relay names (e.g. "
            "spf.relay.example), or {fix}"
        ).format(fix=fix)
    return fail(
        "SPF",
        _(
            "wrong SPF include: the record of {domain} does not allow the relay ({needed} is "
            "missing); found: {record}"
        ).format(domain=domain, needed=needed, record=shown(record)),
        fix,
    )


def _mechanism(wanted: str) -> str:
    """The SPF term that allows ``wanted``: ip4:/ip6: for an address, include: for a name."""
    try:
        address = ipaddress.ip_address(wanted)
    except ValueError:
        return f"include:{wanted}"
    return f"ip{address.version}:{address}"


def _authorises(terms: list[str], wanted: str, *, exact: bool) -> bool:
    """Whether a term names ``wanted`` (the setting exactly; a relay host by its domain)."""
    try:
        address = ipaddress.ip_address(wanted)
    except ValueError:
        address = None
    for term in terms:
        term = term.lower().lstrip("+?~")
        if address is not None and term.startswith(("ip4:", "ip6:")):
            try:
                if address in ipaddress.ip_network(term[4:], strict=False):
                    return True
            except ValueError:
                continue
        for prefix in DOMAIN_MECHANISMS:
            if address is None and term.startswith(prefix):
                named = term[len(prefix) :].split("/")[0].rstrip(".")
                if named == wanted.lower().rstrip(".") or (
                    not exact and organisational(named) == organisational(wanted)
                ):
                    return True
    return False


def _suggested(record: str, needed: str) -> str | None:
    """``record`` with ``needed`` added before its all/redirect term; None if it cannot be shown
    whole (too long, or not plain ASCII): nobody should publish a record cut short."""
    if shown(record) != " ".join(record.split()):
        return None
    terms = [t for t in record.split() if t.lower() != "v=spf1"]
    ends = [t for t in terms if t.lower().lstrip("+?~-") == "all" or t.startswith("redirect=")]
    middle = [t for t in terms if t not in ends]
    if needed.lower() not in (t.lower() for t in middle):
        middle.append(needed)
    return " ".join(["v=spf1", *middle, *(ends or ["~all"])])


def _add(domain: str, record: str, needed: str) -> str:
    """The next step for an SPF record that lacks ``needed``."""
    suggested = _suggested(record, needed)
    if suggested is None:
        return _("add {needed} to the SPF record of {domain}, before its all term").format(
            needed=needed, domain=domain
        )
    return publish(domain, suggested)


def public_key_bits(p: str) -> int | None:
    """The size of the RSA key in a DKIM record's p= (None if it is no RSA key)."""
    try:
        key = load_der_public_key(base64.b64decode("".join(p.split()), validate=True))
    except (ValueError, binascii.Error, TypeError):
        return None
    return key.key_size if isinstance(key, rsa.RSAPublicKey) else None


def check_dkim(domain: str, selector: str, lookup: Lookup, own_key: str | None) -> Finding:
    """Whether a DKIM key is published at ``selector._domainkey.domain`` (and is ours, if we sign)."""
    if not selector:
        return fail(
            "DKIM",
            _("newsletter.dkim_selector is not set: the DKIM key cannot be checked"),
            _(
                "set newsletter.dkim_selector in rundbrief.yml to the selector your relay signs "
                "with (its set-up page names it), or let rundbrief sign "
                "(RUNDBRIEF_DKIM_PRIVATE_KEY)"
            ),
        )
    name = f"{selector}._domainkey.{domain}"
    wanted = f"v=DKIM1; k=rsa; p={own_key}" if own_key else ""
    try:
        records = [tags(r) for r in lookup(name)]
    except DnsUnanswered as error:
        return _unanswered("DKIM", error)
    keys = [r for r in records if "p" in r]
    if not keys:
        return fail(
            "DKIM",
            _("no DKIM key at {name}").format(name=name),
            publish(name, wanted)
            if wanted
            else _("publish the DKIM record your relay shows for selector {selector}").format(
                selector=selector
            ),
        )
    p = "".join(keys[0]["p"].split())
    bits = public_key_bits(p)
    if bits is None:
        return fail(
            "DKIM",
            _("the DKIM record at {name} holds no usable RSA key (p={key})").format(
                name=name, key=shown(p) or _("empty: revoked")
            ),
            publish(name, wanted) if wanted else _("publish the record your relay shows again"),
        )
    if own_key and p != own_key:
        return fail(
            "DKIM",
            _("the key at {name} is not the public half of RUNDBRIEF_DKIM_PRIVATE_KEY").format(
                name=name
            ),
            publish(name, wanted),
        )
    if bits < 1024:
        return fail(
            "DKIM",
            _("the DKIM key at {name} has only {bits} bits").format(name=name, bits=bits),
            _("create a 2048-bit key and publish it"),
        )
    return ok("DKIM", _("key at {name} (RSA, {bits} bits)").format(name=name, bits=bits))


def check_dmarc(domain: str, lookup: Lookup) -> Finding:
    """Whether the From domain has a DMARC record with p= none or stricter, and reports (rua)."""
    organisation = organisational(domain)
    names = [f"_dmarc.{domain}"]
    if organisation != domain.lower():
        names.append(f"_dmarc.{organisation}")  # receivers fall back to the registered domain
    wanted = f"v=DMARC1; p=none; rua=mailto:dmarc@{organisation}"
    try:
        for name in names:
            records = [r for r in lookup(name) if tags(r).get("v", "").upper() == "DMARC1"]
            if records:
                return _dmarc_record(name, records, organisation)
    except DnsUnanswered as error:
        return _unanswered("DMARC", error)
    return fail(
        "DMARC",
        _(
            "no DMARC record at {name}: Gmail and Yahoo refuse bulk mail from domains without one"
        ).format(name=names[-1]),
        publish(names[-1], wanted),
    )


def _dmarc_record(name: str, records: list[str], organisation: str) -> Finding:
    if len(records) > 1:
        return fail(
            "DMARC",
            _("{count} DMARC records at {name}; receivers then ignore them all").format(
                count=len(records), name=name
            ),
            _("keep only one: {fix}").format(fix=publish(name, shown(records[0]))),
        )
    found = tags(records[0])
    policy = found.get("p", "").lower()
    if policy not in ("none", "quarantine", "reject"):
        return fail(
            "DMARC",
            _(
                "the DMARC record at {name} has no valid p= (none, quarantine or reject): {record}"
            ).format(name=name, record=shown(records[0])),
            publish(name, f"v=DMARC1; p=none; rua=mailto:dmarc@{organisation}"),
        )
    if not found.get("rua"):
        return hint(
            "DMARC",
            _("{name}: p={policy}, but no reports (rua=)").format(name=name, policy=policy),
            publish(name, shown(f"{records[0].rstrip('; ')}; rua=mailto:dmarc@{organisation}")),
        )
    return ok(
        "DMARC",
        _("{name}: p={policy}, reports to {rua}").format(
            name=name, policy=policy, rua=shown(found["rua"])
        ),
    )


def check_alignment(from_domain: str, envelope_domain: str) -> Finding | None:
    """A hint when the envelope domain does not align with From (DMARC then rests on DKIM)."""
    if organisational(from_domain) == organisational(envelope_domain):
        return None
    return hint(
        "SPF",
        _(
            "the envelope sender's domain {envelope} does not belong to the From domain "
            "{domain}: DMARC then passes only through DKIM"
        ).format(envelope=envelope_domain, domain=from_domain),
        _("use a bounce address under {domain} (newsletter.bounce_address)").format(
            domain=organisational(from_domain)
        ),
    )
