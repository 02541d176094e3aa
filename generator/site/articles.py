"""The front matter of a help article: its schema, and reading one article."""

from __future__ import annotations

from generator.core.i18n import N_, _
from generator.core.problems import Problem
from generator.core.schema import Field, Schema
from generator.core.sources import Document, SourceFile, load_document


def _description_length(value: str) -> str | None:
    if not 20 <= len(value) <= 200:
        return _("expected 20 to 200 characters, got {count}").format(count=len(value))
    return None


HELP_PAGE = Schema(
    N_("front matter"),
    (
        Field(
            "title",
            "text",
            "Page title, shown as the heading and in the navigation.",
            required=True,
        ),
        Field(
            "description",
            "text",
            "One sentence for search results and link previews.",
            required=True,
            check=_description_length,
        ),
        Field("tags", "texts", "Keywords; each gets a page listing its articles.", default=[]),
        Field(
            "order",
            "integer",
            "Position in its section (an index page: the section's position).",
            default=100,
        ),
        Field(
            "draft", "boolean", "true: shown in preview, absent from the built site.", default=False
        ),
    ),
)


def load_article(source: SourceFile) -> tuple[Document | None, list[Problem]]:
    """Validate one article; the document comes back even with problems, so its links are checked too."""
    return load_document(source, HELP_PAGE)
