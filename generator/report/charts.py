"""The charts of the send report, drawn by matplotlib: SVG inline in the page, PNG for the mail.

Text stays text (``svg.fonttype: none``): sharp at any size and found by the browser's search.
Series differ by marker, line style and hatching as well as colour, so a black-and-white
print keeps them apart. Each chart gets its title as the SVG's ``<title>``.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib
from markupsafe import Markup
from matplotlib.axes import Axes
from matplotlib.dates import DateFormatter, MonthLocator, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from generator.core import german
from generator.report.figures import (
    COMPLAINT_LIMIT,
    COMPLAINT_TARGET,
    TIMEZONE,
    MonthFigures,
    NewsletterFigures,
    Report,
)

STYLE: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "rundbrief",  # the same figures give the same file
    "font.family": ["sans-serif"],
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 11,
    "legend.fontsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#d0d0d0",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
}
FIGSIZE = (4.2, 3.2)
"""Inches. Shown at the page's width (at most 32rem), 11-point text stays about 12 px on a
375 px phone and does not grow beyond 19 px on a desktop."""
RECENT_MONTHS = 24
"""Monthly charts show the last two years; the CSV holds every month."""
RECENT_NEWSLETTERS = 24
"""Charts per newsletter show the last 24 bars (readable on a phone); the table has them all."""


Drawing = tuple[str, Callable[[Axes], None]]
"""A chart's title and what draws it."""


def drawings(report: Report) -> dict[str, Drawing]:
    """Every chart the report has figures for, by name: its title and how it is drawn."""
    dated = [n for n in report.newsletters if n.started is not None and n.sent]
    dated = dated[-RECENT_NEWSLETTERS:]
    months = report.months[-RECENT_MONTHS:]
    found: dict[str, Drawing] = {}
    if dated:
        found["complaints"] = (
            "Beschwerdequote je Newsletter im Vergleich zur Grenze von Gmail und Yahoo",
            lambda axes: _complaints(axes, dated),
        )
        found["bounces"] = (
            "Bouncequote je Newsletter: harte und weiche Bounces",
            lambda axes: _bounces(axes, dated),
        )
    if months:
        found["months"] = (
            "Abmeldungen, Bounces und Beschwerden pro Monat",
            lambda axes: _per_month(axes, months),
        )
    if months and months[0].signups is not None:
        found["signups"] = ("Neue Anmeldungen pro Monat", lambda axes: _signups(axes, months))
    if months and (months[0].consenting is not None or any(m.members for m in months)):
        found["consenting"] = (
            "Mitglieder im Export und mit Einwilligung am Monatsende",
            lambda axes: _members(axes, months),
        )
    return found


def charts(report: Report) -> dict[str, Markup]:
    """Every chart of the report as inline SVG, by name."""
    return {name: _svg(name, title, draw) for name, (title, draw) in drawings(report).items()}


PNG_DPI = 200
"""A PNG twice as sharp as it is shown (840 × 640 pixels at 420 CSS pixels): crisp on phones."""


def chart_pngs(report: Report) -> dict[str, tuple[str, bytes]]:
    """Every chart as PNG with its title, by name: for the report by mail (no SVG in mail)."""
    return {name: (title, _png(draw)) for name, (title, draw) in drawings(report).items()}


def _figure(draw: Callable[[Axes], None]) -> Figure:
    # Fixed margins, sized for the labels these charts have: an automatic layout would
    # draw every chart twice.
    figure = Figure(figsize=FIGSIZE)
    axes = figure.subplots()
    draw(axes)
    legend = bool(axes.get_legend_handles_labels()[0])
    figure.subplots_adjust(left=0.2, right=0.96, top=0.96, bottom=0.3 if legend else 0.12)
    if legend:
        figure.legend(loc="lower center", ncols=2, bbox_to_anchor=(0.5, 0.0))
    return figure


def _png(draw: Callable[[Axes], None]) -> bytes:
    style: Any = STYLE  # (matplotlib's stubs want literal keys)
    with matplotlib.rc_context(style):
        buffer = io.BytesIO()
        _figure(draw).savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _svg(name: str, title: str, draw: Callable[[Axes], None]) -> Markup:
    """One chart drawn by matplotlib as SVG, with ``title`` as its <title>."""
    style: Any = {**STYLE, "svg.id": f"diagramm-{name}"}  # unique ids on one page
    with matplotlib.rc_context(style):
        buffer = io.StringIO()
        _figure(draw).savefig(buffer, format="svg", metadata={"Title": title, "Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # the XML prolog and doctype do not belong inside HTML
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # matplotlib's own markup


def _middle(month: str) -> dt.datetime:
    return dt.datetime.strptime(f"{month}-15", "%Y-%m-%d").replace(tzinfo=TIMEZONE)


def _time_axis(axes: Axes, first: dt.datetime, last: dt.datetime, day: int = 1) -> None:
    """Months as 11/2026 (marked on ``day``), at most about five labels, whatever the span."""
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    every = max(1, math.ceil(span / 5))
    axes.xaxis.set_major_locator(MonthLocator(bymonthday=day, interval=every, tz=TIMEZONE))
    axes.xaxis.set_major_formatter(DateFormatter("%m/%Y", tz=TIMEZONE))
    margin = dt.timedelta(days=20)
    axes.set_xlim(float(date2num(first - margin)), float(date2num(last + margin)))


def _percent_axis(axes: Axes, top: float) -> None:
    axes.set_ylim(0, top)
    axes.yaxis.set_major_locator(MaxNLocator(5))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: german.percent(value)))


def _count_axis(axes: Axes, label: str, top: float) -> None:
    axes.set_ylim(0, max(1.0, top) * 1.1)
    axes.set_ylabel(label)
    axes.yaxis.set_major_locator(MaxNLocator(5, integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: german.number(value)))


def _newsletter_axis(axes: Axes, newsletters: Sequence[NewsletterFigures]) -> list[int]:
    """One slot per newsletter, labelled with its send day (02.11.), at most about eight labels."""
    slots = list(range(len(newsletters)))
    days = [
        n.started.astimezone(TIMEZONE).strftime("%d.%m.") if n.started else "" for n in newsletters
    ]
    every = max(1, math.ceil(len(slots) / 8))
    axes.set_xticks(slots[::every], days[::every])
    axes.set_xlim(-0.75, len(slots) - 0.25)
    axes.grid(axis="x", visible=False)
    return slots


def _complaints(axes: Axes, newsletters: Sequence[NewsletterFigures]) -> None:
    slots = _newsletter_axis(axes, newsletters)
    rates = [(n.complaint_rate or 0) * 100 for n in newsletters]
    axes.bar(slots, rates, width=0.6, color="#1f4e79", label="Beschwerdequote")
    axes.axhline(COMPLAINT_LIMIT * 100, color="#b00020", linestyle="--", label="Grenze 0,3 %")
    axes.axhline(COMPLAINT_TARGET * 100, color="#2e7d32", linestyle=":", label="Ziel 0,1 %")
    _percent_axis(axes, max([COMPLAINT_LIMIT * 100 * 1.5, *rates]) * 1.1)


def _bounces(axes: Axes, newsletters: Sequence[NewsletterFigures]) -> None:
    slots = _newsletter_axis(axes, newsletters)
    hard = [n.hard_bounces / n.sent * 100 for n in newsletters]
    soft = [n.soft_bounces / n.sent * 100 for n in newsletters]
    axes.bar(slots, hard, width=0.6, color="#b00020", label="hart (5.x.x)")
    axes.bar(
        slots,
        soft,
        width=0.6,
        bottom=hard,
        color="white",
        edgecolor="#ef6c00",
        hatch="//",
        label="weich (4.x.x)",
    )
    _percent_axis(axes, max([0.5, *(h + s for h, s in zip(hard, soft, strict=True))]) * 1.1)


def _per_month(axes: Axes, months: Sequence[MonthFigures]) -> None:
    middles = [_middle(m.month) for m in months]
    series = (
        ([m.unsubscribes for m in months], "Abmeldungen", "#1f4e79", ""),
        ([m.hard_bounces for m in months], "harte Bounces", "#b00020", "//"),
        ([m.soft_bounces for m in months], "weiche Bounces", "#ef6c00", ".."),
        ([m.complaints for m in months], "Beschwerden", "#4a148c", "xx"),
    )
    width = 6.5  # days: four bars side by side in a month
    for index, (values, label, color, hatch) in enumerate(series):
        offset = dt.timedelta(days=(index - 1.5) * width)
        axes.bar(
            date2num([m + offset for m in middles]),
            values,
            width=width,
            color=color if not hatch else "white",
            edgecolor=color,
            hatch=hatch,
            label=label,
        )
    _count_axis(axes, "Adressen", max(max(values) for values, *_ in series))
    _time_axis(axes, middles[0], middles[-1], day=15)


def _signups(axes: Axes, months: Sequence[MonthFigures]) -> None:
    middles = [_middle(m.month) for m in months]
    signups = [m.signups or 0 for m in months]
    axes.bar(date2num(middles), signups, width=20, color="#90caf9", edgecolor="#1f4e79")
    _count_axis(axes, "Anmeldungen", max(signups))
    _time_axis(axes, middles[0], middles[-1], day=15)


def _members(axes: Axes, months: Sequence[MonthFigures]) -> None:
    middles = [_middle(m.month) for m in months]
    counted = [(middle, m.members) for middle, m in zip(middles, months, strict=True) if m.members]
    top = max((n for _, n in counted), default=0)
    if counted:  # only the months in which the file was counted (at a send or a report)
        axes.plot(
            date2num([middle for middle, _ in counted]),
            [n for _, n in counted],
            color="#5f6b7a",
            linestyle="--" if len(counted) > 1 else "none",  # no line through one point
            marker="s",
            markersize=4,
            label="im Mitgliederexport",
        )
    if months[0].consenting is not None:
        consenting = [m.consenting or 0 for m in months]
        axes.plot(
            date2num(middles),
            consenting,
            color="#1f4e79",
            linestyle="-" if len(months) > 1 else "none",
            marker="o",
            markersize=4,
            label="mit Einwilligung",
        )
        top = max(top, *consenting)
    _count_axis(axes, "Mitglieder", top)
    _time_axis(axes, middles[0], middles[-1], day=15)
