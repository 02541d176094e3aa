"""Newsletters in the pipeline: build/ outputs, archive pages on the help site, the RSS feed."""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
import xml.etree.ElementTree as etree
from collections.abc import Iterable
from email.utils import format_datetime

from generator.core.dates import german_date
from generator.core.settings import Project
from generator.newsletter import merge
from generator.newsletter.email import (
    ARCHIVE,
    RenderedEmail,
    archive_copy,
    archive_path,
    neutral_values,
    personalise,
    sample_values,
)
from generator.newsletter.layout import environment
from generator.newsletter.mime import build_message, wire_bytes
from generator.newsletter.render import Checked
from generator.newsletter.source import Newsletter
from generator.site.index import SiteIndex
from generator.site.stage import Page, StaticFile


def stage_newsletters(
    project: Project, index: SiteIndex, checked: Iterable[Checked]
) -> tuple[list[Page], list[StaticFile]]:
    """The web archive on the help site: a page per approved newsletter, the index, the feed."""
    approved = [
        (item.newsletter, item.email)
        for item in checked
        if item.newsletter is not None and item.email is not None and item.newsletter.approved
    ]
    return archive_pages(project, index, approved)


def email_outputs(project: Project, checked: Iterable[Checked]) -> list[StaticFile]:
    """``build/newsletters/<slug>/`` of every newsletter, drafts too, for the sample member."""
    outputs: list[StaticFile] = []
    for item in checked:
        if item.newsletter is not None and item.email is not None:
            outputs.extend(sample_outputs(project, item.newsletter, item.email))
    return outputs


def sample_message_bytes(project: Project, newsletter: Newsletter, email: RenderedEmail) -> bytes:
    """The .eml for the sample member, with a fixed Date and Message-ID so builds repeat exactly."""
    domain = email.from_address.rpartition("@")[2]
    message = build_message(
        email,
        to="Erika Mustermann <erika.mustermann@example.org>",
        values=sample_values(project),
        message_id=f"<sample.{newsletter.slug}@{domain}>",
        date=dt.datetime.combine(newsletter.date, dt.time(8, 0), tzinfo=dt.UTC),
    )
    # A fixed boundary keeps the file identical per build; '=_' never occurs in quoted-printable.
    digest = hashlib.sha256(newsletter.document.source.text.encode()).hexdigest()[:24]
    message.set_boundary(f"=_rundbrief_{digest}")
    return wire_bytes(message, linesep="\n")


def sample_outputs(
    project: Project, newsletter: Newsletter, email: RenderedEmail
) -> list[StaticFile]:
    """``newsletters/<slug>/email.html``, ``email.txt`` and ``message.eml`` for the sample member."""
    _, email_html, text = personalise(email, sample_values(project))
    folder = f"newsletters/{newsletter.slug}"
    return [
        StaticFile(f"{folder}/email.html", data=email_html.encode("utf-8")),
        StaticFile(f"{folder}/email.txt", data=text.encode("utf-8")),
        StaticFile(f"{folder}/message.eml", data=sample_message_bytes(project, newsletter, email)),
    ]


def archive_pages(
    project: Project, index: SiteIndex, approved: list[tuple[Newsletter, RenderedEmail]]
) -> tuple[list[Page], list[StaticFile]]:
    """One page per approved newsletter (the email, neutral), the index (newest first), the feed."""
    values = neutral_values(project)
    pages: list[Page] = []
    files: list[StaticFile] = []
    entries = []
    for newsletter, email in sorted(approved, key=lambda item: item[0].date, reverse=True):
        subject, email_html, text = archive_copy(email, values)
        preheader = merge.fill_source(newsletter.preheader, values)
        folder = posixpath.dirname(archive_path(newsletter.slug))
        archived = email_html.replace("<head>", "<head>\n" + NO_SCRIPTS, 1)
        files.append(StaticFile(f"{folder}/email.html", data=archived.encode("utf-8")))
        pages.append(
            Page(
                path=f"{folder}/index.md",
                title=subject,
                body=_page_body(newsletter, subject, text),
                meta={"title": subject, "description": preheader},
                in_nav=False,
            )
        )
        entries.append((newsletter, subject, preheader))
    pages.append(
        Page(
            path=f"{ARCHIVE}/index.md",
            title="Newsletter-Archiv",
            body=_index_body(entries),
            meta={
                "title": "Newsletter-Archiv",
                "description": f"Alle Newsletter von {project.settings.platform_name} zum "
                "Nachlesen, der neueste zuerst.",
            },
            order=900,
        )
    )
    files.append(StaticFile(f"{ARCHIVE}/feed.xml", data=feed(project, index, entries)))
    return pages, files


SANDBOX = (
    "allow-same-origin allow-popups allow-popups-to-escape-sandbox "
    "allow-top-navigation-by-user-activation"
)
"""The archived email is shown sandboxed: no scripts, no forms. A link the reader clicks opens
in the whole window (the archived copy has ``<base target="_top">``), nothing navigates the
page on its own. (Same origin only so the page can size the frame to the email.)"""
NO_SCRIPTS = (
    '<meta http-equiv="Content-Security-Policy" content="script-src \'none\'; '
    "object-src 'none'; frame-src 'none'; form-action 'none'\">"
)
"""Put into the archived copy: opened on its own (outside the frame), it runs no script either."""


def _page_body(newsletter: Newsletter, subject: str, text: str) -> str:
    # The email sits in an iframe (its own styles stay its own); the text version below is
    # what the site search indexes and what screen-reader users may prefer.
    return (
        environment()
        .get_template("archive-page.md.j2")
        .render(
            date=german_date(newsletter.date),
            subject=subject,
            sandbox=SANDBOX,
            text=text.split("\n-- \n")[0].rstrip(),
        )
    )


def _index_body(entries: list[tuple[Newsletter, str, str]]) -> str:
    lines = [
        "Hier finden Sie alle Newsletter, die wir an unsere Mitglieder verschickt haben – "
        "der neueste zuerst. Neue Ausgaben können Sie auch als [RSS-Feed](feed.xml) abonnieren.",
        "",
    ]
    if not entries:
        lines.append("Noch ist kein Newsletter erschienen.")
    for newsletter, subject, preheader in entries:
        lines.append(
            f"- **{german_date(newsletter.date)}:** [{_md_text(subject)}]({newsletter.slug}/index.md)  "
        )
        lines.append(f"  {_md_text(preheader)}")
    return "\n".join(lines) + "\n"


def _md_text(text: str) -> str:
    """``text`` as Markdown that shows it literally: no emphasis, no link, no HTML."""
    for char in "\\[]*_`":
        text = text.replace(char, "\\" + char)
    # Markdown passes a tag through as HTML (a backslash does not stop it): entities are text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def feed(project: Project, index: SiteIndex, entries: list[tuple[Newsletter, str, str]]) -> bytes:
    """The archive as an RSS 2.0 feed with absolute links."""
    atom = "http://www.w3.org/2005/Atom"
    etree.register_namespace("atom", atom)
    base = index.url(f"{ARCHIVE}/index.md")
    rss = etree.Element("rss", {"version": "2.0"})
    channel = etree.SubElement(rss, "channel")
    name = project.settings.platform_name
    for tag, text in (
        ("title", f"{name} – Newsletter-Archiv"),
        ("link", base),
        ("description", f"Alle Newsletter von {name} zum Nachlesen."),
        ("language", "de-de"),
    ):
        etree.SubElement(channel, tag).text = text
    etree.SubElement(
        channel,
        f"{{{atom}}}link",
        {"href": f"{base}feed.xml", "rel": "self", "type": "application/rss+xml"},
    )
    if entries:
        newest = entries[0][0].date
        etree.SubElement(channel, "lastBuildDate").text = _rfc822(newest)
    for newsletter, subject, preheader in entries:
        item = etree.SubElement(channel, "item")
        link = index.url(archive_path(newsletter.slug))
        etree.SubElement(item, "title").text = subject
        etree.SubElement(item, "link").text = link
        etree.SubElement(item, "guid", {"isPermaLink": "true"}).text = link
        etree.SubElement(item, "pubDate").text = _rfc822(newsletter.date)
        etree.SubElement(item, "description").text = preheader
    etree.indent(rss)
    return etree.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def _rfc822(day: dt.date) -> str:
    return format_datetime(dt.datetime.combine(day, dt.time(8, 0), tzinfo=dt.UTC))
