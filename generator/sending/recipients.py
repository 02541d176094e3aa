"""Who receives a newsletter: consenting members of the audience, minus suppressed addresses."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.i18n import N_, _, ngettext, number
from generator.core.problems import Problem, UsageError
from generator.core.settings import Project
from generator.newsletter.email import share_link
from generator.newsletter.unsubscribe import unsubscribe_link
from generator.sending.members import Member

EVERYONE = "alle"
"""The audience that means every consenting member."""
SECRET_VARIABLE = "RUNDBRIEF_UNSUBSCRIBE_SECRET"

REASONS = {
    "invalid": N_("{count} with an invalid row"),
    "consent": N_("{count} without confirmed consent"),
    "unsubscribed": N_("{count} unsubscribed"),
    "suppressed": N_("{count} suppressed (bounce or complaint)"),
    "unsubscribed_by_mail": N_("{count} unsubscribed by email"),
    "hard_bounce": N_("{count} suppressed after a hard bounce"),
    "soft_bounces": N_("{count} suppressed after repeated soft bounces"),
    "complaint": N_("{count} suppressed after a complaint"),
    "audience": N_("{count} not in the audience"),
}
SUPPRESSION_REASONS = {
    "unsubscribed_by_mail": N_("unsubscribed by email"),
    "hard_bounce": N_("hard bounce"),
    "soft_bounces": N_("repeated soft bounces"),
    "complaint": N_("complaint"),
}
"""Why the suppression store holds an address (see ``sending/suppression.py``)."""


@dataclass(frozen=True)
class Selection:
    """The recipients, and why the others are left out (each with its row)."""

    recipients: tuple[Member, ...]
    excluded: Counter[str] = field(default_factory=Counter)
    problems: tuple[Problem, ...] = ()

    def summary(self) -> str:
        """'1,204 recipients, 37 excluded: 12 without confirmed consent, …'."""
        head = ngettext("{count} recipient", "{count} recipients", len(self.recipients)).format(
            count=number(len(self.recipients))
        )
        total = sum(self.excluded.values())
        if not total:
            return _("{recipients}, none excluded").format(recipients=head)
        parts = [
            _(text).format(count=number(self.excluded[key]))
            for key, text in REASONS.items()
            if self.excluded[key]
        ]
        return _("{recipients}, {count} excluded: {reasons}").format(
            recipients=head, count=number(total), reasons=", ".join(parts)
        )


def _instant(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def consent_problem(member: Member) -> tuple[str, str] | None:
    """(reason, message) if ``member`` may not be mailed, else None."""
    if member.unsubscribed_at:
        return "unsubscribed", _("unsubscribed at {time}").format(time=member.unsubscribed_at)
    opted, confirmed = _instant(member.opt_in_at), _instant(member.confirmed_at)
    if opted is None:
        return "consent", _("opt_in_at: no sign-up time ({value})").format(
            value=member.opt_in_at or _("empty")
        )
    if confirmed is None:
        return "consent", _("confirmed_at: consent not confirmed ({value})").format(
            value=member.confirmed_at or _("empty")
        )
    if confirmed < opted:
        return "consent", _("confirmed_at is before opt_in_at: no valid double opt-in")
    return None


def read_suppressed(paths: Iterable[Path]) -> set[str]:
    """Addresses from suppression files: one per line, or the first column of a CSV export."""
    addresses: set[str] = set()
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(
                _("cannot read the suppression file {path}: {reason}").format(
                    path=path, reason=error
                )
            ) from None
        for line in text.splitlines():
            first = line.replace(";", ",").split(",", 1)[0].strip().strip('"').lower()
            if "@" in first and not first.startswith("#"):
                addresses.add(first)
    return addresses


def select(
    members: Iterable[Member],
    problems: Iterable[Problem],
    *,
    display: str,
    audience: str,
    suppressed: set[str] | Mapping[str, str],
) -> Selection:
    """The members that may receive this newsletter, and a count of every exclusion.

    ``suppressed`` maps addresses to their reason (a key of REASONS); a plain set counts
    every address as "suppressed".
    """
    invalid = [p for p in problems if p.line > 1]
    excluded: Counter[str] = Counter(invalid=len(invalid))
    notes = list(invalid)
    chosen = []
    for member in members:
        refused = consent_problem(member)
        if refused is None and member.key in suppressed:
            reason = suppressed[member.key] if isinstance(suppressed, Mapping) else "suppressed"
            refused = (
                reason,
                _("{address} is on the suppression list").format(address=member.email)
                if reason == "suppressed"
                else _("{address} is on the suppression list: {reason}").format(
                    address=member.email, reason=_(SUPPRESSION_REASONS[reason])
                ),
            )
        if refused is None and audience != EVERYONE and audience not in member.segments:
            refused = ("audience", "")
        if refused is None:
            chosen.append(member)
            continue
        excluded[refused[0]] += 1
        if refused[1]:
            notes.append(Problem(display, member.row, refused[1], "warning"))
    return Selection(tuple(chosen), excluded, tuple(sorted(notes)))


def unsubscribe_secret(env: Mapping[str, str] | None = None) -> bytes:
    """The HMAC key for unsubscribe tokens; sending without it is refused."""
    secret = (os.environ if env is None else env).get(SECRET_VARIABLE, "")
    if len(secret) < 16:
        raise UsageError(
            _(
                "set {variable} (at least 16 characters, the same secret the platform's "
                "unsubscribe endpoint checks) before sending"
            ).format(variable=SECRET_VARIABLE)
        )
    return secret.encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsubscribe_token(secret: bytes, address: str) -> str:
    """base64url(address) '.' base64url(HMAC-SHA256(secret, address)), address lower-cased."""
    data = address.lower().encode("utf-8")
    return f"{_b64(data)}.{_b64(hmac.new(secret, data, hashlib.sha256).digest())}"


def member_values(
    project: Project, member: Member, *, campaign: str, secret: bytes
) -> dict[str, str]:
    """The merge-field values of one member (see emails.known_fields)."""
    settings = project.settings
    values = {name: member.extra.get(name, "") for name in settings.member_fields}
    values.update(
        first_name=member.first_name,
        last_name=member.last_name,
        email=member.email,
        referral_code=member.referral_code,
        referral_link=share_link(settings, member.referral_code),  # no newsletter UTM
        unsubscribe_url=unsubscribe_link(
            settings.newsletter, unsubscribe_token(secret, member.email)
        ),
    )
    return values
