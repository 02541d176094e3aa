"""Rules on what a newsletter says and links to: its audience, safe HTML, service notices.

Part of the preflight (``checks.preflight``): every problem names the line of the source.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable
from functools import partial

from generator.core.i18n import _
from generator.core.problems import Problem
from generator.core.settings import Project
from generator.newsletter import merge
from generator.newsletter.email import RenderedEmail
from generator.newsletter.source import Newsletter
from generator.site.index import SiteIndex

EVERYONE = "alle"
_ACTIVE_TAG = re.compile(
    r"<\s*(script|iframe|frame|frameset|object|embed|applet|form|base|meta\s+http-equiv)\b",
    re.IGNORECASE,
)
_EVENT_ATTRIBUTE = re.compile(r"\s(on[a-z]+)\s*=", re.IGNORECASE)
"""An event attribute (``onclick=``), once ``_inside_tag`` confirms where it stands."""
_TAG = re.compile(r"""<[A-Za-z][^\s/>]*(?:[^>"']|"[^"]*"|'[^']*')*>""")
"""An opening tag with its attributes (a quoted value may hold ``>``)."""
_ATTRIBUTE_VALUE = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
"""An attribute value inside a tag."""
_SCHEME_START = frozenset("jJvVdD&") | frozenset(map(chr, range(33)))
"""How a script URL can begin: its scheme's first letter, a character reference, or what a
browser skips at the start of a URL."""
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
_NOT_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")
"""What browsers drop from a URL before reading its scheme (spaces and controls at the ends, tab
and line breaks inside): ``java&#9;script:`` is ``javascript:`` to them."""
REFERRAL_FIELDS = ("referral_link", "referral_code")


def audience_problems(project: Project, newsletter: Newsletter) -> list[Problem]:
    """An ``audience`` that is no known segment: a typo would send to nobody."""
    known = (EVERYONE, *project.settings.members.segments)
    if newsletter.audience in known:
        return []
    document = newsletter.document
    return [
        Problem(
            document.rel,
            document.line_of("audience"),
            _(
                "audience: unknown segment '{segment}'; known: {known} (members.segments in "
                "rundbrief.yml)"
            ).format(segment=newsletter.audience, known=", ".join(known)),
        )
    ]


def _inside_tag(html: str, match: re.Match[str]) -> bool:
    """Whether ``match`` stands inside a tag (after a ``<`` that no ``>`` closed yet)."""
    return html.rfind("<", 0, match.start()) > html.rfind(">", 0, match.start())


def active_content_problems(newsletter: Newsletter, html: str) -> list[Problem]:
    """Scripts, frames, forms, event handlers and script links: mail clients strip or flag
    them, and on the archive page they would run on the help site's domain."""
    problems = []
    found: list[tuple[str, tuple[str, ...]]] = [
        (m.group(0).lstrip("< ").split()[0], (m.group(0).split()[0],))
        for m in _ACTIVE_TAG.finditer(html)
    ]
    found += [
        (m.group(1), (m.group(1),)) for m in _EVENT_ATTRIBUTE.finditer(html) if _inside_tag(html, m)
    ]
    # The email as members get it, and the raw HTML of the source as written: each inliner
    # writes attributes anew (premailer escapes a tab in a URL as %09, css-inline keeps it).
    found += _script_urls(html) + _script_urls(newsletter.document.body)
    seen = set()
    for what, needles in found:
        line = next((n for n in map(partial(line_of, newsletter), needles) if n != 1), 1)
        key = (what.lower(), line)
        if key in seen:
            continue
        seen.add(key)
        problems.append(
            Problem(
                newsletter.document.rel,
                line,
                _(
                    "'{what}' is not allowed in a newsletter (scripts, frames, forms, event "
                    "attributes and script links are refused)"
                ).format(what=what),
            )
        )
    return problems


def _script_urls(html: str) -> list[tuple[str, tuple[str, ...]]]:
    """(scheme, what to look for in the source) of every URL a browser would run as a script.

    The value is read as the browser reads it (character references decoded, the characters
    URL parsing drops removed), so no spelling of ``javascript:`` slips through. The inliner
    writes attributes anew, so the source is searched for the value as written and for what
    follows the scheme.
    """
    found = []
    values = (value for tag in _TAG.findall(html) for value in _ATTRIBUTE_VALUE.finditer(tag))
    for match in values:
        written = match[1] or match[2] or match[3] or ""
        if not written or written[0] not in _SCHEME_START:
            continue  # https://…, #anchor, mailto:…, a style: no script (the usual case)
        value = _NOT_IN_SCHEME.sub("", html_lib.unescape(written))
        scheme = next((s for s in _SCRIPT_SCHEMES if value.lower().startswith(s)), None)
        if scheme is not None:
            rest = value[len(scheme) :]
            needles = (written.strip(), *((rest,) if len(rest) >= 4 else ()))
            found.append((scheme, needles))
    return found


def token_problems(newsletter: Newsletter) -> list[Problem]:
    """Text that looks like rundbrief's internal stand-in for a merge field."""
    document = newsletter.document
    problems = []
    sources = [
        (offset + document.body_line, line) for offset, line in enumerate(document.body.split("\n"))
    ]
    sources += [
        (document.line_of(key), getattr(newsletter, key)) for key in ("subject", "preheader")
    ]
    for line, text in sources:
        for match in merge.TOKEN.finditer(text):
            problems.append(
                Problem(
                    document.rel,
                    line,
                    _(
                        "'{text}' looks like rundbrief's internal stand-in for a merge field; "
                        "write {example} instead"
                    ).format(text=match.group(0), example="{{ member.<field> }}"),
                )
            )
    return problems


def service_problems(
    project: Project,
    index: SiteIndex,
    newsletter: Newsletter,
    email: RenderedEmail,
    hrefs: Iterable[str],
) -> list[Problem]:
    """A service notice goes out without newsletter consent: it must carry no advertising."""
    if newsletter.kind != "service":
        return []
    document = newsletter.document
    rel = document.rel
    problems = []
    for name in sorted(email.fields & set(REFERRAL_FIELDS)):
        problems.append(
            Problem(
                rel,
                line_of(newsletter, f"member.{name}"),
                _(
                    "kind: service carries no advertising: no referral link or code ({placeholder})"
                ).format(placeholder="{{ member." + name + " }}"),
            )
        )
    settings = project.settings
    campaigns = (settings.referral_url.split("?")[0], index.url("werbemittel/index.md"))
    for href in sorted(set(hrefs)):
        if href.startswith(campaigns):
            problems.append(
                Problem(
                    rel,
                    line_of(newsletter, href.split("?")[0]),
                    _(
                        "kind: service carries no advertising: no link to a campaign or the "
                        "referral page ({href})"
                    ).format(href=href.split("?")[0]),
                )
            )
    lines = [(document.line_of(key), getattr(newsletter, key)) for key in ("subject", "preheader")]
    lines += [
        (offset + document.body_line, line) for offset, line in enumerate(document.body.split("\n"))
    ]
    for word in settings.sending.advertising_words:
        for line, text in lines:
            found = advertising(text, word)
            if found is None:
                continue
            message = _(
                "kind: service carries no advertising: '{word}' is listed as an advertising "
                "word (sending.advertising_words)"
            ).format(word=word)
            if found.casefold() != word.casefold():
                message = _(
                    "kind: service carries no advertising: '{found}' holds '{word}', listed as an "
                    "advertising word (sending.advertising_words)"
                ).format(found=found, word=word)
            problems.append(Problem(rel, line, message))
            break
    return problems


WORD = re.compile(r"\w+")
HARMLESS = ("transaktion", "redaktion", "reaktion", "fraktion", "erwerb", "bewerb")
"""Everyday words that hold an advertising word (Transaktion: Aktion, erwerben: werben)."""


def advertising(text: str, word: str) -> str | None:
    """The first word of ``text`` that is or holds ``word`` (in a compound: Sonderaktion)."""
    wanted = word.casefold()
    for match in WORD.finditer(text):
        folded = match.group(0).casefold()
        if wanted not in folded:
            continue
        for harmless in HARMLESS:
            folded = folded.replace(harmless, " ")
        if wanted in folded:
            return match.group(0)
    return None


def line_of(newsletter: Newsletter, needle: str) -> int:
    """The file line that first mentions ``needle`` (case-insensitive); line 1 if none does."""
    document = newsletter.document
    lowered = needle.lower()
    for offset, line in enumerate(document.body.split("\n")):
        if lowered and lowered in line.lower():
            return document.body_line + offset
    return 1
