"""``rundbrief new kampagne``: a new campaign from a layout preset, in twenty lines."""

from __future__ import annotations

import json
from pathlib import Path

from generator.core.i18n import _
from generator.core.problems import UsageError
from generator.core.settings import Project
from generator.newsletter.scaffold import slugify

TEMPLATE = """\
# Kampagne: Schema in docs/referenz/kampagnen.md; rundbrief check prüft sie.
title: {title}
slug: {slug}
description: "Ein Satz, der die Kampagne im Hilfe-Center beschreibt."
preset: headline-button   # oder big-number (mit texts.number), photo-quote (texts.quote, picture)
colors: {{background: "#00796b", accent: "#ffc107", dark: "#004d40"}}
texts:
  label: Anzeige
  headline: {title}
  subline: Ein Satz, was neue Mitglieder davon haben.
  bonus: "{{{{ fakt.willkommensguthaben }}}} Willkommens\\u00adguthaben"
  cta: Jetzt Mitglied werden
  recommended_by: "Eine Empfehlung von\\n{{{{ name }}}}"
  risk: "{{{{ fakt.risikohinweis }}}}"
social_posts:
  - name: post-kurz
    title: Kurzer Beitrag
    text: "#Werbung Über meinen Link gibt es {{{{ fakt.willkommensguthaben }}}} Willkommensguthaben: {{{{ link }}}} {{{{ fakt.risikohinweis }}}}"
"""
"""Every size of the preset, a post with label, link and risk notice; facts of fakten.yml."""


def new_campaign(project: Project, title: str) -> Path:
    """Write ``marketing-assets/<slug>.yml``; never overwrite an existing file."""
    slug = slugify(title)
    if not title.strip() or not slug:
        raise UsageError(
            _(
                "the title needs at least one letter or digit; write the title in "
                'quotes, e.g. "Neue App-Funktionen"'
            )
        )
    path = project.assets_dir / f"{slug}.yml"
    if path.exists():
        raise UsageError(
            _(
                "{path} already exists; not overwritten: choose another title, or open "
                "the existing file"
            ).format(path=path.relative_to(project.root).as_posix())
        )
    quoted = json.dumps(title.strip(), ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as stream:  # 'x': a file created meanwhile is kept
        stream.write(TEMPLATE.format(title=quoted, slug=slug))
    return path
