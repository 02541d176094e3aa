"""The send report as files: one self-contained German HTML page with SVG charts, and CSV.

The charts (``report_charts``) are placed inline; the page needs no script, font or image
from anywhere, and reads the same on paper and on a phone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import jinja2

from generator.core.files import write_bytes, write_text
from generator.core.output import publish, staging_dir
from generator.core.settings import Project
from generator.report.charts import charts
from generator.report.figures import COMPLAINT_LIMIT, COMPLAINT_TARGET, TIMEZONE, Report

REPORT_DIR = "reports"
PAGE = "bericht.html"
NEWSLETTER_CSV = "newsletter.csv"
MONTHS_CSV = "monate.csv"
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
    return "–" if value is None else f"{int(value):,}".replace(",", ".")


def percent(value: float | None, digits: int = 2) -> str:
    """A share as German percent: 0,31 %."""
    return "–" if value is None else f"{value * 100:.{digits}f} %".replace(".", ",")


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


def write_report(project: Project, report: Report) -> Path:
    """Write page and CSV files into ``build/reports/``, swapped in whole; return the page."""
    with staging_dir(project.root) as folder:
        new = folder / REPORT_DIR
        write_text(new / PAGE, page(project, report), within=folder)
        write_bytes(new / NEWSLETTER_CSV, newsletter_csv(report), within=folder)
        write_bytes(new / MONTHS_CSV, months_csv(report), within=folder)
        publish([(new, project.build_dir / REPORT_DIR)], retired=folder)
    return project.build_dir / REPORT_DIR / PAGE


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
        duration=duration,
        month_name=month_name,
        status_label=status_label,
    )
    return environment


def page(project: Project, report: Report) -> str:
    """The HTML page with every chart inline."""
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            platform=project.settings.platform_name,
            report=report,
            charts=charts(report),
            exclusion_labels=EXCLUSION_LABELS,
            suppression_labels=SUPPRESSION_LABELS,
            limit=COMPLAINT_LIMIT,
            target=COMPLAINT_TARGET,
            sent=sum(n.sent for n in report.newsletters),
        )
    )


NEWSLETTER_COLUMNS = (
    "newsletter",
    "versandbeginn",
    "versandende",
    "dauer_sekunden",
    "durchgaenge",
    "versendet",
    "fehlgeschlagen",
    "unsicher",
    "ausstehend",
    *(f"ausgeschlossen_{key}" for key in EXCLUSION_LABELS),
    "harte_bounces",
    "weiche_bounces",
    "beschwerden",
    "abmeldungen_danach",
    "bouncequote_prozent",
    "beschwerdequote_prozent",
)
MONTH_COLUMNS = (
    "monat",
    "abmeldungen",
    "harte_bounces",
    "weiche_bounces",
    "beschwerden",
    "neue_anmeldungen",
    "mitglieder_mit_einwilligung",
    "mitglieder_im_export",
)


def _csv(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """CSV as German spreadsheets open it: UTF-8 with BOM, semicolons, decimal commas."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _share(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.4f}".replace(".", ",")


def newsletter_csv(report: Report) -> bytes:
    """One row per newsletter, the same figures as the page."""
    rows = []
    for n in report.newsletters:
        excluded = dict(n.excluded)
        rows.append(
            (
                n.slug,
                n.started.isoformat(timespec="seconds") if n.started else "",
                n.finished.isoformat(timespec="seconds") if n.finished else "",
                int(n.duration.total_seconds()) if n.duration is not None else "",
                n.runs,
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
            m.month,
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
