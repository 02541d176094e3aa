"""A newsletter rendered once into an email with placeholders, then personalised cheaply."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from generator.core.links import find_links, resolve
from generator.core.problems import Problem, ProblemsFound
from generator.core.referral import referral_link, with_query
from generator.core.settings import Project, Settings
from generator.newsletter import merge
from generator.newsletter.inline import inline_css
from generator.newsletter.markdown_html import Converted, convert
from generator.newsletter.mime import HeaderInjection, build_message
from generator.newsletter.plaintext import tree_to_text, wrap
from generator.newsletter.source import Newsletter
from generator.newsletter.unsubscribe import one_click, unsubscribe_link

__all__ = [
    "HeaderInjection",
    "RenderedEmail",
    "build_message",
    "neutral_values",
    "personalise",
    "render_email",
    "sample_values",
]

REASON = (
    "Sie erhalten diese E-Mail, weil Sie als Mitglied von {platform} dem Empfang unseres "
    "Newsletters zugestimmt haben (Double-Opt-in)."
)


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


def archive_url(project: Project, slug: str) -> str:
    """The absolute URL of the newsletter's page on the help site."""
    return f"{project.site_url}newsletter/{slug}/"


def article_url(project: Project, rel: str) -> str:
    """The help-site URL of ``content/a/b.md`` (``a/b/``); an index.md is its folder."""
    inner = posixpath.relpath(rel, "content")
    stem = inner.removesuffix(".md")
    if posixpath.basename(stem) == "index":
        stem = posixpath.dirname(stem)
    return project.site_url + (f"{stem}/" if stem else "")


def is_own(url: str, domains: tuple[str, ...]) -> bool:
    """Whether ``url`` points to one of the platform's domains (subdomains included)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains)


def _link_targets(project: Project, newsletter: Newsletter) -> tuple[dict[str, str], list[Problem]]:
    """Help-article paths → site URLs; every other relative link is a problem at its line."""
    document = newsletter.document
    mapping: dict[str, str] = {}
    problems = []
    for link in find_links(document.body, document.body_line):
        if (
            not link.is_relative
            or merge.ANY_TEMPLATE.match(link.target)
            or link.target.startswith("{")
        ):
            continue
        target = resolve(document.rel, link.target)
        fragment = urlsplit(link.target).fragment
        what = "image" if link.is_image else "link"
        if link.is_image or not target.endswith(".md") or not target.startswith("content/"):
            problems.append(
                Problem(
                    document.rel,
                    link.line,
                    f"relative {what} '{link.target}': use a help article path "
                    "(../content/….md) or an absolute https:// URL",
                )
            )
        elif not (project.root / target).is_file():
            problems.append(
                Problem(document.rel, link.line, f"broken link: {link.target} does not exist")
            )
        else:
            url = article_url(project, target)
            mapping[link.target] = f"{url}#{fragment}" if fragment else url
    return mapping, problems


def _field_problems(project: Project, newsletter: Newsletter) -> list[Problem]:
    document = newsletter.document
    known = known_fields(project.settings)
    problems = [
        Problem(document.rel, document.body_line + offset, message)
        for offset, message in merge.unknown_fields(document.body, known)
    ]
    for key in ("subject", "preheader"):
        problems += [
            Problem(document.rel, document.line_of(key), f"{key}: {message}")
            for _, message in merge.unknown_fields(document.meta[key], known)
        ]
    return problems


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("generator.newsletter", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def _css() -> str:
    source = _environment().loader
    assert source is not None
    text, _, _ = source.get_source(_environment(), "email.css")
    return text


def impressum_lines(settings: Settings) -> list[str]:
    """The provider identification (§ 5 DDG), line by line, for both parts of every email."""
    operator = settings.operator
    return [
        operator.name,
        operator.street,
        f"{operator.city}, {operator.country}",
        f"Telefon: {operator.phone}",
        f"E-Mail: {operator.email}",
        f"Registergericht: {operator.register}",
        f"USt-IdNr.: {operator.vat_id}",
        operator.representatives,
    ]


def render_email(project: Project, newsletter: Newsletter) -> RenderedEmail:
    """Render Markdown, layout and inlined CSS once; raise ProblemsFound with path:line."""
    settings = project.settings
    mapping, problems = _link_targets(project, newsletter)
    problems += _field_problems(project, newsletter)
    if problems:
        raise ProblemsFound(problems)

    def rewrite(url: str) -> str:
        url = mapping.get(url, url)
        if is_own(url, settings.own_domains):
            params = {"utm_source": "newsletter", "utm_medium": "email"}
            url = with_query(url, {**params, "utm_campaign": newsletter.utm_campaign})
        return url

    converted = convert(merge.to_tokens(newsletter.document.body), rewrite)
    archive = archive_url(project, newsletter.slug)
    subject = merge.to_tokens(newsletter.subject)
    preheader = merge.to_tokens(newsletter.preheader)
    unsubscribe = merge.token("unsubscribe_url")
    reason = REASON.format(platform=settings.platform_name)
    impressum = impressum_lines(settings)
    page = (
        _environment()
        .get_template("layout.html.j2")
        .render(
            subject=subject,
            preheader=preheader,
            css=Markup(_css()),
            body=Markup(converted.html),
            archive_url=archive,
            platform_url=settings.platform_url,
            platform_name=settings.platform_name,
            logo_url=settings.newsletter.logo_url,
            unsubscribe_url=unsubscribe,
            one_click=one_click(settings.newsletter),
            reason=reason,
            impressum=impressum,
        )
    )
    html = inline_css(page, settings.newsletter.inliner)
    text = _text_part(
        converted, reason, unsubscribe, archive, impressum, one_click(settings.newsletter)
    )
    html_parts = merge.compile_parts(html)
    text_parts = merge.compile_parts(text)
    subject_parts = merge.compile_parts(subject)
    fields = (
        merge.fields_of(html_parts) | merge.fields_of(text_parts) | merge.fields_of(subject_parts)
    )
    return RenderedEmail(
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


def _text_part(
    converted: Converted,
    reason: str,
    unsubscribe: str,
    archive: str,
    impressum: list[str],
    one_click: bool = True,
) -> str:
    body = tree_to_text(converted.tree, converted.stash)
    how = (
        "Newsletter abbestellen (mit einem Klick, kostenlos):"
        if one_click
        else "Newsletter abbestellen (kostenlos): Dieser Link öffnet eine fertige E-Mail an uns, "
        "die Sie nur noch absenden:"
    )
    footer = [
        "-- ",
        wrap(reason),
        "",
        wrap(how),
        unsubscribe,
        "",
        "Im Browser ansehen:",
        archive,
        "",
        "Impressum",
        *[wrap(line) for line in impressum],
    ]
    return body + "\n" + "\n".join(footer) + "\n"


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
        "unsubscribe_url": unsubscribe_link(settings.newsletter, "beispiel"),
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
        "unsubscribe_url": unsubscribe_link(settings.newsletter, ""),
    }
    return {**{name: "" for name in settings.member_fields}, **values}
