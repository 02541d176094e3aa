"""The printing side of `rundbrief doctor` (part of the CLI layer)."""

from __future__ import annotations

import click

from generator.core.i18n import _, ngettext, number
from generator.core.problems import AlreadySaid
from generator.core.settings import Project
from generator.core.terminal import plain
from generator.doctor.diagnose import diagnose
from generator.doctor.findings import MARKS, Finding

TOPIC_WIDTH = 11


def line(finding: Finding) -> str:
    """One finding as printed: mark, topic, message; the next step below it."""
    text = f"{MARKS[finding.status]} {plain(finding.topic):<{TOPIC_WIDTH}} {plain(finding.message)}"
    if finding.fix:
        text += "\n" + " " * (TOPIC_WIDTH + 3) + "→ " + plain(finding.fix)
    return text


def run_doctor(project: Project, members: str | None, probe: bool) -> None:
    """Print every check; exit 1 when something blocks a send."""
    findings = diagnose(project, members=members)
    if probe:
        from generator.doctor.probe import probe as send_probe

        findings.extend(send_probe(project))
    for finding in findings:
        click.echo(line(finding))
    blocking = sum(finding.blocks for finding in findings)
    if blocking:
        click.echo(
            ngettext(
                "{count} item blocks a send; each names the next step.",
                "{count} items block a send; each names the next step.",
                blocking,
            ).format(count=number(blocking)),
            err=True,
        )
        raise AlreadySaid()  # (exit 1 through the CLI's one exit place)
    click.echo(_("Everything a send needs is in place."))
