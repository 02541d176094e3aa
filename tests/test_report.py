"""rundbrief report on a journal and suppression store built here: figures, privacy, the page."""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import sqlite3
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from feedback_helpers import LASTSCHRIFT, NOVEMBER, WERBEN
from journal_helpers import journal_file, journal_sql, store_file, store_sql
from members_helpers import member, members_file

from generator.feedback.suppression import Event, SuppressionStore, iso
from generator.report.page import EXCLUSION_LABELS
from generator.sending.journal import Journal

BERLIN = ZoneInfo("Europe/Berlin")
SEPTEMBER = "2026-09-07-monatsupdate-september"
SENDS = {
    SEPTEMBER: dt.datetime(2026, 9, 7, 8, 0, tzinfo=dt.UTC),
    NOVEMBER: dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC),
    LASTSCHRIFT: dt.datetime(2026, 11, 20, 7, 30, tzinfo=dt.UTC),
    WERBEN: dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC),
}
MEMBERS = 40
SUBJECTS = {  # as the example's sources say, with the fact of the second one filled in
    NOVEMBER: "Ihr Monatsupdate November: Dividende, neue App-Funktionen und Termine",
    LASTSCHRIFT: "Wichtig: Ihr SEPA-Lastschrifttermin ändert sich zum 1. Januar 2027",
    WERBEN: "Mitglieder werben Mitglieder: 25 € für jede Empfehlung",
}


def state_of(newsletter: str, number: int) -> tuple[str, str]:
    """A varied but fixed outcome per recipient: failed, uncertain, pending or sent."""
    if number % 13 == 0:
        return "failed", f"550 5.1.1 <{member(number)}>: Recipient address rejected: User unknown"
    if number % 11 == 0:
        return "failed", "554 5.7.1 Service unavailable; client host blocked using Spamhaus"
    if number % 17 == 0:
        return "sending", ""
    if newsletter == WERBEN and number > 36:
        return "pending", "deferred: 451 4.7.1 try again later"
    return "sent", "250 2.0.0 queued"


def build_history(project: Path, private: Path) -> Path:
    """Four sends in the journal, feedback in the store, and a members file; returns it."""
    journal = Journal(journal_file(project))
    for slug in SENDS:
        journal.plan(slug, [(member(n), f"<{slug}.{n}@x>") for n in range(1, MEMBERS + 1)], "c0")
        for number in range(1, MEMBERS + 1):
            state, reply = state_of(slug, number)
            if state != "pending":
                journal.mark(slug, member(number), state, reply)
    journal.close()
    with sqlite3.connect(journal_file(project)) as db:
        for slug, start in SENDS.items():
            for number in range(1, MEMBERS + 1):
                stamp = iso(start + dt.timedelta(minutes=number))
                sent = stamp if state_of(slug, number)[0] == "sent" else None
                db.execute(
                    "UPDATE deliveries SET created_at = ?, updated_at = ?, sent_at = ?"
                    " WHERE newsletter = ? AND recipient = ?",
                    (iso(start), stamp, sent, slug, member(number)),
                )
    later = lambda slug, days: iso(SENDS[slug] + dt.timedelta(days=days))  # noqa: E731
    events = [
        Event("hard_bounce", member(1), SEPTEMBER, "5.1.1", "<h1>", later(SEPTEMBER, 0.1)),
        Event("hard_bounce", member(2), NOVEMBER, "5.1.1", "<h2>", later(NOVEMBER, 0.1)),
        Event("hard_bounce", member(3), NOVEMBER, "5.1.10", "<h3>", later(NOVEMBER, 0.2)),
        Event("soft_bounce", member(4), NOVEMBER, "4.2.2", "<s1>", later(NOVEMBER, 0.3)),
        Event("soft_bounce", member(4), NOVEMBER, "4.2.2", "<s2>", later(NOVEMBER, 1.3)),
        Event("soft_bounce", member(5), LASTSCHRIFT, "4.4.1", "<s3>", later(LASTSCHRIFT, 0.5)),
        Event("soft_bounce", member(6), LASTSCHRIFT, "4.2.2", "<s4>", later(LASTSCHRIFT, 0.5)),
        Event("hard_bounce", member(6), LASTSCHRIFT, "5.2.1", "<h4>", later(LASTSCHRIFT, 3)),
        Event("complaint", member(7), NOVEMBER, "ARF abuse", "<c1>", later(NOVEMBER, 2)),
        Event("complaint", member(8), WERBEN, "ARF abuse", "<c2>", later(WERBEN, 1)),
        Event("unsubscribe", member(9), "", "", "<u1>", later(SEPTEMBER, 3)),
        Event("unsubscribe", member(10), "", "", "<u2>", later(NOVEMBER, 1)),
        Event("unsubscribe", member(10), "", "", "<u3>", later(NOVEMBER, 2)),  # sent twice
        Event("unsubscribe", member(12), "", "", "<u4>", later(LASTSCHRIFT, 5)),
    ]
    with SuppressionStore(store_file(project)) as store:
        store.add(events)
    # WERBEN went out in two runs (capped, resumed the next morning), as `send` records them.
    runs = ((SENDS[WERBEN], 25 * 60), (SENDS[WERBEN] + dt.timedelta(hours=22), 14 * 60 + 5))
    with Journal(journal_file(project)) as journal:
        for begun, seconds in runs:
            journal.record_run(WERBEN, begun, begun + dt.timedelta(seconds=seconds))
        # Each send counts the members file (`report --members` counts it again, now).
        for slug, rows_then in ((SEPTEMBER, 35), (NOVEMBER, 38), (LASTSCHRIFT, 39)):
            journal.record_member_count(rows_then, SENDS[slug])
        for slug in (NOVEMBER, LASTSCHRIFT):
            journal.record_exclusions(
                slug, {"consent": 3, "hard_bounce": 1, "unsubscribed_by_mail": 1, "audience": 0}
            )
    rows = []
    for number in range(1, MEMBERS + 1):
        month = 1 + number % 11
        opted = f"2026-{month:02d}-03T10:00:00+01:00"
        confirmed = "" if number % 9 == 0 else f"2026-{month:02d}-03T10:05:00+01:00"
        left = "2026-11-10T12:00:00+01:00" if number in (12, 14) else ""
        rows.append(
            f"{member(number)},Vorname{number},Muster,code-{number},alle,{opted},{confirmed},{left},2024"
        )
    return members_file(private, rows)


def read_csv(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode())  # Excel opens UTF-8 only with a BOM
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


SIGNUPS = """\
date;referral_code;utm_campaign;utm_source;utm_medium;utm_content
02.11.2026;;2026-11-02-monatsupdate-november;newsletter;email;
2026-11-22;ein-sehr-langer-empfehlungscode-der-kaum-auf-ein-telefon-passt-x;eine-werbemittel-kampagne-mit-einem-sehr-langen-namen-2026;empfehlung;banner;quadrat
"""


@pytest.fixture
def report(example_project, cli, tmp_path) -> Path:
    members = build_history(example_project, tmp_path / "private")
    export = tmp_path / "private" / "anmeldungen.csv"
    export.write_text(SIGNUPS, encoding="utf-8")
    result = cli(example_project, "report", "--members", str(members), "--signups", str(export))
    assert result.exit_code == 0, result.stderr
    assert "Bericht über 4 Newsletter nach build/reports/bericht.html geschrieben" in result.stdout
    return example_project


def test_the_csv_figures_are_the_counts_in_the_databases(report):
    rows = {row["Datei"]: row for row in read_csv(report / "build" / "reports" / "newsletter.csv")}
    assert list(rows) == list(SENDS)  # in the order they were sent
    starts = sorted(SENDS.values())
    first_unsubscribe = store_sql(
        report,
        "SELECT address, MIN(at) FROM events WHERE kind = 'unsubscribe' GROUP BY address",
    )  # fmt: skip
    unsubscribed = {a: dt.datetime.fromisoformat(at) for a, at in first_unsubscribe}
    for address, left in (
        (member(12), "2026-11-10T12:00:00+01:00"),
        (member(14), "2026-11-10T12:00:00+01:00"),
    ):
        moment = dt.datetime.fromisoformat(left)
        unsubscribed[address] = min(unsubscribed.get(address, moment), moment)
    after = Counter(starts[bisect.bisect_right(starts, when) - 1] for when in unsubscribed.values())

    for slug, row in rows.items():
        states = dict(
            journal_sql(report, "SELECT state, COUNT(*) FROM deliveries WHERE newsletter = ? GROUP BY state", slug)
        )  # fmt: skip
        assert int(row["versendet"]) == states.get("sent", 0)
        assert int(row["fehlgeschlagen"]) == states.get("failed", 0)
        assert int(row["unsicher"]) == states.get("sending", 0)
        assert int(row["ausstehend"]) == states.get("pending", 0)
        kinds = {
            kind: {address for (address,) in store_sql(report, "SELECT DISTINCT address FROM events WHERE newsletter = ? AND kind = ?", slug, kind)}
            for kind in ("hard_bounce", "soft_bounce", "complaint")
        }  # fmt: skip
        assert int(row["Harte Bounces"]) == len(kinds["hard_bounce"])
        assert int(row["Weiche Bounces"]) == len(kinds["soft_bounce"] - kinds["hard_bounce"])
        assert int(row["Beschwerden"]) == len(kinds["complaint"])
        excluded = dict(journal_sql(report, "SELECT reason, count FROM exclusions WHERE newsletter = ?", slug))  # fmt: skip
        for reason, label in EXCLUSION_LABELS.items():
            assert int(row[f"nicht angeschrieben: {label}"]) == excluded.get(reason, 0)
        assert int(row["Abmeldungen danach"]) == after[SENDS[slug]]
        runs = journal_sql(report, "SELECT started_at, ended_at FROM runs WHERE newsletter = ? AND timed AND ended_at IS NOT NULL", slug)  # fmt: skip
        if not runs:  # sent before runs were recorded: the journal's first and last times
            runs = journal_sql(
                report,
                "SELECT MIN(created_at), MAX(updated_at) FROM deliveries WHERE newsletter = ? AND state != 'pending'", slug,
            )  # fmt: skip
        span = sum(
            (
                dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(begin)
                for begin, end in runs
            ),
            dt.timedelta(),
        )
        assert int(row["Dauer in Sekunden"]) == int(span.total_seconds())
        bounced = len(kinds["hard_bounce"] | kinds["soft_bounce"])
        assert float(row["Bouncequote in %"].replace(",", ".")) == pytest.approx(
            100 * bounced / states["sent"], abs=1e-4
        )
    assert rows[NOVEMBER]["versendet"] == "32" and rows[NOVEMBER]["Harte Bounces"] == "2"
    assert (rows[WERBEN]["Dauer in Sekunden"], rows[WERBEN]["Durchgänge"]) == ("2345", "2")
    assert (rows[NOVEMBER]["Dauer in Sekunden"], rows[NOVEMBER]["Durchgänge"]) == ("2400", "0")

    months = {
        "{1}-{0}".format(*row["Monat"].split("/")): row
        for row in read_csv(report / "build" / "reports" / "monate.csv")
    }
    assert list(months)[0] == "2026-01" and "2026-12" in months
    events = store_sql(report, "SELECT kind, address, at FROM events")
    for month, row in months.items():
        in_month = lambda kind, month=month: {  # noqa: E731
            a for k, a, at in events
            if k == kind and dt.datetime.fromisoformat(at).astimezone(BERLIN).strftime("%Y-%m") == month
        }  # fmt: skip
        assert int(row["Harte Bounces"]) == len(in_month("hard_bounce"))
        assert int(row["Weiche Bounces"]) == len(in_month("soft_bounce"))
        assert int(row["Beschwerden"]) == len(in_month("complaint"))
        expected = sum(
            1
            for when in unsubscribed.values()
            if when.astimezone(BERLIN).strftime("%Y-%m") == month
        )
        assert int(row["Abmeldungen"]) == expected
    assert months["2026-11"]["Abmeldungen"] == "3"  # members 10 and 12 by mail, 14 in the export
    # Sign-ups per month from the members file (member n signed up in month 1 + n % 11; every
    # ninth never confirmed): 33 consent by the end of October, 36 join, two leave in November.
    assert sum(int(row["Neue Anmeldungen"]) for row in months.values()) == MEMBERS
    assert months["2026-10"]["Mitglieder mit Einwilligung"] == "33"
    assert months["2026-11"]["Mitglieder mit Einwilligung"] == "34"
    # Rows of the members file over time: the month's last count, at a send or a report.
    counts = journal_sql(report, "SELECT recorded_at, members FROM member_counts")
    last: dict[str, str] = {}
    for at, rows_then in sorted((dt.datetime.fromisoformat(at), n) for at, n in counts):
        last[at.astimezone(BERLIN).strftime("%Y-%m")] = str(rows_then)
    assert len(counts) == 4  # three sends and this report
    for month, row in months.items():
        assert row["Mitglieder im Export"] == last.get(month, ""), month
    assert months["2026-09"]["Mitglieder im Export"] == "35"
    assert months["2026-10"]["Mitglieder im Export"] == ""  # nothing counted it that month
    assert str(MEMBERS) in last.values()  # the report's own count


def test_the_report_names_no_one(report):
    page = (report / "build" / "reports" / "bericht.html").read_text(encoding="utf-8")
    csvs = [(report / "build" / "reports" / name).read_text(encoding="utf-8-sig") for name in ("newsletter.csv", "monate.csv")]  # fmt: skip
    for text in (page, *csvs):
        assert "beispiel.example" not in text
        assert "Vorname" not in text and "Muster" not in text
    assert '<span class="antwort">550 5.1.1</span> Empfängeradresse unbekannt' in page
    assert (
        '<span class="antwort">554 5.7.1</span> abgelehnt (Richtlinie, Spamfilter oder Sperrliste)'
        in page
    )
    assert "Recipient address rejected" not in page  # codes only: the text may name someone


DISGUISED = (
    "550 5.1.1 anna(at)beispiel(dot)example: user unknown",
    "550 5.1.1 anna at beispiel dot example does not exist",
    "550 5.1.1 <anna%beispiel.example@relay.example> unknown",
    "550 5.1.1 anna\uff20beispiel.example unknown",
    "550 5.1.1 anna&#64;beispiel.example unknown",
    "550 5.1.1 YW5uYUBiZWlzcGllbC5leGFtcGxl unknown",
    "550-5.1.1 anna@beispiel.example\r\n550 5.1.1 unknown",
    "anna@beispiel.example 550 5.1.1",
)


def test_the_report_names_no_one_even_when_a_server_disguises_the_address(
    example_project, cli, tmp_path
):
    members = build_history(example_project, tmp_path / "private")
    for number, reply in enumerate(DISGUISED, start=1):
        journal_sql(
            example_project,
            "UPDATE deliveries SET state = 'failed', reply = ? WHERE newsletter = ? AND recipient = ?",
            reply,
            NOVEMBER,
            member(number),
        )  # fmt: skip

    result = cli(example_project, "report", "--members", str(members))

    assert result.exit_code == 0, result.stderr
    folder = example_project / "build" / "reports"
    for name in ("bericht.html", "newsletter.csv", "monate.csv"):
        text = (folder / name).read_text(encoding="utf-8-sig")
        for part in ("anna", "beispiel", "YW5u", "relay", "&#64;", "\uff20"):
            assert part not in text, (name, part)
    page = (folder / "bericht.html").read_text(encoding="utf-8")
    assert "Antwort ohne Statuscode" in page  # the last reply starts with no code at all


def test_only_unsubscribes_of_members_who_were_sent_a_newsletter_count(
    example_project, cli, tmp_path
):
    members = build_history(example_project, tmp_path / "private")
    assert cli(example_project, "report", "--members", str(members)).exit_code == 0
    folder = example_project / "build" / "reports"
    before = {name: (folder / name).read_bytes() for name in ("newsletter.csv", "monate.csv")}
    spam = [
        Event("unsubscribe", f"fremd{n}@irgendwo.example", "", "", f"<spam{n}>", iso(start))
        for n, start in enumerate(dt.datetime(2026, 11, 3, tzinfo=dt.UTC) + dt.timedelta(hours=h) for h in range(50))
    ]  # fmt: skip
    with SuppressionStore(store_file(example_project)) as store:
        store.add(spam)

    assert cli(example_project, "report", "--members", str(members)).exit_code == 0

    after = {name: (folder / name).read_bytes() for name in ("newsletter.csv", "monate.csv")}
    assert after["newsletter.csv"] == before["newsletter.csv"]
    # The months differ only in the members file's count (this report counted it again).
    strip = lambda data: [line.rsplit(b";", 1)[0] for line in data.splitlines()]  # noqa: E731
    assert strip(after["monate.csv"]) == strip(before["monate.csv"])


MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  let right = 0, widest = '';
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.height > 0 && box.right > right) { right = box.right; widest = el.tagName; }
  }
  const charts = [...document.querySelectorAll('svg')].map(svg => ({
    title: svg.querySelector(':scope > title')?.textContent ?? '',
    width: svg.getBoundingClientRect().width,
  }));
  return {width, right, widest, scroll: document.documentElement.scrollWidth, charts};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1024])
def test_the_page_is_self_contained_and_fits_a_phone(report, browser, serve_dir, artifacts, width):
    base = serve_dir(report / "build" / "reports")
    requests: list[str] = []
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.goto(base + "bericht.html", wait_until="networkidle")
        rates = "rows => rows.map(row => Number(row.cells[8].dataset.wert))"
        if width > 500:  # the headings sort the table (on a phone each row is a card)
            heading = page.locator("table[data-sortierbar] th button").nth(8)  # Beschwerdequote
            heading.click()
            up = page.eval_on_selector_all("table[data-sortierbar] tbody tr", rates)
            heading.click()
            down = page.eval_on_selector_all("table[data-sortierbar] tbody tr", rates)
            assert up == sorted(up) and up[0] < up[-1] and down == up[::-1], (up, down)
        result = page.evaluate(MEASURE)
        page.screenshot(path=str(artifacts / f"report-{width}px.png"), full_page=True)
        page.emulate_media(media="print")
        printed = page.evaluate(MEASURE)
    finally:
        context.close()
    # Nothing from anywhere else: the page and its sorting script, from the same folder.
    assert requests == [base + "bericht.html", base + "sortieren.js"]
    titles = [chart["title"] for chart in result["charts"]]
    assert titles == [
        "Beschwerdequote je Newsletter im Vergleich zur Grenze von Gmail und Yahoo",
        "Bouncequote je Newsletter: harte und weiche Bounces",
        "Abmeldungen, Bounces und Beschwerden pro Monat",
        "Neue Anmeldungen pro Monat",
        "Mitglieder im Export und mit Einwilligung am Monatsende",
    ]
    for measured in (result, printed):
        assert measured["scroll"] <= measured["width"], measured
        assert measured["right"] <= measured["width"] + 0.5, measured
        assert all(0 < chart["width"] <= measured["width"] for chart in measured["charts"])


def test_newsletters_appear_by_subject_and_foreign_reports_apart(example_project, cli, tmp_path):
    members = build_history(example_project, tmp_path / "private")
    older = "2026-06-01-alter-versand"  # sent from another journal: its reports are no one's here
    with SuppressionStore(store_file(example_project)) as store:
        store.add(
            [
                Event("hard_bounce", member(20), older, "5.1.1", "<o1>", "2026-12-02T08:00:00+00:00"),
                Event("hard_bounce", member(21), older, "5.1.1", "<o2>", "2026-12-02T09:00:00+00:00"),
                Event("complaint", member(22), older, "ARF", "<o3>", "2026-12-02T10:00:00+00:00"),
                Event("complaint", member(23), "", "ARF", "<o4>", "2026-12-02T10:00:00+00:00"),
            ]
        )  # fmt: skip
    before = (example_project / "build" / "reports" / "newsletter.csv").exists()

    result = cli(example_project, "report", "--members", str(members))

    assert result.exit_code == 0, result.stderr
    assert not before
    page = (example_project / "build" / "reports" / "bericht.html").read_text(encoding="utf-8")
    for slug, subject in SUBJECTS.items():  # from the source, its facts filled in
        assert f"<h3>{subject}</h3>" in page, slug
        assert f'<a href="#{slug}">{subject}</a>' in page
    assert f"<h3>{SEPTEMBER}</h3>" in page  # its source is gone: the file name stands in
    assert "2 harte Bounces – nicht zugeordnet: gehört zu einem Versand" in page
    assert f"(„{older}“)" in page
    assert "1 Beschwerden – nicht zugeordnet: gehört zu einem Versand" in page
    assert "1 Beschwerden – nicht zugeordnet: die Rückmeldung nennt keinen Newsletter" in page
    rows = {r["Newsletter"]: r for r in read_csv(example_project / "build" / "reports" / "newsletter.csv")}  # fmt: skip
    assert rows[SUBJECTS[WERBEN]]["Beschwerden"] == "1"  # member 8 only, not the foreign ones
    assert rows[SUBJECTS[WERBEN]]["Harte Bounces"] == "0"
    assert rows[SUBJECTS[NOVEMBER]]["Datum"] == "02.11.2026"
    assert rows[SUBJECTS[NOVEMBER]]["Zielgruppe"] == "alle"
    assert rows[SUBJECTS[NOVEMBER]]["Empfänger"] == str(MEMBERS)
    assert rows[SUBJECTS[NOVEMBER]]["Beschwerdequote in %"] == "3,1250"  # 1 of 32, decimal comma
    unattributed = read_csv(example_project / "build" / "reports" / "nicht-zugeordnet.csv")
    assert {(r["Art"], r["Anzahl"], r["Newsletter laut Rückmeldung"]) for r in unattributed} == {
        ("harte Bounces", "2", older),
        ("Beschwerden", "1", older),
        ("Beschwerden", "1", ""),
    }
