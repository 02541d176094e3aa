"""The review page: one self-contained German HTML file (images embedded, nothing to load)."""

from __future__ import annotations

import datetime as dt

import jinja2

from generator.core.activecontent import PAGE_POLICY, refused
from generator.core.dates import german_date
from generator.core.problems import raise_if_errors
from generator.review.facts import Use
from generator.review.model import Review, SettingReview

LABELS = {"added": "neu", "modified": "geändert", "deleted": "entfernt"}
NOTES = {
    "": "",
    "draft": "Entwurf: erscheint nicht auf der Website.",
    "removed": "Die Seite wird von der Website entfernt.",
    "unbuilt": "Die neue Fassung lässt sich nicht bauen (siehe Probleme oben).",
    "was-draft": "Bisher ein Entwurf, jetzt veröffentlicht.",
    "old-unbuilt": "Die bisherige Fassung ließ sich nicht bauen; hier der ganze neue Text.",
    "unchanged": "Der sichtbare Text ist unverändert.",
    "unchanged-active": (
        "Der sichtbare Text ist unverändert – aber die Seite enthält neue oder geänderte "
        "Elemente, die mehr als Text sind (rot darunter)."
    ),
}
"""The German words for a page's note (``model.Note``)."""


def _date(value: str | dt.date | None) -> str:
    if isinstance(value, str) and value:
        value = dt.date.fromisoformat(value)
    return german_date(value) if isinstance(value, dt.date) else "–"


def _uses(setting: SettingReview, key: str) -> tuple[Use, ...]:
    return next((uses for name, uses in setting.uses if name == key), ())


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("generator.review", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["date"] = _date
    return environment


def render_page(review: Review) -> str:
    """The review as one HTML page; raise if anything on it could run (it never should)."""
    template = _environment().get_template("review.html.j2")
    page = template.render(
        review=review, labels=LABELS, notes=NOTES, uses=_uses, policy=PAGE_POLICY
    )
    raise_if_errors(refused(page, "build/review/index.html"))
    return page
