"""The charts of the send report: laid out here, drawn as SVG by a Jinja template (PNG for mail).

Text stays text: sharp at any size and found by the browser's search. Series differ by
hatching, marker and line style as well as colour, so a black-and-white print keeps them apart.
Each chart gets its title as the SVG's ``<title>``. The same figures give the same file.
No plotting library: the charts are simple, and importing matplotlib alone took a third of the
report's time in a fresh process (``bench/report.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

import jinja2
from markupsafe import Markup

from generator.core import german
from generator.report.figures import (
    COMPLAINT_LIMIT,
    COMPLAINT_TARGET,
    TIMEZONE,
    MonthFigures,
    NewsletterFigures,
    Report,
)

WIDTH, HEIGHT = 420, 320
"""User units of every chart. Shown at the page's width (at most 32rem), 14-unit text stays
about 12 px on a 375 px phone and does not grow beyond 19 px on a desktop."""
LEFT, RIGHT, TOP = 74, 410, 12
"""The plot area's edges; its bottom leaves room for the axis labels and the legend."""
BOTTOM = {False: 284, True: 222}
"""The plot area's lower edge without and with a legend (two columns under the chart)."""
RECENT_MONTHS = 24
"""Monthly charts show the last two years; the CSV holds every month."""
RECENT_NEWSLETTERS = 24
"""Charts per newsletter show the last 24 bars (readable on a phone); the table has them all."""


@dataclass(frozen=True)
class Bar:
    """One rectangle in user units; ``hatch`` names a pattern ('' for a plain fill)."""

    x: float
    y: float
    width: float
    height: float
    color: str
    hatch: str = ""


@dataclass(frozen=True)
class Line:
    """A series of points; ``dash`` '' draws a solid line, 'none' only the markers."""

    points: tuple[tuple[float, float], ...]
    color: str
    dash: str = ""
    marker: str = "circle"  # circle | square


@dataclass(frozen=True)
class Rule:
    """A horizontal reference line across the plot (a limit)."""

    y: float
    color: str
    dash: str


@dataclass(frozen=True)
class Key:
    """One legend entry: what it looks like and what it means."""

    label: str
    color: str
    shape: str  # bar | rule | line
    hatch: str = ""
    dash: str = ""
    marker: str = ""


@dataclass
class Chart:
    """Everything the template draws for one chart."""

    name: str
    title: str
    unit: str = ""
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    keys: list[Key] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    hatches: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Pattern id → (kind, colour): '//' diagonal lines, '..' dots, 'xx' crossed lines."""

    @property
    def bottom(self) -> int:
        return BOTTOM[bool(self.keys)]


def laid_out(report: Report) -> dict[str, Chart]:
    """Every chart the report has figures for, by name, laid out."""
    dated = [n for n in report.newsletters if n.started is not None and n.sent]
    dated = dated[-RECENT_NEWSLETTERS:]
    months = report.months[-RECENT_MONTHS:]
    found = {}
    if dated:
        found["complaints"] = _complaints(dated)
        found["bounces"] = _bounces(dated)
    if months:
        found["months"] = _per_month(months)
    if months and months[0].signups is not None:
        found["signups"] = _signups(months)
    if months and (months[0].consenting is not None or any(m.members for m in months)):
        found["consenting"] = _members(months)
    return found


def charts(report: Report) -> dict[str, Markup]:
    """Every chart of the report as inline SVG, by name."""
    return {name: _svg(chart) for name, chart in laid_out(report).items()}


PNG_SCALE = 2
"""A PNG twice as sharp as it is shown (840 × 640 pixels at 420 CSS pixels): crisp on phones."""


def chart_pngs(report: Report) -> dict[str, tuple[str, bytes]]:
    """Every chart as PNG with its title, by name: for the report by mail (no SVG in mail).

    The same SVG as on the page, rasterised by CairoSVG with the shipped font (only here: the
    page itself needs neither cairo nor fontconfig).
    """
    from generator.marketing.fonts import use_shipped_fonts

    use_shipped_fonts()  # before cairosvg loads cairo and fontconfig
    import cairosvg

    found = {}
    for name, chart in laid_out(report).items():
        data = cairosvg.svg2png(
            bytestring=str(_svg(chart)).encode("utf-8"),
            output_width=WIDTH * PNG_SCALE,
            output_height=HEIGHT * PNG_SCALE,
            background_color="white",
        )
        found[name] = (chart.title, bytes(data or b""))
    return found


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("generator.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("chart.svg.j2")


def _svg(chart: Chart) -> Markup:
    """One chart as SVG markup (rendered by the autoescaping template)."""
    text = _template().render(chart=chart, width=WIDTH, height=HEIGHT, left=LEFT, right=RIGHT)
    return Markup(text.strip())  # noqa: S704 - rendered with autoescape


# -- scales ------------------------------------------------------------------------------------


def _ticks(top: float, *, integer: bool = False) -> list[float]:
    """About five round steps from 0 to at least ``top``."""
    raw = max(top, 1e-9) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in steps if m * magnitude >= raw * (1 - 1e-9))
    if integer:
        step = max(1, round(step))
    count = max(1, math.ceil(top / step - 1e-9))
    return [i * step for i in range(count + 1)]


def _y_axis(chart: Chart, top: float, label: Callable[[float], str], *, integer: bool) -> float:
    """Ticks from 0 up to about ``top``; returns the value at the top of the plot."""
    ticks = _ticks(top, integer=integer)
    chart.y_ticks = [(_y(chart, value, ticks[-1]), label(value)) for value in ticks]
    return ticks[-1]


def _percent(value: float) -> str:
    return german.percent(value)


def _count(value: float) -> str:
    return german.number(value)


def _y(chart: Chart, value: float, top: float) -> float:
    return chart.bottom - (chart.bottom - TOP) * (value / top if top else 0)


def _slots(count: int) -> tuple[float, float]:
    """(x of slot 0, width of a slot): ``count`` slots with half a slot's margin each side."""
    width = (RIGHT - LEFT) / (count + 0.5)
    return LEFT + width * 0.75, width


def _x_labels(chart: Chart, labels: Sequence[str], most: int) -> None:
    """One label every few slots, at most ``most`` of them."""
    first, width = _slots(len(labels))
    every = max(1, math.ceil(len(labels) / most))
    chart.x_ticks = [(first + i * width, labels[i]) for i in range(0, len(labels), every)]


def _hatch(chart: Chart, kind: str, color: str) -> str:
    name = f"diagramm-{chart.name}-muster-{len(chart.hatches) + 1}"
    chart.hatches[name] = (kind, color)
    return name


# -- the charts --------------------------------------------------------------------------------


def _day(newsletter: NewsletterFigures) -> str:
    started = newsletter.started
    return started.astimezone(TIMEZONE).strftime("%d.%m.") if started else ""


def _month_label(month: str) -> str:
    return f"{month[5:7]}/{month[:4]}"


def _complaints(newsletters: Sequence[NewsletterFigures]) -> Chart:
    chart = Chart(
        "complaints", "Beschwerdequote je Newsletter im Vergleich zur Grenze von Gmail und Yahoo"
    )
    chart.keys = [  # first: the plot's height depends on whether there is a legend
        Key("Beschwerdequote", "#1f4e79", "bar"),
        Key("Grenze 0,3 %", "#b00020", "rule", dash="6 4"),
        Key("Ziel 0,1 %", "#2e7d32", "rule", dash="2 3"),
    ]
    rates = [(n.complaint_rate or 0) * 100 for n in newsletters]
    top = _y_axis(chart, max([COMPLAINT_LIMIT * 100 * 1.5, *rates]) * 1.1, _percent, integer=False)
    first, width = _slots(len(newsletters))
    for index, rate in enumerate(rates):
        _bar(chart, first + index * width, width * 0.6, 0, rate, top, "#1f4e79")
    chart.rules = [
        Rule(_y(chart, COMPLAINT_LIMIT * 100, top), "#b00020", "6 4"),
        Rule(_y(chart, COMPLAINT_TARGET * 100, top), "#2e7d32", "2 3"),
    ]
    _x_labels(chart, [_day(n) for n in newsletters], 8)
    return chart


def _bar(
    chart: Chart,
    middle: float,
    width: float,
    base: float,
    value: float,
    top: float,
    color: str,
    hatch: str = "",
) -> None:
    """A bar from ``base`` to ``base + value`` centred on ``middle`` (nothing for 0)."""
    if value <= 0:
        return
    upper, lower = _y(chart, base + value, top), _y(chart, base, top)
    chart.bars.append(Bar(middle - width / 2, upper, width, lower - upper, color, hatch))


def _bounces(newsletters: Sequence[NewsletterFigures]) -> Chart:
    chart = Chart("bounces", "Bouncequote je Newsletter: harte und weiche Bounces")
    hatch = _hatch(chart, "//", "#ef6c00")
    chart.keys = [
        Key("hart (5.x.x)", "#b00020", "bar"),
        Key("weich (4.x.x)", "#ef6c00", "bar", hatch=hatch),
    ]
    hard = [n.hard_bounces / n.sent * 100 for n in newsletters]
    soft = [n.soft_bounces / n.sent * 100 for n in newsletters]
    most = max([0.5, *(h + s for h, s in zip(hard, soft, strict=True))]) * 1.1
    top = _y_axis(chart, most, _percent, integer=False)
    first, width = _slots(len(newsletters))
    for index, (h, s) in enumerate(zip(hard, soft, strict=True)):
        middle = first + index * width
        _bar(chart, middle, width * 0.6, 0, h, top, "#b00020")
        _bar(chart, middle, width * 0.6, h, s, top, "#ef6c00", hatch)
    _x_labels(chart, [_day(n) for n in newsletters], 8)
    return chart


def _count_axis(chart: Chart, unit: str, most: float) -> float:
    chart.unit = unit
    return _y_axis(chart, max(1.0, most) * 1.1, _count, integer=True)


def _per_month(months: Sequence[MonthFigures]) -> Chart:
    chart = Chart("months", "Abmeldungen, Bounces und Beschwerden pro Monat")
    series = (
        ([m.unsubscribes for m in months], "Abmeldungen", "#1f4e79", ""),
        ([m.hard_bounces for m in months], "harte Bounces", "#b00020", "//"),
        ([m.soft_bounces for m in months], "weiche Bounces", "#ef6c00", ".."),
        ([m.complaints for m in months], "Beschwerden", "#4a148c", "xx"),
    )
    hatches = [_hatch(chart, kind, color) if kind else "" for _, _, color, kind in series]
    chart.keys = [
        Key(label, color, "bar", hatch=hatch)
        for (_, label, color, _), hatch in zip(series, hatches, strict=True)
    ]
    top = _count_axis(chart, "Adressen", max(max(values) for values, *_ in series))
    first, width = _slots(len(months))
    bar = width * 0.8 / len(series)  # four bars side by side in a month
    for place, ((values, _, color, _), hatch) in enumerate(zip(series, hatches, strict=True)):
        for index, value in enumerate(values):
            middle = first + index * width + (place - 1.5) * bar
            _bar(chart, middle, bar, 0, value, top, color, hatch)
    _x_labels(chart, [_month_label(m.month) for m in months], 5)
    return chart


def _signups(months: Sequence[MonthFigures]) -> Chart:
    chart = Chart("signups", "Neue Anmeldungen pro Monat")
    signups = [m.signups or 0 for m in months]
    top = _count_axis(chart, "Anmeldungen", max(signups))
    first, width = _slots(len(months))
    for index, value in enumerate(signups):
        _bar(chart, first + index * width, width * 0.65, 0, value, top, "#1f4e79")
    _x_labels(chart, [_month_label(m.month) for m in months], 5)
    return chart


def _members(months: Sequence[MonthFigures]) -> Chart:
    chart = Chart("consenting", "Mitglieder im Export und mit Einwilligung am Monatsende")
    counted = [(index, m.members) for index, m in enumerate(months) if m.members]
    consenting = [m.consenting or 0 for m in months] if months[0].consenting is not None else []
    # Keys first: the plot's height depends on whether there is a legend.
    if counted:
        chart.keys.append(Key("im Mitgliederexport", "#5f6b7a", "line", dash="6 4", marker="square"))  # fmt: skip
    if consenting:
        chart.keys.append(Key("mit Einwilligung", "#1f4e79", "line", marker="circle"))
    top = _count_axis(chart, "Mitglieder", max([0, *(n for _, n in counted), *consenting]))
    first, width = _slots(len(months))
    if counted:  # only the months in which the file was counted (at a send or a report)
        points = tuple((first + i * width, _y(chart, n, top)) for i, n in counted)
        # No line through one point.
        chart.lines.append(Line(points, "#5f6b7a", "6 4" if len(points) > 1 else "none", "square"))
    if consenting:
        points = tuple((first + i * width, _y(chart, n, top)) for i, n in enumerate(consenting))
        chart.lines.append(Line(points, "#1f4e79", "" if len(points) > 1 else "none", "circle"))
    _x_labels(chart, [_month_label(m.month) for m in months], 5)
    return chart
