"""The send report as files: one self-contained German HTML page with SVG charts, and CSV.

The charts (``report_charts``) are placed inline; the page needs no script, font or image
from anywhere, and reads the same on paper and on a phone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2

from generator.core import german
from generator.core.activecontent import PAGE_POLICY, findings, line_of, refusal, refused
from generator.core.files import write_bytes, write_text
from generator.core.output import publish, staging_dir
from generator.core.problems import Problem, raise_if_errors
from generator.core.settings import Project
from generator.feedback.suppression import neutralise
from generator.report.charts import charts
from generator.report.figures import (
    COMPLAINT_LIMIT,
    COMPLAINT_TARGET,
    TIMEZONE,
    Report,
    SegmentMonth,
)
from generator.report.glance import changes, health, last_sent
from generator.report.signups import NO_CAMPAIGN, Signups, SignupTables, tables

REPORT_DIR = "reports"
PAGE = "bericht.html"
NEWSLETTER_CSV = "newsletter.csv"
MONTHS_CSV = "monate.csv"
UNATTRIBUTED_CSV = "nicht-zugeordnet.csv"
VOTES_CSV = "hilfreich.csv"
SEGMENTS_CSV = "mitglieder-zielgruppen.csv"
SCRIPT = "sortieren.js"
POLICY = f"{PAGE_POLICY}; script-src 'self'"
"""A self-contained page's policy, plus its one script beside it (sorting the table)."""
COLUMNS = (
    "Newsletter",
    "Datum",
    "Empfänger",
    "versendet",
    "Bounces",
    "Beschwer\u00adden",
    "Abmel\u00addungen",
    "Bounce\u00adquote",
    "Beschwerde\u00adquote",
)
"""The comparison table's headings (soft hyphens: the table fits a narrow window)."""
KIND_LABELS = {
    "hard_bounce": "harte Bounces",
    "soft_bounce": "weiche Bounces",
    "complaint": "Beschwerden",
    "unsubscribe": "Abmeldungen",
}
UNATTRIBUTED_LABELS = {
    "unknown_send": "gehört zu einem Versand, den das Versandjournal nicht kennt "
    "(ein älterer Versand oder einer von einem anderen Rechner)",
    "no_newsletter": "die Rückmeldung nennt keinen Newsletter",
    "before_first_send": "vor dem ersten Versand in diesem Journal",
}
EXCLUSION_LABELS = {
    "invalid": "ungültige Zeile im Mitgliederexport",
    "consent": "ohne bestätigte Einwilligung",
    "unsubscribed": "laut Mitgliederexport abgemeldet",
    "suppressed": "auf einer Sperrliste (--suppress)",
    "audience": "nicht in der Zielgruppe",
    "unsubscribed_by_mail": "per E-Mail abgemeldet",
    "hard_bounce": "gesperrt nach hartem Bounce",
    "soft_bounces": "gesperrt nach wiederholten weichen Bounces",
    "complaint": "gesperrt nach Beschwerde",
}
SUPPRESSION_LABELS = {
    "unsubscribed": "per E-Mail abgemeldet",
    "hard_bounce": "harter Bounce",
    "soft_bounces": "wiederholte weiche Bounces",
    "complaint": "Beschwerde",
}

STATUS_LABELS = {
    "5.1.1": "Empfängeradresse unbekannt",
    "5.1.2": "Domain des Empfängers unbekannt",
    "5.1.10": "Domain empfängt keine E-Mails",
    "5.2.1": "Postfach gesperrt",
    "5.2.2": "Postfach voll",
    "4.2.2": "Postfach voll",
    "5.4.1": "Empfänger abgelehnt",
    "4.4.1": "Server des Empfängers nicht erreichbar",
    "5.7.1": "abgelehnt (Richtlinie, Spamfilter oder Sperrliste)",
    "4.7.1": "vorläufig abgelehnt (Richtlinie oder Greylisting)",
    "5.7.26": "abgelehnt: Absender-Authentifizierung (DMARC, SPF, DKIM) fehlgeschlagen",
}
"""What the common enhanced status codes (RFC 3463) mean: the report shows codes, not replies."""


def status_label(status: str) -> str:
    """The meaning of ``550 5.1.1``: known code, else the class (permanent or temporary)."""
    reply, _, enhanced = status.partition(" ")
    if enhanced in STATUS_LABELS:
        return STATUS_LABELS[enhanced]
    if reply.startswith("5"):
        return "dauerhafter Fehler"
    if reply.startswith("4"):
        return "vorübergehender Fehler"
    return "Antwort ohne Statuscode"


def number(value: float | int | None) -> str:
    """German thousands separator: 12.345."""
    return "–" if value is None else german.number(int(value))


def percent(value: float | None, digits: int = 2) -> str:
    """A share as German percent: 0,31 %."""
    return "–" if value is None else german.percent(value * 100, digits)


def day(moment: dt.date | None) -> str:
    """A day as German spreadsheets and readers expect it: 02.11.2026 (Berlin time)."""
    if moment is None:
        return "–"
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(TIMEZONE).date()
    return moment.strftime("%d.%m.%Y")


def when(moment: dt.datetime | None) -> str:
    """A moment in Berlin time: 02.11.2026, 08:15 Uhr."""
    return "–" if moment is None else moment.astimezone(TIMEZONE).strftime("%d.%m.%Y, %H:%M Uhr")


def duration(span: dt.timedelta | None) -> str:
    """A duration the way people say it: 2 Std. 14 Min., 38 Sek."""
    if span is None:
        return "–"
    seconds = int(span.total_seconds())
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    if hours:
        return f"{hours} Std. {minutes} Min."
    if minutes:
        return f"{minutes} Min. {seconds % 60} Sek." if seconds % 60 else f"{minutes} Min."
    return f"{seconds} Sek."


def month_name(month: str) -> str:
    """2026-11 → 11/2026."""
    year, number_ = month.split("-")
    return f"{number_}/{year}"


MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)


def month_long(month: str) -> str:
    """2026-11 → November 2026."""
    year, number_ = month.split("-")
    return f"{MONTHS[int(number_) - 1]} {year}"


def write_report(
    project: Project,
    report: Report,
    signups: Signups | None = None,
    names: dict[str, str] | None = None,
) -> Path:
    """Write page and CSV files into ``build/reports/``, swapped in whole; return the page."""
    counted = None if signups is None else signup_tables(report, signups, names)
    with staging_dir(project.root) as folder:
        new = folder / REPORT_DIR
        write_text(new / PAGE, page(project, report, counted), within=folder)
        files = csv_files(report, counted)
        files[SCRIPT] = resources.files("generator.report").joinpath(SCRIPT).read_bytes()
        for name, data in files.items():
            write_bytes(new / name, data, within=folder)
        publish([(new, project.build_dir / REPORT_DIR)], retired=folder)
    return project.build_dir / REPORT_DIR / PAGE


def csv_files(report: Report, counted: SignupTables | None) -> dict[str, bytes]:
    """The report's tables as CSV files, by file name."""
    files = {NEWSLETTER_CSV: newsletter_csv(report), MONTHS_CSV: months_csv(report)}
    files[UNATTRIBUTED_CSV] = unattributed_csv(report)
    if report.votes:
        files[VOTES_CSV] = votes_csv(report)
    if report.segments:
        files[SEGMENTS_CSV] = segments_csv(report)
    if counted is not None:
        files |= signup_csvs(counted)
    return files


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("generator.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters.update(
        number=number,
        percent=percent,
        when=when,
        day=day,
        duration=duration,
        month_name=month_name,
        month_long=month_long,
        status_label=status_label,
    )
    return environment


def signup_tables(report: Report, signups: Signups, names: dict[str, str] | None) -> SignupTables:
    """The sign-up tables, the newsletters by subject (newest first) and their utm_campaign."""
    newsletters = [
        (n.subject, n.edition.utm_campaign if n.edition else n.slug)
        for n in reversed(report.newsletters)
    ]
    return tables(signups, newsletters, names)


SEGMENT_MONTHS = 6
"""Months of the segment table on the page (the CSV holds every month)."""


def _recent_segments(report: Report) -> list[SegmentMonth]:
    """The segment table of the page: the last months, newest first, ``alle`` first in each."""
    recent = {m.month for m in report.months[-SEGMENT_MONTHS:]}
    rows = [row for row in report.segments if row.month in recent]
    return sorted(rows, key=lambda row: row.month, reverse=True)  # stable: segment order kept


def mail_body(
    project: Project,
    report: Report,
    signups: SignupTables | None,
    cids: Mapping[str, str],
    titles: Mapping[str, str],
) -> str:
    """The report as an email's HTML: the charts are ``cid:`` pictures, no script."""
    markup = _render(project, report, signups, mail=cids, titles=titles)
    raise_if_errors(refused(markup, "report --mail"))
    return markup


def page(project: Project, report: Report, signups: SignupTables | None = None) -> str:
    """The HTML page with every chart inline; anything script-capable but its script refused."""
    markup = _render(project, report, signups)
    output = f"build/{REPORT_DIR}/{PAGE}"
    raise_if_errors(
        Problem(output, line_of(markup, item.needles) or 0, refusal(item.what, output))
        for item in findings(markup, page=PAGE, scripts=[SCRIPT])
    )
    return markup


def _render(
    project: Project,
    report: Report,
    signups: SignupTables | None,
    *,
    mail: Mapping[str, str] | None = None,
    titles: Mapping[str, str] | None = None,
) -> str:
    """The report as HTML; with ``mail`` (chart name → Content-ID) as an email's body."""
    last = last_sent(report)
    brought = None
    if signups is not None and last is not None:
        campaign = last.edition.utm_campaign if last.edition else last.slug
        brought = sum(n for _subject, c, n in signups.newsletters if c == campaign)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            platform=project.settings.platform_name,
            report=report,
            charts=charts(report) if mail is None else mail,
            mail=mail is not None,
            titles=titles or {},
            exclusion_labels=EXCLUSION_LABELS,
            suppression_labels=SUPPRESSION_LABELS,
            limit=COMPLAINT_LIMIT,
            target=COMPLAINT_TARGET,
            columns=COLUMNS,
            last=last,
            light=health(last),
            change=changes(report),
            kind_labels=KIND_LABELS,
            unattributed_labels=UNATTRIBUTED_LABELS,
            signups=signups,
            segments=_recent_segments(report),
            segment_months=SEGMENT_MONTHS,
            names=signups is not None and any(name for _c, name, _n in signups.codes),
            brought=brought,
            top_codes=TOP_CODES,
            no_campaign=NO_CAMPAIGN,
            policy=POLICY,
        )
    )


NEWSLETTER_COLUMNS = (
    "Newsletter",
    "Datei",
    "Datum",
    "Zielgruppe",
    "utm_campaign",
    "Versandbeginn",
    "Versandende",
    "Dauer in Sekunden",
    "Durchgänge",
    "Empfänger",
    "versendet",
    "fehlgeschlagen",
    "unsicher",
    "ausstehend",
    *(f"nicht angeschrieben: {label}" for label in EXCLUSION_LABELS.values()),
    "Harte Bounces",
    "Weiche Bounces",
    "Beschwerden",
    "Abmeldungen danach",
    "Bouncequote in %",
    "Beschwerdequote in %",
)
MONTH_COLUMNS = (
    "Monat",
    "Abmeldungen",
    "Harte Bounces",
    "Weiche Bounces",
    "Beschwerden",
    "Neue Anmeldungen",
    "Mitglieder mit Einwilligung",
    "Mitglieder im Export",
)
UNATTRIBUTED_COLUMNS = ("Art", "Anzahl", "Grund", "Newsletter laut Rückmeldung")
VOTES_COLUMNS = ("Artikel", "Adresse", "hilfreich", "nicht hilfreich", "Anteil hilfreich in %")


def _csv(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """CSV as German Excel opens it: UTF-8 with BOM, semicolons, decimal commas; formula-safe.

    Subjects, audiences and campaign names are text someone typed: a cell that starts like a
    formula is neutralised as in the suppression export.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(
        [neutralise(cell) if isinstance(cell, str) else cell for cell in row] for row in rows
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _share(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.4f}".replace(".", ",")


def _moment(value: dt.datetime | None) -> str:
    """TT.MM.JJJJ HH:MM in Berlin time, which German Excel reads as a date and time."""
    return "" if value is None else value.astimezone(TIMEZONE).strftime("%d.%m.%Y %H:%M")


def newsletter_csv(report: Report) -> bytes:
    """One row per newsletter, the same figures as the page."""
    rows = []
    for n in report.newsletters:
        excluded = dict(n.excluded)
        rows.append(
            (
                n.subject,
                n.slug,
                day(n.edition.date) if n.edition and n.edition.date else "",
                n.edition.audience if n.edition else "",
                n.edition.utm_campaign if n.edition else "",
                _moment(n.started),
                _moment(n.finished),
                int(n.duration.total_seconds()) if n.duration is not None else "",
                n.runs,
                n.recipients,
                n.sent,
                n.failed,
                n.uncertain,
                n.pending,
                *(excluded.get(key, 0) for key in EXCLUSION_LABELS),
                n.hard_bounces,
                n.soft_bounces,
                n.complaints,
                n.unsubscribes,
                _share(n.bounce_rate),
                _share(n.complaint_rate),
            )
        )
    return _csv(NEWSLETTER_COLUMNS, rows)


def months_csv(report: Report) -> bytes:
    """One row per month."""
    rows = [
        (
            month_name(m.month),
            m.unsubscribes,
            m.hard_bounces,
            m.soft_bounces,
            m.complaints,
            "" if m.signups is None else m.signups,
            "" if m.consenting is None else m.consenting,
            "" if m.members is None else m.members,
        )
        for m in report.months
    ]
    return _csv(MONTH_COLUMNS, rows)


def unattributed_csv(report: Report) -> bytes:
    """The reports no newsletter owns, and why."""
    rows = [
        (KIND_LABELS[u.kind], u.count, UNATTRIBUTED_LABELS[u.reason], u.newsletter)
        for u in report.unattributed
    ]
    return _csv(UNATTRIBUTED_COLUMNS, rows)


def votes_csv(report: Report) -> bytes:
    """ "War dieser Artikel hilfreich?" per article, the least helpful first, as on the page."""
    rows = [
        (v.title, "/" + v.page, v.yes, v.no, _share(v.share if v.total else None))
        for v in report.votes
    ]
    return _csv(VOTES_COLUMNS, rows)


TOP_CODES = 10
"""Referral codes on the page (the CSV holds every code)."""
SIGNUP_CSVS = {
    "anmeldungen-newsletter.csv": ("Newsletter", "utm_campaign", "Anmeldungen"),
    "anmeldungen-kampagnen.csv": ("Kampagne (utm_campaign)", "Medium (utm_medium)", "Anmeldungen"),
    "anmeldungen-codes.csv": ("Empfehlungscode", "Name", "Anmeldungen"),
    "anmeldungen-monate.csv": ("Monat", "Anmeldungen"),
}


def signup_csvs(counted: SignupTables) -> dict[str, bytes]:
    """One CSV per sign-up table of the page (every code, not only the top ones)."""
    rows: list[list[tuple[object, ...]]] = [
        list(counted.newsletters),
        list(counted.campaigns),
        list(counted.codes),
        [(month_name(month), n) for month, n in counted.months],
    ]
    return {
        name: _csv(columns, table)
        for (name, columns), table in zip(SIGNUP_CSVS.items(), rows, strict=True)
    }


SEGMENT_COLUMNS = ("Monat", "Zielgruppe", "Neu", "Abgemeldet", "Mit Einwilligung am Monatsende")


def segments_csv(report: Report) -> bytes:
    """Members by segment and month."""
    rows = [
        (month_name(s.month), s.segment, s.new, s.unsubscribed, s.consenting)
        for s in report.segments
    ]
    return _csv(SEGMENT_COLUMNS, rows)
