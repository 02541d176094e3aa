"""When a report is due by mail: monthly, and three days after each send ended.

A period is a key of the send state's things done once (``claim_once``): the month before the
first report run of a month (``monat 2026-11``), and each newsletter whose last run ended
three days ago (``nach <newsletter> <end>``). Sends that ended more than a month before that
were in a monthly report already: a journal taken into use late does not bring a flood.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from generator.report.figures import TIMEZONE
from generator.sending.state import RunTimes

DAYS_AFTER_SEND = 3
"""Bounces, complaints and unsubscribes of a send have mostly arrived after three days."""
LOOKBACK_DAYS = 31


def due_periods(runs: Iterable[RunTimes], now: dt.datetime) -> list[str]:
    """The periods a report is due for at ``now`` (each is claimed once, per recipient)."""
    month_start = now.astimezone(TIMEZONE).date().replace(day=1)
    previous = month_start - dt.timedelta(days=1)
    periods = [f"monat {previous:%Y-%m}"]
    ended: dict[str, dt.datetime] = {}
    for run in runs:
        moment = _moment(run.ended_at)
        if moment is not None and (run.newsletter not in ended or moment > ended[run.newsletter]):
            ended[run.newsletter] = moment
    after = dt.timedelta(days=DAYS_AFTER_SEND)
    for newsletter, end in sorted(ended.items()):
        if end + after <= now < end + after + dt.timedelta(days=LOOKBACK_DAYS):
            periods.append(f"nach {newsletter} {end.isoformat(timespec='minutes')}")
    return periods


def _moment(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
