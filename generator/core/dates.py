"""Dates as German readers write them (the site and the emails are German whatever the CLI speaks)."""

from __future__ import annotations

import datetime as dt

MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip


def german_date(day: dt.date) -> str:
    """``1. Dezember 2026``."""
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"
