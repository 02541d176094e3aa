"""Newsletter pages of ``rundbrief preview``: every newsletter at 600 and 375 px, text, preflight."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from generator.core import i18n
from generator.core.activecontent import refused
from generator.core.dates import german_date
from generator.core.i18n import _, ngettext
from generator.core.output import write_atomic
from generator.core.problems import Problem, raise_if_errors
from generator.core.settings import Project
from generator.newsletter.archive import SANDBOX
from generator.newsletter.email import personalise, sample_values
from generator.newsletter.layout import environment
from generator.newsletter.render import Checked
from generator.newsletter.source import Newsletter

FOLDER = "newsletter-vorschau"


def write_preview(
    project: Project, site_dir: Path, checked: list[Checked], unreadable: list[Problem]
) -> list[str]:
    """Write the newsletter preview pages into the served folder (no site rebuild needed).

    Returns the files it changed (paths in ``site_dir``); a page as it was is not written again.
    """
    written: list[str] = []
    rows = []
    broken = [str(p) for p in unreadable]
    for item in checked:
        if item.newsletter is None:
            broken += [str(p) for p in item.problems]
            continue
        shown = _write_newsletter(project, site_dir, item, item.newsletter, written)
        errors = len(item.errors)
        day = item.newsletter.date
        rows.append(
            {
                **shown,
                "day": german_date(day) if i18n.language() == "de" else day,
                "errors": ngettext("({count} error)", "({count} errors)", errors).format(
                    count=errors
                )
                if errors
                else "",
            }
        )
    page = _page(_("Newsletter preview"), None, rows=rows, broken=broken)
    _write(site_dir, "index.html", page, written)
    return written


def write_newsletter(project: Project, site_dir: Path, item: Checked) -> list[str]:
    """Write one newsletter's page and email (the list follows with ``write_preview``)."""
    written: list[str] = []
    if item.newsletter is not None:
        _write_newsletter(project, site_dir, item, item.newsletter, written)
    return written


def _write_newsletter(
    project: Project, site_dir: Path, item: Checked, newsletter: Newsletter, written: list[str]
) -> dict[str, Any]:
    subject, text, email = newsletter.subject, "", item.email
    if email is not None:
        subject, body, text = personalise(email, sample_values(project))
        body = local_images(body, project.site_url)
        _write(site_dir, f"{newsletter.slug}/email.html", body, written)
    shown = {
        "slug": newsletter.slug,
        "subject": subject,
        "approved": newsletter.approved,
        "rendered": email is not None,
        "text": text,
        "problems": [str(p) for p in item.problems],
    }
    _write(site_dir, f"{newsletter.slug}.html", _page(subject, shown), written)
    return shown


def _write(site_dir: Path, rel: str, text: str, written: list[str]) -> None:
    """Write a page of the folder unless it is already so (then the browser keeps it)."""
    data, path = text.encode("utf-8"), site_dir / FOLDER / rel
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return
    write_atomic(path, data)
    written.append(f"{FOLDER}/{rel}")


def local_images(email_html: str, site_url: str) -> str:
    """Images of the help site (the logo, ``content/assets/``) from the served working tree.

    The preview serves the site built from the working tree at its root: a new image shows
    before it is published, a changed logo before it reaches the production host.
    """
    return email_html.replace(f'src="{site_url}', 'src="/')


def _page(
    title: str,
    newsletter: dict[str, Any] | None,
    rows: Sequence[Mapping[str, Any]] = (),
    broken: Sequence[str] = (),
) -> str:
    """The list of newsletters (``newsletter`` None) or one newsletter's page, scanned."""
    words = {
        "approved": _("APPROVED"),
        "draft": _("DRAFT"),
        "intro": _("All newsletters, drafts included, for a sample member."),
        "broken": _("Files with problems"),
        "back": _("← all newsletters"),
        "preflight": _("Preflight"),
        "ok": _("No problems found."),
        "text": _("Text part"),
    }
    views = (
        (600, _("Desktop, 600 px"), _("Desktop view")),
        (375, _("Phone, 375 px"), _("Phone view")),
    )
    page = (
        environment()
        .get_template("preview.html.j2")
        .render(
            title=title,
            newsletter=newsletter,
            rows=rows,
            broken=broken,
            words=words,
            views=views,
            sandbox=SANDBOX,
            language=i18n.language(),
        )
    )
    # (no CSP here: the preview server's live reload is an inline script)
    raise_if_errors(refused(page, f"{FOLDER}/{newsletter['slug'] if newsletter else 'index'}.html"))
    return page
