"""A newsletter rendered once into an email with placeholders, then personalised cheaply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from generator.core.problems import Problem
from generator.core.referral import referral_link, with_query
from generator.core.settings import Project, Settings
from generator.newsletter import layout, merge
from generator.newsletter.inline import inline_css
from generator.newsletter.links import link_targets, with_utm
from generator.newsletter.markdown_html import Converted, convert
from generator.newsletter.plaintext import tree_to_text, wrap
from generator.newsletter.source import Newsletter
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
    subject_parts: merge.Parts = field(default=(), repr=False, compare=False)
    html_parts: merge.Parts = field(default=(), repr=False, compare=False)
    text_parts: merge.Parts = field(default=(), repr=False, compare=False)

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
    """Every merge field a newsletter may use."""
    return (*merge.BUILTIN_FIELDS, *settings.member_fields)


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

    def link(url: str) -> str:
        return with_utm(mapping.get(url, url), newsletter.utm_campaign, settings.own_domains)

    def image(url: str) -> str:
        return mapping.get(url, url)

    converted = convert(merge.to_tokens(newsletter.document.body, known), link, image)
    archive = index.url(archive_path(newsletter.slug))
    subject = merge.to_tokens(newsletter.subject, known)
    preheader = merge.to_tokens(newsletter.preheader, known)
    unsubscribe = merge.token("unsubscribe_url")
    document = layout.page(
        settings,
        subject=subject,
        preheader=preheader,
        body=converted.html,
        archive_url=archive,
        unsubscribe_url=unsubscribe,
        kind=newsletter.kind,
    )
    html = inline_css(document, settings.newsletter.inliner)
    text = _text_part(settings, converted, unsubscribe, archive, newsletter.kind)
    html_parts = merge.compile_parts(html)
    text_parts = merge.compile_parts(text)
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
        subject_parts=subject_parts,
        html_parts=html_parts,
        text_parts=text_parts,
    )
    return email, problems


def _text_part(
    settings: Settings, converted: Converted, unsubscribe: str, archive: str, kind: str
) -> str:
    body = tree_to_text(converted.tree, converted.stash)
    return body + _text_footer(settings, kind).format(unsubscribe=unsubscribe, archive=archive)


@cache
def _text_footer(settings: Settings, kind: str) -> str:
    """The text part's footer, wrapped once per settings ({unsubscribe} and {archive} open)."""
    lines = [
        "-- ",
        wrap(layout.reason(settings, kind)),
        "",
        wrap("Newsletter abbestellen (mit einem Klick, kostenlos):"),
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
    settings = project.settings
    code = "ERIKA7Q2"
    values = {
        "first_name": "Erika",
        "last_name": "Mustermann",
        "email": "erika.mustermann@example.org",
        "referral_code": code,
        "referral_link": referral_link(
            settings.referral_url, code, source="newsletter", medium="email", campaign="newsletter"
        ),
        "unsubscribe_url": with_query(settings.newsletter.unsubscribe_url, {"t": "beispiel"}),
    }
    return {**{name: "Beispiel" for name in settings.member_fields}, **values}


def neutral_values(project: Project) -> dict[str, str]:
    """Values for the public archive: no one in particular ("Hallo liebes Mitglied")."""
    settings = project.settings
    values = {
        "first_name": "liebes Mitglied",
        "last_name": "",
        "email": "",
        "referral_code": "",
        "referral_link": settings.referral_url,
        "unsubscribe_url": settings.newsletter.unsubscribe_url,
    }
    return {**{name: "" for name in settings.member_fields}, **values}
