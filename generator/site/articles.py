"""The front matter of a help article: its schema, and reading one article."""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.declare import key, schema_of
from generator.core.i18n import N_, _
from generator.core.problems import Problem
from generator.core.schema import hinted
from generator.core.sources import Document, SourceFile, load_document


@hinted("20 bis 200 Zeichen", minLength=20, maxLength=200)
def _description_length(value: str) -> str | None:
    if not 20 <= len(value) <= 200:
        return _("expected 20 to 200 characters, got {count}").format(count=len(value))
    return None


HIDE = ("navigation", "toc", "path", "footer", "tags", "feedback")


@dataclass(frozen=True)
class SearchOptions:
    """Search options of a page (Material's ``search`` front matter)."""

    exclude: bool = key(
        "true: die Suche findet die Seite nicht (und die Sitemap nennt sie nicht).",
        default=False,
        label="Nicht in der Suche",
    )
    boost: float = key(
        "Gewicht in den Suchergebnissen (Vorgabe 1; archivierte Newsletter bekommen weniger).",
        default=1,
        label="Gewicht in der Suche",
    )


def hide_values(values: list[str]) -> str | None:
    """Check: only parts of the layout that Material can hide."""
    unknown = [value for value in values if value not in HIDE]
    if unknown:
        return _("expected some of {allowed}, got '{value}'").format(
            allowed=", ".join(HIDE), value=unknown[0]
        )
    return None


@dataclass(frozen=True)
class ArticleFront:
    """The front matter of a help article, declared once (reference: docs/seiten/referenz/artikel.md)."""

    title: str = key("Seitentitel: Überschrift und Eintrag in der Navigation.", label="Titel")
    description: str = key(
        "Ein Satz (20 bis 200 Zeichen) für Suchergebnisse und Link-Vorschauen.",
        check=_description_length,
        label="Beschreibung",
    )
    tags: tuple[str, ...] = key(
        "Schlagwörter; jedes bekommt eine Seite mit seinen Artikeln.",
        default=(),
        label="Schlagwörter",
    )
    order: int = key(
        "Stelle im Abschnitt, danach nach Titel (eine index.md: die Stelle des Abschnitts).",
        default=100,
        label="Reihenfolge",
    )
    draft: bool = key(
        "true: nur in der Vorschau, nicht im gebauten Hilfe-Center (eine veröffentlichte "
        "Seite darf nicht darauf verlinken).",
        default=False,
        label="Entwurf",
    )
    keywords: tuple[str, ...] = key(
        "Wörter, nach denen Mitglieder suchen, die im Text nicht stehen (Synonyme, "
        "Alltagswörter, englische Begriffe); die Suche findet sie, gezeigt werden sie nie.",
        default=(),
        label="Suchwörter",
    )
    hide: tuple[str, ...] = key(
        "Teile des Seitenlayouts, die ausgeblendet werden.",
        default=(),
        check=hide_values,
        choices=HIDE,
        label="Ausblenden",
    )
    search: SearchOptions | None = key(
        "Suchoptionen: die Seite von der Suche ausnehmen oder ihr Gewicht ändern.",
        default=None,
    )


HELP_PAGE = schema_of(ArticleFront, N_("front matter"))

PASSED_THROUGH = ("keywords", "hide", "search")
"""Front matter that goes to the site builder as it is, when the article sets it."""


def load_article(source: SourceFile) -> tuple[Document | None, list[Problem]]:
    """Validate one article; the document comes back even with problems, so its links are checked too."""
    return load_document(source, HELP_PAGE)
