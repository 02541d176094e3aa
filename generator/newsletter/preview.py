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

FOLDER = "newsletter-vorschau"


def write_preview(
    project: Project, site_dir: Path, checked: list[Checked], unreadable: list[Problem]
) -> list[str]:
    """Write the newsletter preview pages into the served folder (no site rebuild needed).

    Returns the files it changed (paths in ``site_dir``); a page as it was is not written again.
    """
    folder = site_dir / FOLDER
    written: list[str] = []

    def write(rel: str, text: str) -> None:
        data, path = text.encode("utf-8"), folder / rel
        with contextlib.suppress(OSError):
            if path.read_bytes() == data:
                return
        write_atomic(path, data)
        written.append(f"{FOLDER}/{rel}")

    values = sample_values(project)
    rows = []
    broken = [str(p) for p in unreadable]
    for item in checked:
        newsletter, email, problems = item.newsletter, item.email, list(item.problems)
        if newsletter is None:
            broken += [str(p) for p in problems]
            continue
        slug = newsletter.slug
        subject = newsletter.subject
        text = ""
        if email is not None:
            subject, body, text = personalise(email, values)
            body = local_images(body, project.site_url)
            write(f"{slug}/email.html", body)
        shown = {
            "slug": slug,
            "subject": subject,
            "approved": newsletter.approved,
            "rendered": email is not None,
            "text": text,
            "problems": [str(p) for p in problems],
        }
        write(f"{slug}.html", _page(subject, shown))
        errors = len(item.errors)
        rows.append(
            {
                **shown,
                "day": german_date(newsletter.date) if i18n.language() == "de" else newsletter.date,
                "errors": ngettext("({count} error)", "({count} errors)", errors).format(
                    count=errors
                )
                if errors
                else "",
            }
        )
    write("index.html", _page(_("Newsletter preview"), None, rows=rows, broken=broken))
    return written


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
