"""``send_at:`` in a newsletter's front matter: read once, in the settings' time zone, bad values at their line."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from newsletter_helpers import newsletter_text, one_newsletter, project_with

from generator.core.dates import german_moment, parse_moment
from generator.newsletter.source import newsletter_source, parse_newsletter

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-12-11 09:00", dt.datetime(2026, 12, 11, 9, 0, tzinfo=BERLIN)),
        ("2026-12-11 09:00:00", dt.datetime(2026, 12, 11, 9, 0, tzinfo=BERLIN)),  # YAML's own
        ("2026-07-01T18:30", dt.datetime(2026, 7, 1, 18, 30, tzinfo=BERLIN)),  # summer time
        ("2026-12-11 09:00 Europe/Lisbon", dt.datetime(2026, 12, 11, 10, 0, tzinfo=BERLIN)),
        ("2026-12-11 09:00 UTC", dt.datetime(2026, 12, 11, 10, 0, tzinfo=BERLIN)),
        ("2026-12-11T09:00:00+02:00", dt.datetime(2026, 12, 11, 8, 0, tzinfo=BERLIN)),
        ("2026-12-11 09:00Z", dt.datetime(2026, 12, 11, 10, 0, tzinfo=BERLIN)),
    ],
)
def test_send_at_is_a_moment_in_the_settings_time_zone_unless_one_is_given(
    make_project, written, expected
):
    _project, newsletter = one_newsletter(
        make_project, newsletter_text(extra=f"send_at: {written}\n")
    )
    moment = newsletter.send_time("Europe/Berlin")
    assert moment == expected
    assert moment is not None and moment.utcoffset() == expected.utcoffset()


def test_without_send_at_there_is_no_send_time(make_project):
    _project, newsletter = one_newsletter(make_project, newsletter_text())
    assert newsletter.send_at is None
    assert newsletter.send_time("Europe/Berlin") is None


@pytest.mark.parametrize(
    ("written", "found"),
    [
        ("2026-12-11", "ein Datum"),  # a day without a time
        ("11.12.2026 9:00", "Text '11.12.2026 9:00'"),
        ("2026-12-32 09:00", "Text '2026-12-32 09:00'"),
        ("2026-12-11 24:30", "Text '2026-12-11 24:30'"),
        ("2026-12-11 09:00 Mars/Olympus", "Text '2026-12-11 09:00 Mars/Olympus'"),
        ("morgen früh", "Text 'morgen früh'"),
        ("1700000000", "eine Zahl"),
    ],
)
def test_a_bad_send_at_names_its_line_and_the_expected_form(make_project, written, found):
    text = newsletter_text(extra=f"send_at: {written}\n")
    project = project_with(make_project, {"2026-11-02-test.md": text})
    source = newsletter_source(project, project.newsletters_dir / "2026-11-02-test.md")
    _newsletter, problems = parse_newsletter(source)
    (problem,) = problems
    assert problem.path == "newsletters/2026-11-02-test.md"
    assert problem.line == 7  # the line of send_at in the file, not in the YAML block
    assert problem.message.startswith("send_at: ein Datum mit Uhrzeit (JJJJ-MM-TT HH:MM"), (
        problem.message
    )
    assert found in problem.message


def test_check_reports_every_bad_send_at_at_once(make_project, cli):
    project = project_with(
        make_project,
        {
            "2026-11-02-eins.md": newsletter_text(extra="send_at: 2026-11-31 09:00\n"),
            "2026-11-03-zwei.md": newsletter_text(extra="send_at: nächsten Freitag\n"),
        },
    )
    result = cli(project.root, "check")
    assert result.exit_code == 1
    assert "newsletters/2026-11-02-eins.md:7: send_at: ein Datum mit Uhrzeit" in result.stderr
    assert "newsletters/2026-11-03-zwei.md:7: send_at: ein Datum mit Uhrzeit" in result.stderr


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.sampled_from(["", " Europe/Berlin", " UTC", "+01:00", "-0530", "Z", " America/New_York"]),
)
def test_every_written_moment_reads_back_as_itself(moment, zone):
    moment = moment.replace(second=0, microsecond=0)
    written = f"{moment:%Y-%m-%d %H:%M}{zone}"
    read = parse_moment(written)
    assert read is not None
    assert read.replace(tzinfo=None) == moment
    assert (read.tzinfo is None) == (zone == "")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_read_or_refused_never_a_crash(text):
    read = parse_moment(text)
    assert read is None or isinstance(read, dt.datetime)


def test_the_german_form_of_a_moment():
    assert german_moment(dt.datetime(2026, 12, 11, 9, 0, tzinfo=BERLIN)) == (
        "Fr, 11. Dezember 2026, 9:00 Uhr"
    )
    assert german_moment(dt.datetime(2026, 3, 1, 18, 5)) == "So, 1. März 2026, 18:05 Uhr"
