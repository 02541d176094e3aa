"""``rundbrief report --mail``: the report as an HTML email, charts inline as PNG, CSVs attached.

Mail clients show no SVG and load no remote pictures: each chart is drawn once more as PNG and
travels as a ``cid:`` part; the tables go along as the CSV files ``build/reports/`` holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache

from generator.core.i18n import _
from generator.core.problems import Problem, ProblemsFound
from generator.core.settings import SETTINGS_FILE, Project
from generator.newsletter.inline import inline_css
from generator.report.charts import chart_pngs
from generator.report.figures import TIMEZONE, Report
from generator.report.glance import last_sent
from generator.report.page import csv_files, mail_body
from generator.report.signups import SignupTables
from generator.sending.state import SendState
from generator.sending.teammail import DELIVERY_FAILED, Part, Sender, TeamMail, team_message
from generator.sending.transport import Outgoing, Transport, TransportStopped

KIND = "report-mail"
"""What the send state remembers a report mail of a period as (``claim_once``)."""


def recipients(project: Project) -> tuple[str, ...]:
    """``report.recipients``; a problem at ``rundbrief.yml`` when there are none."""
    found = project.settings.report.recipients
    if not found:
        raise ProblemsFound(
            [
                Problem(
                    SETTINGS_FILE,
                    0,
                    _(
                        "report.recipients is empty: nobody to mail the report to; list the "
                        "founder's address under report: recipients: in rundbrief.yml"
                    ),
                )
            ]
        )
    return found


def report_mail(
    project: Project, report: Report, signups: SignupTables | None, to: str
) -> TeamMail:
    """The report for ``to``: HTML with the charts as ``cid:`` PNGs, a text part, the CSVs."""
    drawn = chart_pngs(report)
    cids = {name: f"diagramm-{name}@rundbrief" for name in drawn}
    titles = {name: title for name, (title, _png) in drawn.items()}
    html = mail_body(project, report, signups, cids, titles)
    html = inline_css(html, project.settings.newsletter.inliner)
    stand = report.generated.astimezone(TIMEZONE)
    platform = project.settings.platform_name
    return TeamMail(
        to=to,
        subject=f"Newsletter-Bericht {platform} – Stand {stand:%d.%m.%Y}",
        html=html,
        text=_text(report, platform, stand),
        pictures=tuple(Part(cids[name], png, "image/png") for name, (_t, png) in drawn.items()),
        attachments=tuple(
            Part(name, data, "text/csv") for name, data in csv_files(report, signups).items()
        ),
    )


def _text(report: Report, platform: str, stand: dt.datetime) -> str:
    lines = [
        f"Newsletter-Bericht {platform}, Stand {stand:%d.%m.%Y, %H:%M} Uhr.",
        "",
        "Der ganze Bericht mit Diagrammen steht in der HTML-Fassung dieser E-Mail; die "
        "Tabellen hängen als CSV-Dateien an (Semikolon-getrennt, für Tabellenkalkulationen).",
    ]
    last = last_sent(report)
    if last is not None:
        lines += [
            "",
            f"Letzter Newsletter: „{last.subject}“, versendet an {last.sent} von "
            f"{last.recipients} Empfängern; danach {last.unsubscribes} Abmeldungen, "
            f"{last.hard_bounces + last.soft_bounces} Bounces, {last.complaints} Beschwerden.",
        ]
    return "\n".join(lines) + "\n"


def sender(project: Project) -> Sender:
    """Report mails come from the newsletter's address, named as the report."""
    newsletter = project.settings.newsletter
    return Sender(f"{newsletter.from_name} – Bericht", newsletter.from_address)


@dataclass
class ReportOutcome:
    """Who got the report, who had it for every due period already, whose server refused."""

    sent: list[str] = field(default_factory=list)
    earlier: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def deliver_report(
    state: SendState | None,
    transport: Transport,
    message_for: Callable[[str], bytes],
    to: tuple[str, ...],
    envelope: str,
    periods: list[str] | None,
) -> ReportOutcome:
    """Send the report to each of ``to``; with ``periods`` only for those not claimed before.

    Each due period is claimed per recipient before the mail goes out and given back when it
    fails, so the next scheduled run sends it, and no run sends it twice.
    """
    outcome = ReportOutcome()
    try:
        for recipient in to:
            claimed: list[str] = []
            if periods is not None:
                assert state is not None
                claimed = [p for p in periods if state.claim_once(KIND, f"{p} {recipient}")]
                if not claimed:
                    outcome.earlier.append(recipient)
                    continue
            try:
                transport.send(Outgoing(envelope, (recipient,), message_for(recipient)))
            except (*DELIVERY_FAILED, OSError) as error:
                for period in claimed:
                    assert state is not None
                    state.release_once(KIND, f"{period} {recipient}")
                if isinstance(error, (TransportStopped, OSError)):
                    raise  # the transport stopped: nothing more goes out in this run
                outcome.failed.append((recipient, str(error)))
                continue
            outcome.sent.append(recipient)
    finally:
        transport.close()
    return outcome


def message_bytes(
    project: Project, report: Report, signups: SignupTables | None
) -> Callable[[str], bytes]:
    """What ``deliver_report`` sends to a recipient: the report is drawn once, when first sent."""

    @cache
    def mail() -> TeamMail:
        return report_mail(project, report, signups, "")

    return lambda to: team_message(replace(mail(), to=to), sender(project))
