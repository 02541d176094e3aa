"""Who receives a newsletter: consenting members of the audience, minus suppressed addresses.

The members file is streamed twice with the same rule (``exclusion``): once to count
(``select``: recipients, every exclusion by reason, the share of the audience that qualifies)
before anything goes out, and once to send (``recipients``). Nobody's list is held in memory.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.files import RefusedFile, open_named_file
from generator.core.i18n import N_, _, ngettext, number
from generator.core.problems import Problem, UsageError
from generator.members.source import ADDRESS, Member, MembersFile

EVERYONE = "alle"
"""The audience that means every member (who may receive the newsletter)."""
SECRET_VARIABLE = "RUNDBRIEF_UNSUBSCRIBE_SECRET"
SHOWN = 50
"""Exclusions kept one by one for the report; a list of 100,000 would bury the summary."""

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
DELIBERATE = ("audience", "unsubscribed", "suppressed", *SUPPRESSION_REASONS)
"""Exclusions a member (or the sender) chose: not a sign of a wrong export or audience."""


@dataclass(frozen=True)
class Suppressed:
    """Why an address is never mailed, and since when (None: a --suppress file, for good)."""

    reason: str
    since: dt.datetime | None = None

    def stands_for(self, member: Member) -> bool:
        """Whether it still holds: a double opt-in confirmed after it lifts it."""
        confirmed = member.confirmed_at
        return self.since is None or confirmed is None or confirmed <= self.since


@dataclass(frozen=True)
class Audience:
    """Who a send is for: a segment, the kind of message, and addresses never to mail."""

    segment: str
    kind: str = "newsletter"
    suppressed: Mapping[str, Suppressed] = field(default_factory=dict)


@dataclass(frozen=True)
class Selection:
    """How many members receive the newsletter, and why the others are left out."""

    recipients: int
    rows: int
    excluded: Counter[str] = field(default_factory=Counter)
    problems: tuple[Problem, ...] = ()
    """The first exclusions (SHOWN of them), each with its row."""

    def summary(self) -> str:
        """'1,204 recipients, 37 excluded: 12 without confirmed consent, …'."""
        head = ngettext("{count} recipient", "{count} recipients", self.recipients).format(
            count=number(self.recipients)
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

    @property
    def members(self) -> int:
        """The members the file names: its rows less those that could not be read."""
        return self.rows - self.excluded["invalid"]

    @property
    def considered(self) -> int:
        """Rows that should receive this send: in the audience (or unreadable), not opted out.

        Unsubscribed and suppressed members are left out on purpose; an invalid row or a
        consent that cannot be read is what a wrong export or a wrong audience looks like.
        """
        return self.rows - sum(self.excluded[key] for key in DELIBERATE)

    def shortfall(self, min_share: float) -> str | None:
        """Why this selection must not be sent: nobody, or too small a share; else None."""
        largest = max(
            (key for key in REASONS if self.excluded[key]),
            key=lambda key: self.excluded[key],
            default=None,
        )
        reason = _(REASONS[largest]).format(count=number(self.excluded[largest])) if largest else ""
        if self.recipients == 0:
            if not reason:
                return _("nobody to send to: the members file has no rows")
            return _("nobody qualifies; the largest reason: {reason}").format(reason=reason)
        share = self.recipients / self.considered if self.considered else 1.0
        if share < min_share:
            return _(
                "only {share} % of the members in the audience who have not unsubscribed "
                "qualify, at least {minimum} % expected (sending.min_share); the largest "
                "reason: {reason}"
            ).format(
                share=number(share * 100, 1), minimum=number(min_share * 100, 0), reason=reason
            )
        return None


def exclusion(member: Member, audience: Audience) -> tuple[str, str] | None:
    """(reason, message) if ``member`` may not receive this send, else None."""
    if member.unsubscribed_all_at:
        return "unsubscribed", _("unsubscribed from all mail at {time}").format(
            time=member.unsubscribed_all_at.isoformat()
        )
    if audience.kind == "newsletter":
        # A service notice concerns the membership itself: it needs no newsletter consent.
        refused = consent_problem(member)
        if refused is not None:
            return refused
    suppressed = audience.suppressed.get(member.key)
    if suppressed is not None and suppressed.stands_for(member):
        if suppressed.reason not in SUPPRESSION_REASONS:
            return "suppressed", _("{address} is on the suppression list").format(
                address=member.email
            )
        return suppressed.reason, _("{address} is on the suppression list: {reason}").format(
            address=member.email, reason=_(SUPPRESSION_REASONS[suppressed.reason])
        )
    if audience.segment != EVERYONE and audience.segment not in member.segments:
        return "audience", ""
    return None


def consent_problem(member: Member) -> tuple[str, str] | None:
    """(reason, message) if ``member`` has no valid newsletter consent, else None."""
    if member.unsubscribed_at:
        return "unsubscribed", _("unsubscribed at {time}").format(
            time=member.unsubscribed_at.isoformat()
        )
    if member.opt_in_at is None:
        return "consent", _("opt_in_at: no sign-up time ({value})").format(value=_("empty"))
    if member.confirmed_at is None:
        return "consent", _("confirmed_at: consent not confirmed ({value})").format(
            value=_("empty")
        )
    if member.confirmed_at < member.opt_in_at:
        return "consent", _("confirmed_at is before opt_in_at: no valid double opt-in")
    return None


def select(source: MembersFile, audience: Audience) -> Selection:
    """Count the recipients and every exclusion, streaming the file (raises Unreadable)."""
    excluded: Counter[str] = Counter()
    shown: list[Problem] = []
    chosen = rows = 0
    for item in source.rows():
        rows += 1
        if isinstance(item, Problem):
            excluded["invalid"] += 1
            if len(shown) < SHOWN:
                shown.append(Problem(item.path, item.line, item.message, "warning"))
            continue
        refused = exclusion(item, audience)
        if refused is None:
            chosen += 1
            continue
        excluded[refused[0]] += 1
        if refused[1] and len(shown) < SHOWN:
            shown.append(Problem(source.display, item.row, refused[1], "warning"))
    return Selection(chosen, rows, excluded, tuple(shown))


def recipients(source: MembersFile, audience: Audience) -> Iterator[Member]:
    """The members that receive this send, in file order, by the same rule as ``select``."""
    for item in source.rows():
        if isinstance(item, Member) and exclusion(item, audience) is None:
            yield item


_ANGLED = re.compile(r"<([^<>\s]+)>")


def read_suppressed(paths: Iterable[Path]) -> tuple[frozenset[str], list[Problem]]:
    """Addresses from suppression files, and a problem for every line that cannot be read.

    A line may be a bare address, ``Name <a@x>``, ``<a@x>``, ``"Name, First" <a@x>``, or a
    CSV or tab-separated row whose first field is the address; ``#`` starts a comment, and a
    first line without any address is a header.
    """
    addresses: set[str] = set()
    problems: list[Problem] = []
    for path in paths:
        try:
            with open_named_file(path) as stream:  # (named by the user: no pipe, no device)
                text = stream.read().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError, RefusedFile) as error:
            raise UsageError(
                _(
                    "cannot read the suppression file {path}: {reason}; check the path "
                    "given with --suppress"
                ).format(path=path, reason=error)
            ) from None
        for number_, line in enumerate(text.splitlines(), start=1):
            entry = line.strip()
            if not entry or entry.startswith("#") or (number_ == 1 and "@" not in entry):
                continue
            if len(set(_ANY_ADDRESS.findall(entry.lower()))) > 1:
                # a line naming several addresses suppresses none of them, not the first.
                problems.append(
                    Problem(
                        str(path),
                        number_,
                        _(
                            "several addresses on one line: {line}; write one address per line"
                        ).format(line=entry),
                    )
                )
                continue
            address = _suppressed_address(entry)
            if address is None:
                problems.append(
                    Problem(
                        str(path),
                        number_,
                        _("not an address: {line}; write one address per line").format(line=entry),
                    )
                )
            else:
                addresses.add(address.lower())
    return frozenset(addresses), problems


_ANY_ADDRESS = re.compile(r"[^\s<>,;\"']+@[^\s<>,;\"']+")
"""Anything that looks like an address, to find lines that name more than one."""
_FORMULA_ESCAPE = re.compile(r"^'(?=\s*[=+\-@])")
"""The ``'`` the suppression export puts before a formula character (``-anna@…``), taken off."""


def _suppressed_address(entry: str) -> str | None:
    angled = _ANGLED.search(entry)
    if angled:
        candidate = angled.group(1)
    else:
        candidate = re.split(r"[,;\t]", entry, maxsplit=1)[0].strip().strip('"').strip()
    candidate = _FORMULA_ESCAPE.sub("", candidate)  # the export's escape round-trips
    return candidate if ADDRESS.fullmatch(candidate) else None


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


KIT_TOKEN_LENGTH = 22
"""base64url characters of a kit's folder name: 132 bits, never guessed, short enough to type."""


def kit_token(secret: bytes, code: str) -> str:
    """The folder name of a member's kit: a keyed hash of the referral code, not the code.

    The code alone is printed on every flyer: whoever saw one could open the kit and read the
    name. Derived from the unsubscribe secret with a label of its own (no address holds a
    NUL), so a send and a kits run find the same folder without a second secret.
    """
    digest = hmac.new(secret, b"werbemittel\0" + code.encode("utf-8"), hashlib.sha256).digest()
    return _b64(digest)[:KIT_TOKEN_LENGTH]


def unsubscribe_token(secret: bytes, address: str) -> str:
    """base64url(address) '.' base64url(HMAC-SHA256(secret, address)), address lower-cased."""
    data = address.lower().encode("utf-8")
    return f"{_b64(data)}.{_b64(hmac.new(secret, data, hashlib.sha256).digest())}"
