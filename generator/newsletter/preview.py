"""Newsletter pages of ``rundbrief preview``: every newsletter at 600 and 375 px, text, preflight."""

from __future__ import annotations

import html
from pathlib import Path

from generator.core.dates import german_date
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
        badge = (
            '<span class="badge approved">FREIGEGEBEN</span>'
            if newsletter.approved
            else '<span class="badge draft">ENTWURF</span>'
        )
        page = _newsletter_page(subject, badge, slug, email is not None, text, problems)
        write_atomic(folder / f"{slug}.html", page.encode("utf-8"))
        errors = len(item.errors)
        rows.append(
            f'<li>{badge} {german_date(newsletter.date)} – <a href="{slug}.html">'
            f"{html.escape(subject)}</a>"
            + (f" <strong>({errors} Fehler)</strong>" if errors else "")
            + "</li>"
        )
    broken_items = "".join(f"<li>{html.escape(str(p))}</li>" for p in broken)
    index = _document(
        "Newsletter-Vorschau",
        "<h1>Newsletter-Vorschau</h1><p>Alle Newsletter, Entwürfe eingeschlossen, "
        "für ein Beispielmitglied.</p><ul>"
        + "".join(rows)
        + "</ul>"
        + (
            f'<h2>Fehlerhafte Dateien</h2><ul class="problems">{broken_items}</ul>'
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
        else '<p class="ok">Keine Probleme gefunden.</p>'
    )
    frames = (
        '<div class="frames">'
        f'<figure><figcaption>Desktop, 600 px</figcaption><iframe src="{slug}/email.html" '
        f'sandbox="{SANDBOX}" width="600" title="Desktop-Ansicht"></iframe></figure>'
        f'<figure><figcaption>Smartphone, 375 px</figcaption><iframe src="{slug}/email.html" '
        f'sandbox="{SANDBOX}" width="375" title="Smartphone-Ansicht"></iframe></figure>'
        "</div>"
        if rendered
        else ""
    )
    body = (
        f'<p><a href="index.html">← alle Newsletter</a></p><h1>{badge} {html.escape(subject)}</h1>'
        f"<h2>Preflight</h2>{report}{frames}"
        f"<h2>Textteil</h2><pre>{html.escape(text)}</pre>"
    )
    return _document(subject, body)


def _document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )
