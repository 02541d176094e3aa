"""The first screen of the report: the last newsletter, deliverability as a traffic light, and
what changed since last month."""

from __future__ import annotations

from dataclasses import dataclass

from generator.report.figures import (
    COMPLAINT_LIMIT,
    COMPLAINT_TARGET,
    MonthFigures,
    NewsletterFigures,
    Report,
)

BOUNCE_WARNING = 0.02
"""Bounced addresses per message sent above which a list needs cleaning (common practice of
the mailbox providers and sending services; Gmail and Yahoo name no fixed number)."""
BOUNCE_LIMIT = 0.05
"""… and above which providers start to throttle or block the sender."""


@dataclass(frozen=True)
class Health:
    """Deliverability of the last newsletter as green, amber or red, with the reason."""

    light: str
    """``gruen``, ``gelb`` or ``rot`` (the CSS class)."""
    label: str
    reason: str


@dataclass(frozen=True)
class Change:
    """One monthly figure, this month beside the month before."""

    label: str
    now: int | None
    before: int | None


def last_sent(report: Report) -> NewsletterFigures | None:
    """The newsletter sent last (the one the founder asks about)."""
    dated = [n for n in report.newsletters if n.started is not None and n.sent]
    return dated[-1] if dated else None


def health(newsletter: NewsletterFigures | None) -> Health | None:
    """Red from 0.3 % complaints or 5 % bounces, amber from 0.1 % or 2 %, else green."""
    if newsletter is None:
        return None
    complaints = newsletter.complaint_rate or 0.0
    bounces = newsletter.bounce_rate or 0.0
    if complaints >= COMPLAINT_LIMIT or bounces >= BOUNCE_LIMIT:
        return Health(
            "rot",
            "kritisch",
            "Beschwerden ab 0,3 % oder Bounces ab 5 %: Gmail, Yahoo und Microsoft sortieren "
            "aus oder lehnen ab. Vor dem nächsten Versand die Liste prüfen.",
        )
    if complaints >= COMPLAINT_TARGET or bounces >= BOUNCE_WARNING:
        return Health(
            "gelb",
            "beobachten",
            "Beschwerden ab 0,1 % oder Bounces ab 2 %: noch erlaubt, aber über dem Ziel.",
        )
    return Health(
        "gruen", "gesund", "Beschwerden unter 0,1 % und Bounces unter 2 %: alles im grünen Bereich."
    )


def changes(report: Report) -> tuple[str, str, list[Change]] | None:
    """This month and the one before, figure by figure; None with fewer than two months."""
    if len(report.months) < 2:
        return None
    before, now = report.months[-2], report.months[-1]

    def pair(label: str, value: str) -> Change:
        return Change(label, _get(now, value), _get(before, value))

    found = [
        pair("Neue Anmeldungen", "signups"),
        pair("Mitglieder mit Einwilligung", "consenting"),
        pair("Abmeldungen", "unsubscribes"),
        pair("harte Bounces", "hard_bounces"),
        pair("Beschwerden", "complaints"),
    ]
    return now.month, before.month, [c for c in found if c.now is not None]


def _get(month: MonthFigures, name: str) -> int | None:
    value = getattr(month, name)
    return None if value is None else int(value)
