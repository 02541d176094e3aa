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


HIDE = ("navigation", "toc", "path", "footer", "tags", "feedback")

PAGE_SEARCH = Schema(
    "search",
    (
        Field(
            "exclude", "boolean", "true: the page is not found by the site search.", default=False
        ),
        Field(
            "boost",
            "number",
            "Rank factor in search results (default 1; archived newsletters get less).",
            default=1,
        ),
    ),
)


def hide_values(values: list[str]) -> str | None:
    """Check: only parts of the layout that Material can hide."""
    unknown = [value for value in values if value not in HIDE]
    if unknown:
        return _("expected some of {allowed}, got '{value}'").format(
            allowed=", ".join(HIDE), value=unknown[0]
        )
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
        Field(
            "keywords",
            "texts",
            "Words members search for that the text may not use (synonyms, everyday terms).",
            default=[],
        ),
        Field(
            "hide",
            "texts",
            "Parts of the page layout to hide (Material: navigation, toc, path, footer, tags).",
            default=[],
            check=hide_values,
        ),
        Field(
            "search",
            "mapping",
            "Search options (Material): exclude the page, or boost its rank.",
            schema=PAGE_SEARCH,
        ),
    ),
)

PASSED_THROUGH = ("keywords", "hide", "search")
"""Front matter that goes to the site builder as it is, when the article sets it."""


def load_article(source: SourceFile) -> tuple[Document | None, list[Problem]]:
    """Validate one article; the document comes back even with problems, so its links are checked too."""
    return load_document(source, HELP_PAGE)
