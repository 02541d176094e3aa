"""Preflight checks on a rendered newsletter: what Gmail, the law and good manners demand."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from email import quoprimime
from html import unescape

from generator.core.i18n import _, number
from generator.core.problems import Problem, Severity
from generator.core.settings import Project
from generator.newsletter import merge
from generator.newsletter.blocks import COLUMN
from generator.newsletter.email import (
    OMITTED,
    RenderedEmail,
    neutral_values,
    personalise,
    sample_values,
)
from generator.newsletter.links import image_lines
from generator.newsletter.rules import (
    active_content_problems,
    audience_problems,
    service_problems,
    token_problems,
)
from generator.newsletter.scaffold import placeholder_problems
from generator.newsletter.source import Newsletter
from generator.site.index import SiteIndex

CLIP_BYTES = 102_000
"""Gmail clips a message whose encoded HTML is larger than about 102 KB."""
WARN_BYTES = 90_000
SUBJECT_MAX = 78
PREHEADER_RANGE = (20, 140)
_UNRESOLVED = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|" + merge.TOKEN.pattern, re.DOTALL)
"""Template syntax left after filling in, also over several lines (R-29)."""


_TAG = re.compile(r"<(img|a)\s([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _elements(html: str) -> tuple[list[dict[str, str]], list[str]]:
    """Images (their attributes) and link targets of the email HTML.

    The HTML is rundbrief's own output (layout, Markdown, inliner), so its tags are well
    formed; reading just these two tags is a tenth of the cost of a full HTML parser.
    """
    images: list[dict[str, str]] = []
    hrefs: list[str] = []
    for tag, attributes in _TAG.findall(html):
        values = {
            match.group(1).lower(): unescape(
                next((g for g in match.groups()[1:] if g is not None), "")
            )
            for match in _ATTRIBUTE.finditer(attributes)
        }
        if tag.lower() == "img":
            images.append(values)
        elif values.get("href"):
            hrefs.append(values["href"])
    return images, hrefs


def image_sources(html: str) -> list[str]:
    """The ``src`` of every image of the email HTML, in order."""
    images, _hrefs = _elements(html)
    return [image["src"] for image in images if image.get("src")]


@dataclass(frozen=True)
class _Mail:
    """One newsletter's email as the sample member gets it, and where its source lines are."""

    newsletter: Newsletter
    values: dict[str, str]
    subject: str
    html: str
    text: str
    images: list[dict[str, str]]
    hrefs: list[str]

    @property
    def rel(self) -> str:
        """The source file, as problems name it."""
        return self.newsletter.document.rel

    def at(self, needle: str) -> int:
        """The file line that first mentions ``needle`` (the layout's own markup: line 1)."""
        document = self.newsletter.document
        for at_line, line in enumerate(document.body.split("\n"), start=document.body_line):
            if needle and needle in line:
                return at_line
        return 1


def preflight(
    project: Project, index: SiteIndex, newsletter: Newsletter, email: RenderedEmail
) -> list[Problem]:
    """Every preflight problem of one newsletter, checked on the email for a sample member."""
    values = sample_values(project)
    subject, html, text = personalise(email, values)
    images, hrefs = _elements(html)
    mail = _Mail(newsletter, values, subject, html, text, images, hrefs)
    return [
        *_size_problems(mail),
        *_image_problems(mail, index),
        *_insecure_links(mail),
        *_unresolved_placeholders(mail),
        *_subject_and_preheader(mail),
        *audience_problems(project, newsletter),
        *active_content_problems(newsletter, html),
        *token_problems(newsletter),
        *placeholder_problems(newsletter),
        *service_problems(project, index, newsletter, email, hrefs),
        *_footer_problems(mail, project),
        *archive_problems(project, newsletter, email),
    ]


def _size_problems(mail: _Mail) -> list[Problem]:
    """Gmail clips an email whose encoded HTML passes 102 KB; a warning from 90 KB."""
    # Quoted-printable writes a byte as at most three characters (and a soft break per 73):
    # the exact size is needed only when that bound reaches the warning threshold.
    size = encoded_size(mail.html) if len(mail.html.encode("utf-8")) * 3.1 >= WARN_BYTES else 0
    if size >= CLIP_BYTES:
        return [
            Problem(
                mail.rel,
                1,
                _("email HTML is {size} KB encoded; Gmail clips it from 102 KB").format(
                    size=number(size / 1000, 1)
                ),
            )
        ]
    if size >= WARN_BYTES:
        return [
            Problem(
                mail.rel,
                1,
                _("email HTML is {size} KB encoded; Gmail clips from 102 KB, keep a margin").format(
                    size=number(size / 1000, 1)
                ),
                "warning",
            )
        ]
    return []


def _image_problems(mail: _Mail, index: SiteIndex) -> list[Problem]:
    """Every image of the email, each at the line that writes it."""
    rel = mail.rel
    problems: list[Problem] = []
    written = image_lines(mail.newsletter, index)
    # Sources the email has more often than the body writes them: the layout's own images
    # (the logo), which come before the body's.
    surplus = Counter(image.get("src") or "" for image in mail.images)
    surplus.subtract({src: len(lines) for src, lines in written.items()})
    for image in mail.images:
        src = image.get("src") or ""
        if surplus[src] > 0:
            surplus[src] -= 1
            line = mail.at(src)
        else:  # (never more of them left in the email than lines in ``written``)
            line = written[src].pop(0)
        problems += _one_image(rel, line, src, image, index)
    return problems


def _one_image(
    rel: str, line: int, src: str, image: dict[str, str], index: SiteIndex
) -> list[Problem]:
    """One image: alt text, an https:// source, a width in pixels within the column, found."""
    problems: list[Problem] = []
    if not (image.get("alt") or "").strip():
        problems.append(Problem(rel, line, _("image without alt text: {src}").format(src=src)))
    if "://" in src and not src.startswith("https://"):
        # (A relative source was reported when the links were mapped.)
        problems.append(
            Problem(rel, line, _("image must have an absolute https:// URL: {src}").format(src=src))
        )
    width = (image.get("width") or "").strip()
    if not width:
        problems.append(
            Problem(
                rel,
                line,
                _("image without a width attribute: {src}; add {example}").format(
                    src=src, example=f'{{ width="{COLUMN}" }}'
                ),
            )
        )
    elif not width.isdigit():
        problems.append(
            Problem(
                rel,
                line,
                _(
                    "image width must be a number of pixels (at most {column}), not "
                    "'{width}': {src}"
                ).format(column=COLUMN, width=width, src=src),
            )
        )
    elif int(width) > COLUMN:
        problems.append(
            Problem(
                rel,
                line,
                _(
                    "image is {width} px wide, wider than the {column} px of the email's "
                    "column: {src}; write {example}"
                ).format(width=width, column=COLUMN, src=src, example=f'{{ width="{COLUMN}" }}'),
            )
        )
    missing = _missing_on_help_site(index, src)
    if missing:
        problems.append(
            Problem(
                rel,
                line,
                _("image not found on the help site: no file {path}").format(path=missing),
            )
        )
    return problems


def _insecure_links(mail: _Mail) -> list[Problem]:
    """A link over plain http:// (the layout's own links are https://)."""
    return [
        Problem(
            mail.rel,
            mail.at(href.split("?")[0]),
            _("insecure link: {href}; use https://").format(href=href),
        )
        for href in mail.hrefs
        if href.startswith("http://")
    ]


def _unresolved_placeholders(mail: _Mail) -> list[Problem]:
    """Template syntax left in the subject, the HTML or the text after filling in."""
    problems = []
    for part, content in (
        (_("unresolved placeholder in the subject: {placeholder}"), mail.subject),
        (_("unresolved placeholder in the HTML part: {placeholder}"), mail.html),
        (_("unresolved placeholder in the text part: {placeholder}"), mail.text),
    ):
        for match in _UNRESOLVED.finditer(content):
            first = match.group(0).split("\n")[0]  # (found in the source by its first line)
            placeholder = " ".join(match.group(0).split())
            problems.append(Problem(mail.rel, mail.at(first), part.format(placeholder=placeholder)))
    return problems


def _subject_and_preheader(mail: _Mail) -> list[Problem]:
    """The subject's length and tone, the preheader's length."""
    newsletter = mail.newsletter
    document = newsletter.document
    problems = []
    if document.meta.get("subject") is not None:  # (a missing subject was reported already)
        problems += _subject(mail.rel, document.line_of("subject"), mail.subject)
    low, high = PREHEADER_RANGE
    preheader = merge.fill_source(newsletter.preheader, mail.values)
    if document.meta.get("preheader") is not None and not low <= len(preheader) <= high:
        problems.append(
            Problem(
                mail.rel,
                document.line_of("preheader"),
                _("preheader: expected {low} to {high} characters, got {count}").format(
                    low=low, high=high, count=len(preheader)
                ),
            )
        )
    return problems


def _footer_problems(mail: _Mail, project: Project) -> list[Problem]:
    """The unsubscribe link and the whole Impressum, in both parts."""
    unsubscribe = mail.values["unsubscribe_url"]
    operator = project.settings.operator
    impressum = (operator.name, operator.street, operator.register, operator.vat_id)
    problems = []
    for part, content, link in (
        (_("HTML part"), mail.html, f'href="{_attr(unsubscribe)}"'),
        (_("text part"), mail.text, unsubscribe),
    ):
        if link not in content:
            problems.append(
                Problem(mail.rel, 1, _("unsubscribe link missing in the {part}").format(part=part))
            )
        if not all(_attr(item) in content or item in content for item in impressum):
            problems.append(
                Problem(
                    mail.rel,
                    1,
                    _("Impressum missing or incomplete in the {part}").format(part=part),
                )
            )
    return problems


def encoded_size(html: str) -> int:
    """Bytes of the HTML part as it goes out: UTF-8, quoted-printable at 78 characters a line.

    The same encoding the message gets (``email.contentmanager``), computed without building
    a message: a test holds the two equal.
    """
    body = "\n".join(html.splitlines()) + "\n"
    return len(quoprimime.body_encode(body.encode("utf-8").decode("latin-1"), 78))


def _missing_on_help_site(index: SiteIndex, src: str) -> str | None:
    """The content/ file an image on the help site would be, if it does not exist.

    Only folders that content/ has are checked: generated pages (Werbemittel, archive)
    publish files that exist only after the build.
    """
    rel = index.source_of_url(src)
    if rel is None or index.asset(rel) is not None:
        return None
    folder = rel.removeprefix("content/").split("/")[0]
    return rel if index.has_folder(folder) else None


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;")


def _subject(rel: str, line: int, subject: str) -> list[Problem]:
    problems = []
    if not 1 <= len(subject) <= SUBJECT_MAX:
        problems.append(
            Problem(
                rel,
                line,
                _("subject: expected 1 to {high} characters, got {count}").format(
                    high=SUBJECT_MAX, count=len(subject)
                ),
            )
        )
    letters = [c for c in subject if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        problems.append(
            Problem(rel, line, _("subject: written in capitals; that reads as shouting"))
        )
    if "!!!" in subject:
        problems.append(Problem(rel, line, _("subject: '!!!' reads as shouting and as spam")))
    return problems


_PERSONAL = re.compile(r"\{:?\s*\.personal\s*\}\s*$")
"""A line ending with ``{ .personal }``: the marker of a personal paragraph or heading."""


def archive_problems(
    project: Project, newsletter: Newsletter, email: RenderedEmail
) -> list[Problem]:
    """Every merge field the archive would show empty ("Sie sind seit  dabei"), at its line.

    Such a field belongs in a paragraph marked ``{ .personal }``, which the archive leaves out;
    an approved newsletter (the archive shows it) may not have one, a draft gets a warning.
    """
    values = neutral_values(project)
    empty = {name for name, value in values.items() if not value} - set(OMITTED)
    used = merge.fields_of(email.archive_html_parts) | merge.fields_of(email.archive_text_parts)
    if not empty & used:
        return []
    document = newsletter.document
    severity: Severity = "error" if newsletter.approved else "warning"
    problems = []
    personal = _personal_lines(document.body)
    for name in sorted(empty & used):
        pattern = re.compile(r"\{\{\s*member\." + name + r"\s*\}\}")
        line = next(
            (
                document.body_line + offset
                for offset, text in enumerate(document.body.split("\n"))
                if pattern.search(text) and offset not in personal
            ),
            None,
        )
        message = _(
            "merge field member.{field} has no value in the web archive: end its paragraph "
            "with a line {marker} (it is then left out of the archive)"
        ).format(field=name, marker="{ .personal }")
        if line is None:
            for key in ("subject", "preheader"):
                if pattern.search(getattr(newsletter, key)):
                    line = document.line_of(key)
                    message = _(
                        "{key}: merge field member.{field} has no value in the web archive, "
                        "which shows the {key}; use it in the text instead"
                    ).format(key=key, field=name)
                    break
        problems.append(Problem(document.rel, line or document.body_line, message, severity))
    return problems


def _personal_lines(body: str) -> set[int]:
    """Offsets of the body lines that belong to a block marked ``{ .personal }``."""
    lines = body.split("\n")
    personal: set[int] = set()
    start = 0
    for offset, line in enumerate([*lines, ""]):
        if line.strip():
            continue
        block = range(start, offset)
        if any(_PERSONAL.search(lines[i]) for i in block):
            personal.update(block)
        start = offset + 1
    return personal
