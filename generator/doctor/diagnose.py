"""All of `rundbrief doctor` on one screen: secrets, servers, members, unsubscribe, the domain."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TypeVar

from generator.core.i18n import _
from generator.core.problems import UsageError
from generator.core.settings import Project
from generator.doctor import connections, domain
from generator.doctor.dnsrecords import resolver, txt_records
from generator.doctor.findings import Finding, fail, hint, ok, skip
from generator.feedback.mailbox import ImapConfig, imap_config
from generator.members.recipients import SECRET_VARIABLE, unsubscribe_secret
from generator.members.source import members_source
from generator.sending.dkim import KEY_VARIABLE, DkimError, DkimSigner, dkim_signer
from generator.sending.transport import SmtpConfig, is_loopback, smtp_config

T = TypeVar("T")
GUIDE = "docs/seiten/betrieb/einrichten.md"
"""Where the operator reads how to set each secret (named in every 'set it' step)."""


def diagnose(
    project: Project, env: Mapping[str, str] | None = None, members: Path | str | None = None
) -> list[Finding]:
    """Every check a send depends on, in the order a person fixes them."""
    env = os.environ if env is None else env
    findings: list[Finding] = []
    smtp, imap, signer = _secrets(project, env, findings)
    if smtp is not None:
        findings.append(connections.check_smtp(smtp))
    if imap is not None:
        findings.append(connections.check_imap(imap, project.settings.feedback.folder))
    state = env.get(connections.STATE_VARIABLE, "")
    findings.append(
        connections.check_state(state)
        if state
        else skip(
            _("State"),
            _("{variable} not set: journal and suppression list stay on this machine").format(
                variable=connections.STATE_VARIABLE
            ),
        )
    )
    findings.append(_members(project, env, members))
    secret = env.get(SECRET_VARIABLE, "").encode("utf-8") or None
    mailbox_user = env.get("RUNDBRIEF_IMAP_USER", "")
    findings.append(connections.check_unsubscribe(project, secret, mailbox_user))
    findings.extend(_domain(project, env, signer))
    return findings


def _missing(names: list[str], env: Mapping[str, str]) -> list[str]:
    return [name for name in names if not env.get(name)]


def set_it(names: list[str]) -> str:
    """The next step for missing variables: which, and where to read how."""
    return _("set {names} (a repository secret on GitHub; see {guide})").format(
        names=", ".join(names), guide=GUIDE
    )


def _secrets(
    project: Project, env: Mapping[str, str], findings: list[Finding]
) -> tuple[SmtpConfig | None, ImapConfig | None, DkimSigner | None]:
    """Whether every variable the send, feedback and signing need is set and well-formed."""
    # A relay on this machine (a Postfix beside a self-hosted runner) may take mail without log-in.
    local = is_loopback(env.get("RUNDBRIEF_SMTP_HOST", ""))
    smtp_login = [] if local else ["RUNDBRIEF_SMTP_USER", "RUNDBRIEF_SMTP_PASSWORD"]
    missing = _missing(
        [
            "RUNDBRIEF_SMTP_HOST",
            *smtp_login,
            "RUNDBRIEF_IMAP_HOST",
            "RUNDBRIEF_IMAP_USER",
            "RUNDBRIEF_IMAP_PASSWORD",
            SECRET_VARIABLE,
        ],
        env,
    )
    wrong: list[Finding] = []
    smtp = _read(smtp_config, env, wrong) if env.get("RUNDBRIEF_SMTP_HOST") else None
    imap = _read(imap_config, env, wrong) if env.get("RUNDBRIEF_IMAP_HOST") else None
    if env.get(SECRET_VARIABLE):
        _read(unsubscribe_secret, env, wrong)
    signer: DkimSigner | None = None
    for variable in ("RUNDBRIEF_SMTP_CA_FILE", "RUNDBRIEF_IMAP_CA_FILE"):
        unreadable = connections.configured_ca(env, variable)
        if unreadable:
            wrong.append(unreadable)
    newsletter = project.settings.newsletter
    try:
        signer = dkim_signer(newsletter.dkim_selector, newsletter.from_address, env)
    except DkimError as error:
        wrong.append(
            fail(
                "DKIM",
                str(error),
                _("set newsletter.dkim_selector, or correct {variable} (see {guide})").format(
                    variable=KEY_VARIABLE, guide=GUIDE
                ),
            )
        )
    if missing:
        findings.append(
            fail(
                _("Secrets"),
                _("missing: {names}").format(names=", ".join(missing)),
                set_it(missing),
            )
        )
    elif not wrong:
        findings.append(ok(_("Secrets"), _("every variable a send and the feedback need is set")))
    findings.extend(wrong)
    if smtp is not None and not local and not (smtp.user and smtp.password):
        smtp = None  # (reported missing above) no log-in to try
    if imap is not None and not (imap.user and imap.password):
        imap = None
    return smtp, imap, signer


def _read(
    read: Callable[[Mapping[str, str]], T], env: Mapping[str, str], wrong: list[Finding]
) -> T | None:
    """What ``read`` makes of the variables; None (and why, in ``wrong``) if they are wrong."""
    try:
        return read(env)
    except UsageError as error:
        wrong.append(
            fail(
                _("Secrets"), str(error), _("correct this value (see {guide})").format(guide=GUIDE)
            )
        )
        return None


def _members(project: Project, env: Mapping[str, str], given: Path | str | None) -> Finding:
    try:
        source = members_source(project, given, env)  # as send, kits, report and review
    except UsageError as error:
        return fail(_("Members"), str(error), _("correct --members / RUNDBRIEF_MEMBERS_FILE"))
    if source is None:
        return hint(
            _("Members"),
            _("no members source configured: nothing to count"),
            _(
                "pass --members FILE or an https:// URL, or set RUNDBRIEF_MEMBERS_FILE, "
                "members.query or review.members_file"
            ),
        )
    return connections.check_members(source)


def _domain(project: Project, env: Mapping[str, str], signer: DkimSigner | None) -> list[Finding]:
    """SPF at the envelope domain, DKIM and DMARC at the From domain."""
    newsletter = project.settings.newsletter
    from_domain = newsletter.from_address.rpartition("@")[2].lower()
    envelope = (newsletter.bounce_address or newsletter.from_address).rpartition("@")[2].lower()
    try:
        lookup = partial(txt_records, dns_resolver=resolver(env))
    except UsageError as error:
        return [fail("DNS", str(error), _("correct RUNDBRIEF_DNS_SERVER or remove it"))]
    findings: list[Finding] = []
    wanted = newsletter.spf_include or env.get("RUNDBRIEF_SMTP_HOST", "")
    if wanted:
        findings.append(domain.check_spf(envelope, wanted, bool(newsletter.spf_include), lookup))
    else:
        findings.append(
            fail(
                "SPF",
                _("cannot tell which relay SPF must allow"),
                _("set newsletter.spf_include to the SPF domain your relay names"),
            )
        )
    aligned = domain.check_alignment(from_domain, envelope)
    if aligned:
        findings.append(aligned)
    own_key = signer.public_key() if signer else None
    findings.append(domain.check_dkim(from_domain, newsletter.dkim_selector, lookup, own_key))
    findings.append(domain.check_dmarc(from_domain, lookup))
    return findings
