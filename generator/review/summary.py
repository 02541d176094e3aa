"""The review in a few German lines of Markdown: the job summary of a pull request.

GitHub shows ``$GITHUB_STEP_SUMMARY`` on the run's page, so the founder reads what changed
— in words and counts, with every newsletter's subject and audience — without downloading
anything; the pictures are one click away in the artifact.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from generator.core import german
from generator.core.dates import german_date
from generator.core.german import counted
from generator.review.model import NewsletterReview, Review
from generator.review.texts import changed_words

SHOWN_PROBLEMS = 10
STATUS = {"approved": "freigegeben", "draft": "Entwurf"}
CHANGE = {"added": "neu", "modified": "geändert", "deleted": "entfernt"}


ZERO_WIDTH = "\u200b"
"""Put between what GitHub would turn into a link or a mention, unseen by the reader."""


def escape(text: str) -> str:
    """Text that GitHub's Markdown shows as it is: no emphasis, link, HTML, autolink or mention.

    A subject or title comes from a pull request: ``<img src=…>`` would load from another host,
    ``https://…`` and ``www.…`` would become links, ``@name`` would mention someone.
    """
    text = " ".join(text.split())  # one line: a line break could start a heading or a list
    text = re.sub(r"([\\`*_{}\[\]<>()#+!|~&])", r"\\\1", text)
    text = re.sub(r"(?i)(://|www\.|@)", lambda m: m.group(0)[0] + ZERO_WIDTH + m.group(0)[1:], text)
    return text


def code(text: str) -> str:
    """A code span that holds ``text`` whatever backticks it contains (a file name, a problem)."""
    text = " ".join(text.split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}" if fence != "`" or text.startswith(("`", " ")) else f"`{text}`"


def counts(review: Review) -> str:
    """'1 Newsletter, 1 Hilfeseite, 3 Werbemittel-Dateien, 1 Einstellungsdatei'."""
    parts = [
        counted(len(review.newsletters), "Newsletter", "Newsletter"),
        counted(len(review.pages) + len(review.site_files), "Hilfeseite", "Hilfeseiten"),
        counted(len(review.werbemittel), "Werbemittel-Datei", "Werbemittel-Dateien"),
        counted(len(review.settings), "Einstellungsdatei", "Einstellungsdateien"),
    ]
    return ", ".join(parts)


def summary_markdown(review: Review, artifact: str = "review") -> str:
    """The job summary of ``review``."""
    head = f"### Review: was sich für Mitglieder ändert\n\nVergleich mit `{review.base.ref}` (Commit `{review.base.short}`): "
    if not review.relevant:
        return (
            head
            + "keine Änderungen an Hilfeseiten, Newslettern, Werbemitteln oder Einstellungen.\n"
        )
    lines = [head + f"**{counts(review)}** geändert.", ""]
    if review.errors:
        lines.append(
            f"**{counted(len(review.errors), 'Problem', 'Probleme')}** – so kann es nicht "
            "veröffentlicht oder verschickt werden:"
        )
        lines += [f"- {code(str(p))}" for p in review.errors[:SHOWN_PROBLEMS]]
        if len(review.errors) > SHOWN_PROBLEMS:
            lines.append(f"- … und {german.number(len(review.errors) - SHOWN_PROBLEMS)} weitere")
        lines.append("")
    if review.newsletters:
        lines += ["**Newsletter**", *(_newsletter(item) for item in review.newsletters), ""]
    if review.pages or review.site_files:
        lines.append("**Hilfeseiten**")
        for page in review.pages:
            removed, added = changed_words(page.diff or ())
            words = (
                f" – {counted(len(removed), 'Wort', 'Wörter')} entfernt, "
                f"{counted(len(added), 'Wort', 'Wörter')} hinzugefügt"
                if page.status == "modified" and page.diff
                else ""
            )
            lines.append(
                f"- {CHANGE[page.status]}: {escape(page.title)} ({code(page.source)}){words}"
            )
        lines += [f"- {CHANGE[f.status]}: {code(f.path)}" for f in review.site_files]
        lines.append("")
    if review.campaigns or review.werbemittel:
        lines.append("**Werbemittel**")
        lines += [f"- Quelle {CHANGE[c.status]}: {code(c.path)}" for c in review.campaigns]
        lines += [f"- {CHANGE[f.status]}: {code(f.path)}" for f in review.werbemittel]
        lines.append("")
    if review.settings:
        lines.append("**Einstellungen und Vorlagen**")
        for setting in review.settings:
            keys = ", ".join(code(k.key) for k in setting.keys or ())
            lines.append(
                f"- {code(setting.path)} ({CHANGE[setting.status]})" + (f": {keys}" if keys else "")
            )
        lines.append("")
    lines.append(
        f"Bilder der Newsletter und Werbemittel und jeder geänderte Text: Artefakt **{artifact}** "
        "dieses Laufs, darin `index.html`."
    )
    return "\n".join(lines) + "\n"


def _newsletter(item: NewsletterReview) -> str:
    side = item.new or item.old
    status = STATUS.get(side.status, side.status) if side else ""
    if item.old and item.new and item.old.status != item.new.status:
        status = f"{STATUS.get(item.old.status, item.old.status)} → **{STATUS.get(item.new.status, item.new.status)}**"
    elif item.new is None:
        status = "entfernt"
    parts = [f"„{escape(item.title)}“", status]
    if side is not None:
        audience = f"Zielgruppe *{escape(side.audience)}*"
        if item.reach is not None and item.reach.recipients is not None:
            audience += f" ({counted(item.reach.recipients, 'Empfänger', 'Empfänger')})"
        parts.append(audience)
        if side.date:
            parts.append(german_date_iso(side.date))
        parts.append(f"Versand: {side.send_when}")
    if item.new is not None:
        errors = len(item.errors)
        parts.append(
            f"Prüfung: **{counted(errors, 'Fehler', 'Fehler')}**"
            if errors
            else "Prüfung: keine Fehler"
        )
    return "- " + " · ".join(part for part in parts if part)


def german_date_iso(value: str) -> str:
    """``2026-12-01`` → ``1. Dezember 2026``."""
    return german_date(dt.date.fromisoformat(value))


def append_summary(path: Path, text: str) -> None:
    """Add the summary to ``path`` (GitHub's ``$GITHUB_STEP_SUMMARY`` is appended to)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as stream:
        stream.write(text)
