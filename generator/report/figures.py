"""The figures of the send report: per newsletter and per month, counts only, never people.

Everything comes from three places: the send journal (who was sent what, with the server's
reply, each send's runs and exclusions, the members file's size over time), the suppression
store (bounces, complaints, unsubscribes) and, optionally, the members file (sign-ups and
consent over time). Both databases are read through their owners' operations, never with SQL
of the report's own.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from generator.feedback.suppression import SuppressionStore, instant
from generator.members.recipients import consent_problem
from generator.members.source import Member
from generator.report.votes import ArticleVotes, article_votes
from generator.sending.state import SendState

COMPLAINT_LIMIT = 0.003
"""Gmail and Yahoo: a bulk sender's spam-complaint rate must stay under 0.3 %."""
COMPLAINT_TARGET = 0.001
"""… and should stay under 0.1 %."""
TIMEZONE = ZoneInfo("Europe/Berlin")
STATUS = re.compile(r"\s*([245]\d\d)(?:[ -]+([245]\.\d{1,3}\.\d{1,3})(?!\S))?")
"""The reply code and enhanced status code (RFC 3463) at the start of a server reply."""


@dataclass(frozen=True)
class Edition:
    """What a newsletter's source says about it (the report names newsletters by subject)."""

    subject: str
    date: dt.date | None
    audience: str
    utm_campaign: str


@dataclass(frozen=True)
class NewsletterFigures:
    """One newsletter's send and what came back."""

    slug: str
    started: dt.datetime | None
    finished: dt.datetime | None
    duration: dt.timedelta | None
    """Time spent sending: the sum of the send's runs."""
    runs: int
    sent: int
    failed: int
    uncertain: int
    pending: int
    failures: tuple[tuple[str, int], ...]
    """Status codes of failed recipients' server replies (``550 5.1.1``), most frequent first."""
    excluded: tuple[tuple[str, int], ...]
    hard_bounces: int = 0
    soft_bounces: int = 0
    complaints: int = 0
    unsubscribes: int = 0
    """Unsubscribes that arrived after this send started and before the next one."""
    edition: Edition | None = None
    """From the newsletter's source; None once the source is gone from ``newsletters/``."""

    @property
    def subject(self) -> str:
        """The newsletter's subject, or its file name once the source is gone."""
        return self.edition.subject if self.edition else self.slug

    @property
    def recipients(self) -> int:
        """Everyone the send was planned for."""
        return self.sent + self.failed + self.uncertain + self.pending

    @property
    def bounce_rate(self) -> float | None:
        """Bounced addresses (hard or soft) per message sent."""
        return (self.hard_bounces + self.soft_bounces) / self.sent if self.sent else None

    @property
    def complaint_rate(self) -> float | None:
        """Complaints per message sent."""
        return self.complaints / self.sent if self.sent else None


@dataclass(frozen=True)
class MonthFigures:
    """One calendar month (Europe/Berlin)."""

    month: str
    unsubscribes: int = 0
    hard_bounces: int = 0
    soft_bounces: int = 0
    complaints: int = 0
    signups: int | None = None
    consenting: int | None = None
    """Members with valid consent at the end of the month (needs the members file)."""
    members: int | None = None
    """Rows of the members file as last counted in the month (at a send or a report)."""


UNATTRIBUTED_REASONS = ("unknown_send", "no_newsletter", "before_first_send")
"""Why a report belongs to no newsletter of the journal."""


@dataclass(frozen=True)
class Unattributed:
    """Reports (distinct addresses) of one kind that belong to no newsletter, and why."""

    kind: str
    reason: str
    count: int
    newsletter: str = ""
    """The newsletter the report names, when the journal does not know it."""


@dataclass(frozen=True)
class SegmentMonth:
    """One audience segment in one month, from the members file's times (counts only)."""

    month: str
    segment: str
    new: int
    unsubscribed: int
    consenting: int
    """With valid consent at the month's end."""


EVERYONE = "alle"
"""The audience every member belongs to."""


@dataclass(frozen=True)
class Report:
    """Everything the report page and its CSV files show."""

    generated: dt.datetime
    newsletters: tuple[NewsletterFigures, ...]
    months: tuple[MonthFigures, ...]
    suppressed: dict[str, int] = field(default_factory=dict)
    members: int | None = None
    consenting: int | None = None
    unattributed: tuple[Unattributed, ...] = ()
    segments: tuple[SegmentMonth, ...] = ()
    """Month by month, each segment (``alle`` first); empty without the members file."""
    votes: tuple[ArticleVotes, ...] = ()
    """"War dieser Artikel hilfreich?" per article, the least helpful first."""


def gather(
    journal: SendState | None,
    store: SuppressionStore | None,
    facts: MemberFacts | None = None,
    now: dt.datetime | None = None,
    editions: dict[str, Edition] | None = None,
) -> Report:
    """Read the journal, the store and the facts of the members file into the report's figures."""
    now = now or dt.datetime.now(dt.UTC)
    stored = _read_store(store)
    sends = _sends(journal)
    events = _events(stored["events"])
    unsubscribed = _unsubscribes(events, facts, _were_sent(journal, reversed(list(sends))))
    exclusions = _exclusions(journal.exclusions() if journal else [])
    newsletters = _per_newsletter(sends, events, exclusions, unsubscribed, editions or {})
    counted = _member_counts(journal.member_counts() if journal else [])
    months = _per_month(newsletters, events, unsubscribed, facts, counted, now)
    return Report(
        generated=now,
        newsletters=newsletters,
        months=months,
        suppressed=dict(stored["suppressed"]),
        members=None if facts is None else facts.count,
        consenting=None if facts is None else facts.consenting,
        unattributed=_unattributed(newsletters, events, unsubscribed),
        segments=_per_segment(facts, [m.month for m in months]),
        votes=article_votes(stored["votes"]),
    )


@dataclass
class SegmentTimes:
    """The times of one audience segment's members: when they signed up, consented and left."""

    opted: list[dt.datetime] = field(default_factory=list)
    left: list[dt.datetime] = field(default_factory=list)
    confirmations: list[dt.datetime] = field(default_factory=list)
    """When each member validly consented (of those who did, and did not leave before)."""
    departures: list[dt.datetime] = field(default_factory=list)


@dataclass
class MemberFacts:
    """What the report needs of the members file, gathered in one pass: times, never people."""

    count: int = 0
    consenting: int = 0
    unsubscribed: dict[str, dt.datetime] = field(default_factory=dict)
    """address → when it unsubscribed in the members file."""
    opted: list[dt.datetime] = field(default_factory=list)
    confirmations: list[dt.datetime] = field(default_factory=list)
    """When each member validly consented (of those who did, and did not leave before)."""
    departures: list[dt.datetime] = field(default_factory=list)
    segments: dict[str, SegmentTimes] = field(default_factory=dict)
    """Segment (``alle`` for everyone) → its members' times."""
    referrers: dict[str, str] = field(default_factory=dict)
    """Referral code → name; only when the founder switched names on (``with_names``)."""

    @classmethod
    def of(cls, members: Iterable[Member], *, with_names: bool = False) -> MemberFacts:
        """The facts of a stream of members, holding none of them."""
        facts = cls()
        for member in members:
            facts.count += 1
            facts.consenting += consent_problem(member) is None
            if with_names and member.referral_code:
                name = f"{member.first_name} {member.last_name}".strip()
                facts.referrers[member.referral_code] = name
            opted, confirmed = instant(member.opt_in_at), instant(member.confirmed_at)
            left = instant(member.unsubscribed_at) if member.unsubscribed_at else None
            groups = [
                facts.segments.setdefault(segment, SegmentTimes())
                for segment in {EVERYONE, *member.segments}
            ]
            if opted is not None:
                facts.opted.append(opted)
            if left is not None:
                facts.unsubscribed[member.key] = left
            for group in groups:
                if opted is not None:
                    group.opted.append(opted)
                if left is not None:
                    group.left.append(left)
            if opted is None or confirmed is None or confirmed < opted:
                continue  # never validly consented
            if left is None or left > confirmed:
                facts.confirmations.append(confirmed)
                for group in groups:
                    group.confirmations.append(confirmed)
                if left is not None:
                    facts.departures.append(left)
                    for group in groups:
                        group.departures.append(left)
        facts.confirmations.sort()
        facts.departures.sort()
        return facts


@dataclass
class _Send:
    states: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    duration: dt.timedelta | None = None
    runs: int = 0


def _read_store(store: SuppressionStore | None) -> dict[str, list[Any]]:
    """Events, suppressions by reason and votes (none without a store)."""
    if store is None:
        return {"events": [], "suppressed": [], "votes": []}
    return {
        "events": store.event_times(),
        "suppressed": store.counts_by_reason(),
        "votes": store.vote_counts(),
    }


def _sends(journal: SendState | None) -> dict[str, _Send]:
    """Counts by state and the failed replies from the journal; timing from its runs.

    The counts come from the journal's (newsletter, state) index without reading a row.
    A send's duration is the sum of its runs (a capped send resumed the next day does not
    count the night); for sends without recorded runs, the journal's first and last times.
    """
    sends: dict[str, _Send] = defaultdict(_Send)
    if journal is None:
        return sends
    for newsletter, state, count in journal.state_counts():
        sends[newsletter].states[state] += count
    runs = _runs(journal)
    for newsletter, send in sends.items():
        if send.states["failed"]:
            for reply, count in journal.failed_replies(newsletter):
                send.failures[status_of(reply)] += count
        if runs.get(newsletter):
            spans = runs[newsletter]
            send.started, send.finished = spans[0][0], max(end for _, end in spans)
            send.duration = sum((end - begin for begin, end in spans), dt.timedelta())
            send.runs = len(spans)
            continue
        begun, ended = journal.first_and_last(newsletter)
        send.started, send.finished = instant(begun or ""), instant(ended or "")
        if send.started and send.finished:
            send.duration = max(send.finished - send.started, dt.timedelta(0))
    return sends


def status_of(reply: str) -> str:
    """Only the codes of a server reply: its text may name the member, plainly or disguised.

    ``anna(at)example(dot)org`` or a base64 address survives any pattern that blanks
    addresses; what the report shows of a reply is ``550 5.1.1``, ``421`` or ``''``.
    """
    found = STATUS.match(reply)
    if found is None:
        return ""
    return " ".join(code for code in found.groups() if code)


def _runs(journal: SendState) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
    """newsletter → (start, end) of each recorded run, in order."""
    found: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for run in journal.run_times():
        begin, end = instant(run.started_at), instant(run.ended_at)
        if begin and end:
            found[run.newsletter].append((begin, end))
    return found


def _events(rows: list[Any]) -> list[tuple[str, str, str, dt.datetime]]:
    """(kind, address, newsletter, when) of every event in the store."""
    return [(k, a, n, moment) for k, a, n, at in rows if (moment := instant(at)) is not None]


def _exclusions(rows: list[tuple[str, str, int]]) -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for newsletter, reason, count in rows:
        found[newsletter].append((reason, count))
    return found


def _were_sent(
    journal: SendState | None, newsletters: Iterable[str]
) -> Callable[[Iterable[str]], set[str]]:
    """Which of some addresses the journal shows a newsletter was handed over for.

    Asked by the journal's key, newsletter by newsletter until the first hit: only the few
    who unsubscribed are asked about, where reading every distinct recipient of a
    million-row journal took a fifth of the report's time.
    """
    slugs = list(newsletters)

    def were_sent(addresses: Iterable[str]) -> set[str]:
        if journal is None:
            return set()
        return {a for a in addresses if any(journal.sent(slug, a) for slug in slugs)}

    return were_sent


def _unsubscribes(
    events: Iterable[tuple[str, str, str, dt.datetime]],
    facts: MemberFacts | None,
    were_sent: Callable[[Iterable[str]], set[str]],
) -> dict[str, dt.datetime]:
    """address → when it first unsubscribed: by mail (store) or in the members file.

    Only addresses a newsletter was sent to count: anyone can write to the unsubscribe
    address, and a stranger leaving a list they were never on is no unsubscribe.
    """
    first: dict[str, dt.datetime] = {}
    for kind, address, _, when in events:
        if kind == "unsubscribe" and (address not in first or when < first[address]):
            first[address] = when
    for key, left in (facts.unsubscribed if facts else {}).items():
        if key not in first or left < first[key]:
            first[key] = left
    sent = were_sent(first)
    return {address: when for address, when in first.items() if address in sent}


def _per_newsletter(
    sends: dict[str, _Send],
    events: list[tuple[str, str, str, dt.datetime]],
    exclusions: dict[str, list[tuple[str, int]]],
    unsubscribed: dict[str, dt.datetime],
    editions: dict[str, Edition],
) -> tuple[NewsletterFigures, ...]:
    distinct: dict[tuple[str, str], set[str]] = defaultdict(set)
    for kind, address, newsletter, _ in events:
        if newsletter:
            distinct[newsletter, kind].add(address)
    never = dt.datetime.max.replace(tzinfo=dt.UTC)
    order = sorted(sends, key=lambda slug: (sends[slug].started or never, slug))
    # An unsubscribe belongs to the newsletter whose send started last before it.
    started = [(begun, slug) for slug in order if (begun := sends[slug].started) is not None]
    times = [begun for begun, _ in started]
    after: Counter[str] = Counter()
    for when in unsubscribed.values():
        index = bisect.bisect_right(times, when) - 1
        if index >= 0:
            after[started[index][1]] += 1
    figures = []
    for slug in order:
        send = sends[slug]
        figures.append(
            NewsletterFigures(
                slug=slug,
                started=send.started,
                finished=send.finished,
                duration=send.duration,
                runs=send.runs,
                sent=send.states["sent"],
                failed=send.states["failed"],
                uncertain=send.states["sending"],
                pending=send.states["pending"],
                failures=tuple(send.failures.most_common()),
                excluded=tuple(exclusions.get(slug, ())),
                hard_bounces=len(distinct[slug, "hard_bounce"]),
                soft_bounces=len(distinct[slug, "soft_bounce"] - distinct[slug, "hard_bounce"]),
                complaints=len(distinct[slug, "complaint"]),
                unsubscribes=after[slug],
                edition=editions.get(slug),
            )
        )
    return tuple(figures)


def _unattributed(
    newsletters: tuple[NewsletterFigures, ...],
    events: list[tuple[str, str, str, dt.datetime]],
    unsubscribed: dict[str, dt.datetime],
) -> tuple[Unattributed, ...]:
    """Bounces, complaints and unsubscribes no newsletter of the journal can own, and why.

    A bounce of an older mailing (sent before this journal, or from another one) beside a
    newsletter's own zero would read as that newsletter's; the report shows it apart.
    """
    known = {n.slug for n in newsletters}
    first = min((n.started for n in newsletters if n.started), default=None)
    distinct: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for kind, address, newsletter, _ in events:
        if kind == "unsubscribe":
            continue  # counted below, by time, as the newsletters count them
        if not newsletter:
            distinct[kind, "no_newsletter", ""].add(address)
        elif newsletter not in known:
            distinct[kind, "unknown_send", newsletter].add(address)
    for address, when in unsubscribed.items():
        if first is None or when < first:
            distinct["unsubscribe", "before_first_send", ""].add(address)
    return tuple(
        Unattributed(kind, reason, len(addresses), newsletter)
        for (kind, reason, newsletter), addresses in sorted(distinct.items())
    )


def _month(moment: dt.datetime) -> str:
    local = moment.astimezone(TIMEZONE)
    return f"{local.year:04d}-{local.month:02d}"


def _months_between(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _member_counts(rows: list[tuple[str, int]]) -> list[tuple[dt.datetime, int]]:
    """(when, rows) of every count of the members file, in time order."""
    return sorted((moment, n) for at, n in rows if (moment := instant(at)) is not None)


def _per_month(
    newsletters: tuple[NewsletterFigures, ...],
    events: list[tuple[str, str, str, dt.datetime]],
    unsubscribed: dict[str, dt.datetime],
    facts: MemberFacts | None,
    counted: list[tuple[dt.datetime, int]],
    now: dt.datetime,
) -> tuple[MonthFigures, ...]:
    opted = facts.opted if facts else []
    moments = [n.started for n in newsletters if n.started] + [e[3] for e in events]
    moments += [*unsubscribed.values(), *opted, *(when for when, _count in counted)]
    if not moments:
        return ()
    months = _months_between(_month(min(moments)), _month(max(*moments, now)))
    starts = [_month_start(month).astimezone(dt.UTC) for month in months]  # quick to compare

    def index(moment: dt.datetime) -> int:
        return bisect.bisect_right(starts, moment) - 1

    counts: dict[tuple[int, str], set[str]] = defaultdict(set)
    for kind, address, _, when in events:
        if kind != "unsubscribe":
            counts[index(when), kind].add(address)
    unsubscribes = Counter(index(when) for when in unsubscribed.values())
    signups = Counter(index(when) for when in opted)
    confirmations = facts.confirmations if facts else []
    departures = facts.departures if facts else []
    last_count = {index(when): n for when, n in counted}  # in time order: the month's last wins
    return tuple(
        MonthFigures(
            month=month,
            unsubscribes=unsubscribes[number],
            hard_bounces=len(counts[number, "hard_bounce"]),
            soft_bounces=len(counts[number, "soft_bounce"]),
            complaints=len(counts[number, "complaint"]),
            signups=None if facts is None else signups[number],
            consenting=None
            if facts is None
            else _consenting_at(confirmations, departures, _month_end(month)),
            members=last_count.get(number),
        )
        for number, month in enumerate(months)
    )


def _per_segment(facts: MemberFacts | None, months: list[str]) -> tuple[SegmentMonth, ...]:
    """New, unsubscribed and consenting members of each segment, month by month."""
    if facts is None or not months:
        return ()
    found = []
    starts = [_month_start(month).astimezone(dt.UTC) for month in months]
    for segment in [EVERYONE, *sorted(set(facts.segments) - {EVERYONE})]:
        times = facts.segments[segment]
        new = Counter(_index(starts, when) for when in times.opted)
        left = Counter(_index(starts, when) for when in times.left)
        confirmations, departures = sorted(times.confirmations), sorted(times.departures)
        for number, month in enumerate(months):
            found.append(
                SegmentMonth(
                    month=month,
                    segment=segment,
                    new=new[number],
                    unsubscribed=left[number],
                    consenting=_consenting_at(confirmations, departures, _month_end(month)),
                )
            )
    return tuple(found)


def _index(starts: list[dt.datetime], moment: dt.datetime) -> int:
    """The month (index into ``starts``) of ``moment``; -1 before the first."""
    return bisect.bisect_right(starts, moment) - 1


def _month_start(month: str) -> dt.datetime:
    year, number = map(int, month.split("-"))
    return dt.datetime(year, number, 1, tzinfo=TIMEZONE)


def _month_end(month: str) -> dt.datetime:
    year, number = map(int, month.split("-"))
    return _month_start(f"{year + 1}-01" if number == 12 else f"{year}-{number + 1:02d}")


def _consenting_at(
    confirmations: list[dt.datetime], departures: list[dt.datetime], end: dt.datetime
) -> int:
    """Members confirmed before ``end`` and not gone by then (both lists sorted)."""
    return bisect.bisect_left(confirmations, end) - bisect.bisect_left(departures, end)
