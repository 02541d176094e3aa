"""Newsletter pages of ``rundbrief preview``: every newsletter at 600 and 375 px, text, preflight."""

from __future__ import annotations

import html
from pathlib import Path

from generator.core import i18n
from generator.core.dates import german_date
from generator.core.i18n import _, ngettext
from generator.core.output import write_atomic
from generator.core.problems import Problem
from generator.core.settings import Project
from generator.newsletter.archive import SANDBOX
from generator.newsletter.email import personalise, sample_values
from generator.newsletter.render import Checked

FOLDER = "newsletter-vorschau"

_STYLE = """
body { font-family: system-ui, Arial, sans-serif; margin: 0; padding: 16px 24px; color: #1f2933; background: #f4f6f6; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; }
a { color: #0b5e57; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 4px; font-size: 13px; font-weight: bold; }
.draft { background: #fde68a; color: #713f12; } .approved { background: #ccfbf1; color: #134e4a; }
.frames { display: flex; gap: 24px; align-items: flex-start; overflow-x: auto; }
.frames figure { margin: 0; } .frames figcaption { font-size: 13px; color: #52606d; margin-bottom: 4px; }
iframe { border: 1px solid #cbd2d9; background: #fff; height: 1600px; }
pre { background: #fff; border: 1px solid #cbd2d9; padding: 12px; max-width: 80ch; white-space: pre-wrap; }
.problems li { font-family: monospace; } .ok { color: #0b5e57; }
"""


def write_preview(
    project: Project, site_dir: Path, checked: list[Checked], unreadable: list[Problem]
) -> None:
    """Write the newsletter preview pages into the served folder (no site rebuild needed)."""
    folder = site_dir / FOLDER
    values = sample_values(project)
    rows = []
    broken = list(unreadable)
    for item in checked:
        newsletter, email, problems = item.newsletter, item.email, list(item.problems)
        if newsletter is None:
            broken += problems
            continue
        slug = newsletter.slug
        subject = newsletter.subject
        text = ""
        if email is not None:
            subject, body, text = personalise(email, values)
            body = local_images(body, project.site_url)
            write_atomic(folder / slug / "email.html", body.encode("utf-8"))
        state = ("approved", _("APPROVED")) if newsletter.approved else ("draft", _("DRAFT"))
        badge = '<span class="badge {}">{}</span>'.format(*state)
        page = _newsletter_page(subject, badge, slug, email is not None, text, problems)
        write_atomic(folder / f"{slug}.html", page.encode("utf-8"))
        errors = len(item.errors)
        day = german_date(newsletter.date) if i18n.language() == "de" else newsletter.date
        count = ngettext("({count} error)", "({count} errors)", errors).format(count=errors)
        rows.append(
            f'<li>{badge} {day} – <a href="{slug}.html">{html.escape(subject)}</a>'
            + (f" <strong>{count}</strong>" if errors else "")
            + "</li>"
        )
    broken_items = "".join(f"<li>{html.escape(str(p))}</li>" for p in broken)
    title = _("Newsletter preview")
    intro = _("All newsletters, drafts included, for a sample member.")
    broken_title = _("Files with problems")
    index = _document(
        title,
        f"<h1>{title}</h1><p>{intro}</p><ul>{''.join(rows)}</ul>"
        + (
            f'<h2>{broken_title}</h2><ul class="problems">{broken_items}</ul>'
            if broken_items
            else ""
        ),
    )
    write_atomic(folder / "index.html", index.encode("utf-8"))


def local_images(email_html: str, site_url: str) -> str:
    """Images of the help site (the logo, ``content/assets/``) from the served working tree.

    The preview serves the site built from the working tree at its root: a new image shows
    before it is published, a changed logo before it reaches the production host.
    """
    return email_html.replace(f'src="{site_url}', 'src="/')


def _newsletter_page(
    subject: str, badge: str, slug: str, rendered: bool, text: str, problems: list[Problem]
) -> str:
    report = (
        '<ul class="problems">'
        + "".join(f"<li>{html.escape(str(p))}</li>" for p in problems)
        + "</ul>"
        if problems
        else '<p class="ok">{}</p>'.format(_("No problems found."))
    )
    views = (
        (600, _("Desktop, 600 px"), _("Desktop view")),
        (375, _("Phone, 375 px"), _("Phone view")),
    )
    frames = (
        '<div class="frames">'
        + "".join(
            f'<figure><figcaption>{caption}</figcaption><iframe src="{slug}/email.html" '
            f'sandbox="{SANDBOX}" width="{width}" title="{title}"></iframe></figure>'
            for width, caption, title in views
        )
        + "</div>"
        if rendered
        else ""
    )
    body = (
        '<p><a href="index.html">{}</a></p>'.format(_("← all newsletters"))
        + f"<h1>{badge} {html.escape(subject)}</h1>"
        + "<h2>{}</h2>".format(_("Preflight"))
        + f"{report}{frames}"
        + "<h2>{}</h2>".format(_("Text part"))
        + f"<pre>{html.escape(text)}</pre>"
    )
    return _document(subject, body)


def _document(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{i18n.language()}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )
