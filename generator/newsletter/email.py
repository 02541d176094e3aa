"""A newsletter rendered once into an email with placeholders, then personalised cheaply."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from generator.core.problems import Problem
from generator.core.referral import with_query
from generator.core.settings import Project, Settings
from generator.newsletter import layout, merge
from generator.newsletter.blocks import Note
from generator.newsletter.inline import inline_css
from generator.newsletter.links import link_targets, with_utm
from generator.newsletter.markdown_html import Converted, convert
from generator.newsletter.plaintext import tree_to_text, wrap
from generator.newsletter.source import Newsletter
from generator.newsletter.unsubscribe import one_click, unsubscribe_link
from generator.site.index import SiteIndex

ARCHIVE = "newsletter"
"""The folder of the web archive on the help site."""


@dataclass(frozen=True)
class RenderedEmail:
    """A newsletter rendered and inlined once; merge fields are still ``{{ member.x }}``."""

    slug: str
    subject: str
    preheader: str
    html: str
    text: str
    fields: frozenset[str]
    archive_url: str
    from_name: str
    from_address: str
    reply_to: str
    list_id: str
    unsubscribe_mailto: str = ""
    title: str = ""
    """The visible title (``h1``) with ``{{ member.x }}`` placeholders; the archive's page title."""
    subject_parts: merge.Parts = field(default=(), repr=False, compare=False)
    html_parts: merge.Parts = field(default=(), repr=False, compare=False)
    text_parts: merge.Parts = field(default=(), repr=False, compare=False)
    archive_html_parts: merge.Parts = field(default=(), repr=False, compare=False)
    """The HTML for the web archive: personal sections left out (the same tuple if none)."""
    archive_text_parts: merge.Parts = field(default=(), repr=False, compare=False)

    def __getstate__(self) -> dict[str, object]:
        # html and text follow from their parts: the cache stores them once (half the bytes).
        return {k: v for k, v in self.__dict__.items() if k not in ("html", "text")}

    def __setstate__(self, state: dict[str, object]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        for name in ("html", "text"):
            parts = state[f"{name}_parts"]
            assert isinstance(parts, tuple)
            object.__setattr__(self, name, merge.join_placeholders(parts))


def known_fields(settings: Settings) -> tuple[str, ...]:
    """Every merge field a newsletter may use (the kit's link once ``kits.url`` says where)."""
    kits = (merge.KIT_FIELD,) if settings.kits.url else ()
    return (*merge.BUILTIN_FIELDS, *kits, *settings.member_fields)


def archive_path(slug: str) -> str:
    """The docs path of a newsletter's archive page."""
    return f"{ARCHIVE}/{slug}/index.md"


def field_problems(newsletter: Newsletter, known: tuple[str, ...]) -> list[Problem]:
    """Every template expression in the body, subject or preheader that is not a known field."""
    document = newsletter.document
    problems = [
        Problem(document.rel, document.body_line + offset, message)
        for offset, message in merge.unknown_fields(document.body, known)
    ]
    for key in ("subject", "preheader"):
        problems += [
            Problem(document.rel, document.line_of(key), f"{key}: {message}")
            for _offset, message in merge.unknown_fields(getattr(newsletter, key), known)
        ]
    return problems


OMITTED = ("last_name",)
"""Fields the archive leaves out with the space before them ("Hallo liebes Mitglied,")."""


def render_email(
    project: Project, index: SiteIndex, newsletter: Newsletter
) -> tuple[RenderedEmail, list[Problem]]:
    """Render Markdown, layout and inlined CSS once; problems (path:line) come with the email.

    A broken link or an unknown merge field is reported, and the email is rendered all the
    same (the link as written, the field left out), so that the checks of the rendered email
    report their problems in the same run.
    """
    settings = project.settings
    known = known_fields(settings)
    mapping, problems = link_targets(newsletter, index)
    problems += field_problems(newsletter, known)

    def text_link(url: str) -> str:
        return mapping.get(url, url)

    def link(url: str) -> str:
        return with_utm(text_link(url), newsletter.utm_campaign, settings.own_domains)

    def image_size(url: str) -> tuple[int, int] | None:
        rel = index.source_of_url(url)
        asset = index.asset(rel) if rel else None
        return image_pixels(asset.file) if asset else None

    body = newsletter.document.body
    converted = convert(
        merge.to_tokens(body, known), link, text_link, text_link=text_link, image_size=image_size
    )
    problems += _note_problems(newsletter, converted.notes)
    archive = index.url(archive_path(newsletter.slug))
    subject = merge.to_tokens(newsletter.subject, known)
    preheader = merge.to_tokens(newsletter.preheader, known)
    title = merge.to_tokens(title_of(newsletter.subject), known)
    heading = "" if starts_with_heading(body) else title
    unsubscribe = merge.token("unsubscribe_url")
    document = layout.page(
        settings,
        subject=subject,
        preheader=preheader,
        title=heading,
        body=converted.html,
        archive_url=archive,
        unsubscribe_url=unsubscribe,
        kind=newsletter.kind,
        home_url=link(settings.platform_url),  # a sign-up after the logo counts for the newsletter
    )
    html = merge.compile_parts(
        layout.with_client_fixes(inline_css(document, settings.newsletter.inliner))
    )
    text = merge.compile_parts(
        _text_part(
            settings,
            converted,
            unsubscribe,
            archive,
            heading,
            field_widths(project),
            newsletter.kind,
        )
    )
    html_parts, text_parts = merge.member_parts(html), merge.member_parts(text)
    subject_parts = merge.compile_parts(subject)
    fields = (
        merge.fields_of(html_parts) | merge.fields_of(text_parts) | merge.fields_of(subject_parts)
    )
    email = RenderedEmail(
        slug=newsletter.slug,
        subject=merge.to_placeholders(subject),
        preheader=merge.to_placeholders(preheader),
        html=merge.join_placeholders(html_parts),
        text=merge.join_placeholders(text_parts),
        fields=fields,
        archive_url=archive,
        from_name=newsletter.from_name or settings.newsletter.from_name,
        from_address=settings.newsletter.from_address,
        reply_to=newsletter.reply_to or settings.newsletter.reply_to,
        list_id=settings.newsletter.list_id,
        unsubscribe_mailto=settings.newsletter.unsubscribe_mailto,
        title=merge.to_placeholders(title),
        subject_parts=subject_parts,
        html_parts=html_parts,
        text_parts=text_parts,
        archive_html_parts=merge.archive_parts(html, OMITTED),
        archive_text_parts=merge.archive_parts(text, OMITTED),
    )
    return email, problems


_VOCATIVE_START = re.compile(r"^\s*\{\{\s*member\.\w+\s*\}\}\s*[,:!–—-]\s*")
_VOCATIVE_END = re.compile(r"\s*[,–—-]\s*\{\{\s*member\.\w+\s*\}\}\s*([!?.]?)\s*$")


def title_of(subject: str) -> str:
    """The newsletter's title: its subject without a greeting by name at the start or end.

    "{{ member.first_name }}, Mitglieder werben Mitglieder" is a fine subject and a poor
    heading; the title reads "Mitglieder werben Mitglieder" for every member and the archive.
    """
    if "{{" not in subject:
        return subject
    title = _VOCATIVE_END.sub(r"\1", _VOCATIVE_START.sub("", subject))
    return title[:1].upper() + title[1:] if title.strip() else subject


def starts_with_heading(body: str) -> bool:
    """Whether the body opens with its own ``# heading`` (then it is the email's ``h1``)."""
    for line in body.split("\n"):
        if line.strip():
            return re.match(r"#(?!#)\s", line.lstrip(" ")) is not None
    return False


def image_pixels(path: Path) -> tuple[int, int] | None:
    """Width and height of an image file (its header only), or None if it is none."""
    try:
        from PIL import Image

        with Image.open(path) as image:
            return image.size
    except (OSError, ValueError, ImportError):
        return None


def _note_problems(newsletter: Newsletter, notes: Iterable[Note]) -> list[Problem]:
    """Problems found while rendering, at the first body line that holds all their needles."""
    document = newsletter.document
    lines = document.body.split("\n")
    problems = []
    for note in notes:
        line = next(
            (
                number
                for number, text in enumerate(lines, start=document.body_line)
                if note.needles and all(needle in text for needle in note.needles)
            ),
            document.body_line,
        )
        problems.append(Problem(document.rel, line, note.message, note.severity))
    return problems


def _text_part(
    settings: Settings,
    converted: Converted,
    unsubscribe: str,
    archive: str,
    title: str,
    widths: Mapping[str, int],
    kind: str = "newsletter",
) -> str:
    body = tree_to_text(converted.tree, converted.stash, converted.plain, title, widths)
    return body + _text_footer(settings, kind).format(unsubscribe=unsubscribe, archive=archive)


@cache
def _text_footer(settings: Settings, kind: str) -> str:
    """The text part's footer, wrapped once per settings ({unsubscribe} and {archive} open)."""
    lines = [
        "-- ",
        wrap(layout.reason(settings, kind)),
        "",
        wrap(_unsubscribe_how(settings)),
        "{unsubscribe}",
        "",
        "Im Browser ansehen:",
        "{archive}",
        "",
        "Impressum",
        *[wrap(line) for line in layout.impressum_lines(settings)],
    ]
    escaped = [line if line in ("{unsubscribe}", "{archive}") else _braces(line) for line in lines]
    return "\n" + "\n".join(escaped) + "\n"


def _unsubscribe_how(settings: Settings) -> str:
    if one_click(settings.newsletter):
        return "Newsletter abbestellen (mit einem Klick, kostenlos):"
    return (
        "Newsletter abbestellen (kostenlos): Dieser Link öffnet eine fertige E-Mail an uns, "
        "die Sie nur noch absenden:"
    )


def _braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def personalise(email: RenderedEmail, values: Mapping[str, str]) -> tuple[str, str, str]:
    """(subject, html, text) for one recipient; values escaped in the HTML, plain in the text."""
    return (
        merge.fill(email.subject_parts, values, escape=False),
        merge.fill(email.html_parts, values, escape=True),
        merge.fill(email.text_parts, values, escape=False),
    )


def sample_values(project: Project) -> dict[str, str]:
    """A synthetic member for build outputs and the preview."""
    return dict(_sample_values(project.settings))


@cache
def _sample_values(settings: Settings) -> dict[str, str]:
    code = "ERIKA7Q2"
    values = {
        "first_name": "Erika",
        "last_name": "Mustermann",
        "email": "erika.mustermann@example.org",
        "referral_code": code,
        "referral_link": share_link(settings, code),
        "unsubscribe_url": unsubscribe_link(settings.newsletter, "beispiel"),
    }
    if settings.kits.url:
        values[merge.KIT_FIELD] = f"{settings.kits.url.rstrip('/')}/{SAMPLE_KIT}/"
    return {**{name: "Beispiel" for name in settings.member_fields}, **values}


SAMPLE_KIT = "beispiel-kit"
"""The folder of the sample member's kit in previews (no real member's token)."""
TYPICAL_WIDTHS = {"first_name": 12, "last_name": 14, "email": 32}
"""Characters to reserve for a value when wrapping the text part (the sample's, if longer)."""


def field_widths(project: Project) -> dict[str, int]:
    """How many characters each merge field's value takes in the text part."""
    return _field_widths(project.settings)


@cache
def _field_widths(settings: Settings) -> dict[str, int]:
    return {
        name: max(len(value), TYPICAL_WIDTHS.get(name, 0))
        for name, value in _sample_values(settings).items()
    }


def share_link(settings: Settings, code: str) -> str:
    """The member's referral link as a newsletter shows it: short, without the newsletter's
    UTM fields, so that whoever the member shares it with is not counted as a newsletter click."""
    return with_query(settings.referral_url, {"ref": code})


def neutral_values(project: Project) -> dict[str, str]:
    """Values for the public archive: no one in particular ("Hallo liebes Mitglied").

    A field with an empty value here (the columns of ``member_fields``) may only stand in a
    paragraph marked ``{ .personal }``; ``last_name`` is left out with the space before it.
    """
    return dict(_neutral_values(project.settings))


@cache
def _neutral_values(settings: Settings) -> dict[str, str]:
    values = {
        "first_name": "liebes Mitglied",
        "last_name": "",
        "email": "Ihre E-Mail-Adresse",
        "referral_code": "IHRCODE",
        "referral_link": settings.referral_url,
        "unsubscribe_url": unsubscribe_link(settings.newsletter, ""),
    }
    if settings.kits.url:
        # The archive is public: it links to no one's kit, only to the public Werbemittel page.
        values[merge.KIT_FIELD] = settings.kits.url
    return {**{name: "" for name in settings.member_fields}, **values}


_FRAGMENT_LINK = re.compile(r'<a (?=[^>]*\bhref="#)')


def archive_copy(email: RenderedEmail, values: Mapping[str, str]) -> tuple[str, str, str]:
    """(title, html, text) of the web archive: neutral values, personal sections left out, and
    links that open in the whole window rather than inside the archive page's frame."""
    html = merge.fill(email.archive_html_parts, values, escape=True)
    html = html.replace("<head>", '<head>\n<base target="_top">', 1)
    html = _FRAGMENT_LINK.sub('<a target="_self" ', html)  # footnotes stay in the frame
    text = merge.fill(email.archive_text_parts, values, escape=False)
    return merge.fill_source(email.title or email.subject, values), html, text
