"""The report's SVG charts: drawn from a template without a plotting library, scaled honestly."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.report.charts import _ticks, charts
from generator.report.figures import MonthFigures, NewsletterFigures, Report

SVG = "{http://www.w3.org/2000/svg}"


def newsletter(day: int, sent: int, hard: int, soft: int, complaints: int) -> NewsletterFigures:
    started = dt.datetime(2026, 11, day, 8, tzinfo=dt.UTC)
    return NewsletterFigures(
        slug=f"2026-11-{day:02d}-n",
        started=started,
        finished=started,
        duration=None,
        runs=1,
        sent=sent,
        failed=0,
        uncertain=0,
        pending=0,
        failures=(),
        excluded=(),
        hard_bounces=hard,
        soft_bounces=soft,
        complaints=complaints,
    )


def report(newsletters: int = 3, months: int = 14) -> Report:
    return Report(
        generated=dt.datetime(2026, 12, 5, tzinfo=dt.UTC),
        newsletters=tuple(newsletter(1 + n, 1000, n, 2 * n, n) for n in range(newsletters)),
        months=tuple(
            MonthFigures(
                f"{2025 + (n // 12)}-{1 + n % 12:02d}",
                unsubscribes=n,
                hard_bounces=n % 3,
                signups=10 * n,
                consenting=100 + n,
                members=120 + n if n % 4 == 0 else None,
            )
            for n in range(months)
        ),
    )


def test_the_report_page_does_not_import_a_plotting_library():
    # matplotlib's import alone was 0.3–0.7 s of a report in a fresh process.
    code = "import sys, generator.report.page; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_every_chart_is_an_svg_with_its_title_and_ids_unique_on_the_page():
    drawn = charts(report())
    assert list(drawn) == ["complaints", "bounces", "months", "signups", "consenting"]
    ids: list[str] = []
    for name, markup in drawn.items():
        root = ET.fromstring(str(markup))
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        assert root.get("viewBox") == "0 0 420 320"
        assert root[0].tag == f"{SVG}title" and root[0].text
        ids += [element.get("id") for element in root.iter() if element.get("id")]
        # Every hatching a bar uses is defined in the same chart.
        defined = {p.get("id") for p in root.iter(f"{SVG}pattern")}
        used = {
            fill[5:-1]
            for element in root.iter()
            if (fill := element.get("fill", "")).startswith("url(#")
        }
        assert used <= defined, name
    assert len(ids) == len(set(ids))


def test_bars_are_as_high_as_their_figures():
    root = ET.fromstring(str(charts(report())["complaints"]))
    bars = [float(rect.get("height", 0)) for rect in root.iter(f"{SVG}rect")][:2]
    # 1 and 2 complaints per 1,000 sent: the second bar twice as high as the first.
    assert abs(bars[1] - 2 * bars[0]) < 0.3, bars


def test_one_point_gets_a_marker_and_no_line():
    single = report(newsletters=1, months=1)
    root = ET.fromstring(str(charts(single)["consenting"]))
    assert not list(root.iter(f"{SVG}polyline"))
    assert len(list(root.iter(f"{SVG}circle"))) >= 1
    longer = ET.fromstring(str(charts(report())["consenting"]))
    assert len(list(longer.iter(f"{SVG}polyline"))) == 2


@settings(max_examples=200, deadline=None)
@given(top=st.floats(min_value=1e-6, max_value=1e9, allow_nan=False), integer=st.booleans())
def test_the_axis_reaches_the_top_in_about_five_even_steps(top, integer):
    ticks = _ticks(top, integer=integer)
    assert ticks[0] == 0 and ticks[-1] >= top * (1 - 1e-9)
    assert 2 <= len(ticks) <= 7
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert max(steps) - min(steps) <= 1e-6 * max(steps)
    if integer:
        assert all(float(t).is_integer() for t in ticks)
