"""Dates as German readers write them (the site and the emails are German whatever the CLI speaks).

Also the one reading of a point in time a writer types (``send_at: 2026-12-11 09:00``).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip
WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")

_MOMENT = re.compile(
    r"(?P<day>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
    r"(?:\s*(?P<offset>Z|[+-]\d{2}:?\d{2})|\s+(?P<zone>[A-Za-z_]+(?:/[A-Za-z0-9_+-]+)*))?"
)
"""``2026-12-11 09:00``, optionally with ``:00`` seconds, then ``Z``, ``+01:00`` or a zone name."""


def german_date(day: dt.date) -> str:
    """``1. Dezember 2026``."""
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def german_moment(moment: dt.datetime) -> str:
    """``Fr, 11. Dezember 2026, 9:00 Uhr`` (in the zone ``moment`` carries)."""
    weekday = WEEKDAYS[moment.weekday()]
    return f"{weekday}, {german_date(moment)}, {moment.hour}:{moment.minute:02d} Uhr"


def parse_moment(value: object) -> dt.datetime | None:
    """A date and time as written, or None: naive when no zone or offset is given.

    YAML already reads ``2026-12-11 09:00:00`` (with seconds) as a datetime; without seconds,
    with a zone name or an offset without a colon, it stays text and is read here.
    """
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        return None
    match = _MOMENT.fullmatch(value.strip())
    if match is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(f"{match['day']}T{match['time']:0>5}")
        if match["offset"]:
            sign, digits = match["offset"][0], match["offset"][1:].replace(":", "")
            if sign == "Z":
                return moment.replace(tzinfo=dt.UTC)
            delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            return moment.replace(tzinfo=dt.timezone(-delta if sign == "-" else delta))
        if match["zone"]:
            return moment.replace(tzinfo=zoneinfo.ZoneInfo(match["zone"]))
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None
    return moment


def in_zone(moment: dt.datetime, timezone: str) -> dt.datetime:
    """``moment`` as a time in ``timezone``; a naive one is taken to be written there."""
    zone = zoneinfo.ZoneInfo(timezone)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
