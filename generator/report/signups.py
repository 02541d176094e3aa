"""The platform's sign-up export, counted: per campaign and medium, per referral code, per month.

Only counts leave this module: no row, address or name is kept. The columns are mapped in
``rundbrief.yml`` (``signups.columns``); the links rundbrief writes carry the values counted
here (``utm_campaign``, ``utm_medium`` and ``ref``, see ``core/referral.py`` and
``newsletter/links.py``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.i18n import _
from generator.core.platformdb import DatabaseError
from generator.core.problems import Problem, ProblemsFound
from generator.core.sections.members import SIGNUP_COLUMNS, SignupColumns
from generator.core.settings import Project
from generator.members import query as sql
from generator.members.query import URL_VARIABLE, Query
from generator.members.remote import Download, DownloadError, download, fetch, is_url
from generator.report.figures import TIMEZONE


@dataclass(frozen=True)
class Signups:
    """Sign-ups counted four ways; ``campaigns`` keys are (utm_campaign, utm_medium)."""

    total: int = 0
    campaigns: Counter[tuple[str, str]] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    months: Counter[str] = field(default_factory=Counter)

    def for_campaign(self, campaign: str) -> int:
        """Sign-ups whose utm_campaign is ``campaign``, by any medium."""
        return sum(n for (name, _medium), n in self.campaigns.items() if name == campaign)


def signups_of(
    project: Project, given: str | None, env: Mapping[str, str] | None = None
) -> Signups | None:
    """The sign-ups from ``--signups`` (a file or an https:// URL), else from ``signups.query``.

    None if neither is given. The query runs read-only against RUNDBRIEF_MEMBERS_DATABASE_URL,
    the URL is fetched with RUNDBRIEF_MEMBERS_TOKEN, exactly as the members source.
    """
    env = os.environ if env is None else env
    columns = project.settings.signups.columns
    if given and is_url(given):
        return read_signup_url(download(given, env), columns)
    if given:
        return read_signups(Path(given), given, columns)
    text = project.settings.signups.query
    if not text:
        return None
    return read_signup_query(Query(text, "signups.query", env.get(URL_VARIABLE, "")), columns)


def read_signups(path: Path, display: str, columns: SignupColumns) -> Signups:
    """Count the export at ``path``; every bad row at once as ``path:line`` problems."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return _count_csv(stream, display, columns)
    except OSError as error:
        raise ProblemsFound(
            [
                Problem(
                    display,
                    0,
                    _("cannot read file: {reason}; check the path given with --signups").format(
                        reason=error.strerror
                    ),
                )
            ]
        ) from None
    except UnicodeDecodeError as error:
        message = _("not UTF-8 text (byte {byte}); save the file as UTF-8")
        raise ProblemsFound([Problem(display, 0, message.format(byte=error.start))]) from None


def read_signup_url(source: Download, columns: SignupColumns) -> Signups:
    """Count the export at an HTTPS URL, streamed, as ``read_signups`` counts a file."""
    display = source.shown
    try:
        with fetch(source) as raw:
            stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            return _count_csv(stream, display, columns)
    except DownloadError as error:
        raise ProblemsFound([Problem(display, 0, error.message)]) from None
    except UnicodeDecodeError as error:
        message = _("not UTF-8 text (byte {byte}); save the file as UTF-8")
        raise ProblemsFound([Problem(display, 0, message.format(byte=error.start))]) from None


def read_signup_query(query: Query, columns: SignupColumns) -> Signups:
    """Count the rows of ``signups.query`` (row 1: the first row of its result)."""
    display = _("query {setting}").format(setting=query.setting)
    try:
        with sql.rows(query) as (header, values):
            return _count(header, enumerate(values, start=1), display, columns)
    except DatabaseError as error:
        raise ProblemsFound([Problem(display, 0, error.message)]) from None


def _count_csv(stream: Iterable[str], display: str, columns: SignupColumns) -> Signups:
    lines = iter(stream)
    first = next(lines, "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter), [])
    rows = enumerate(csv.reader(lines, delimiter=delimiter), start=2)
    return _count(header, rows, display, columns)


def _count(
    header: list[str],
    rows: Iterable[tuple[int, list[str]]],
    display: str,
    columns: SignupColumns,
) -> Signups:
    """Count the rows (each with its line or row number) under ``header``."""
    wanted = {name: getattr(columns, name) for name in SIGNUP_COLUMNS}
    missing = [h for h in wanted.values() if h not in header]
    if missing:
        message = _(
            "missing columns {missing} (found: {found}); export the members file "
            "with these columns (handbook: members file)"
        )
        found = ", ".join(header)
        raise ProblemsFound(
            [Problem(display, 1, message.format(missing=", ".join(missing), found=found))]
        )
    at = {name: header.index(h) for name, h in wanted.items()}
    date, code, campaign, medium = (
        at["date"],
        at["referral_code"],
        at["utm_campaign"],
        at["utm_medium"],
    )
    campaigns: Counter[tuple[str, str]] = Counter()
    codes: Counter[str] = Counter()
    per_month: Counter[str] = Counter()
    total = 0
    problems: list[Problem] = []
    months: dict[str, str] = {}  # a day's month, once per day
    for line, row in rows:
        if not any(row):
            continue
        if len(row) < len(header):
            problems.append(
                Problem(
                    display,
                    line,
                    _("expected {expected} fields, found {found}").format(
                        expected=len(header), found=len(row)
                    ),
                )
            )
            continue
        raw = row[date].strip()
        month = months.get(raw) or _month(raw)
        if month is None:
            problems.append(
                Problem(
                    display,
                    line,
                    _(
                        "{column}: expected a date such as 2026-11-02 or 02.11.2026, got '{value}'"
                    ).format(column=wanted["date"], value=raw[:40]),
                )
            )
            continue
        months[raw] = month
        total += 1
        per_month[month] += 1
        campaigns[row[campaign].strip(), row[medium].strip()] += 1
        if referrer := row[code].strip():
            codes[referrer] += 1
    if problems:
        raise ProblemsFound(problems)
    return Signups(total, campaigns, codes, per_month)


def _month(raw: str) -> str | None:
    """The Berlin month (2026-11) of an ISO date or time, or of 02.11.2026 [10:00]."""
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        try:
            moment = dt.datetime.strptime(raw[:10], "%d.%m.%Y")
        except ValueError:
            return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(TIMEZONE)
    return f"{moment.year:04d}-{moment.month:02d}"


NO_CAMPAIGN = "ohne Kampagne"


@dataclass(frozen=True)
class SignupTables:
    """The sign-up tables of the page and their CSV files, rows ready to show."""

    newsletters: list[tuple[str, str, int]]
    """(subject, utm_campaign, sign-ups), newest newsletter first."""
    campaigns: list[tuple[str, str, int]]
    """(Werbemittel campaign, medium, sign-ups), most first; campaigns of no newsletter."""
    codes: list[tuple[str, str, int]]
    """(referral code, name or '', sign-ups), most first."""
    months: list[tuple[str, int]]


def tables(
    signups: Signups, newsletters: list[tuple[str, str]], names: dict[str, str] | None
) -> SignupTables:
    """Sign-ups per newsletter (by its utm_campaign), per other campaign and medium, per code."""
    own = {campaign for _subject, campaign in newsletters}
    campaigns = sorted(
        (
            (name or NO_CAMPAIGN, medium, n)
            for (name, medium), n in signups.campaigns.items()
            if name not in own
        ),
        key=lambda row: (-row[2], row[0], row[1]),
    )
    codes = sorted(
        ((code, (names or {}).get(code, ""), n) for code, n in signups.codes.items()),
        key=lambda row: (-row[2], row[0]),
    )
    return SignupTables(
        newsletters=[(subject, c, signups.for_campaign(c)) for subject, c in newsletters],
        campaigns=campaigns,
        codes=codes,
        months=sorted(signups.months.items()),
    )
