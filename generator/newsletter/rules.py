"""Rules on what a newsletter says and links to: its audience, safe HTML, service notices.

Part of the preflight (``checks.preflight``): every problem names the line of the source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from generator.core.activecontent import Finding, findings
from generator.core.activecontent import line_of as body_line_of
from generator.core.i18n import _
from generator.core.problems import Problem
from generator.core.settings import Project
from generator.newsletter import merge
from generator.newsletter.email import RenderedEmail
from generator.newsletter.source import Newsletter
from generator.site.index import SiteIndex

EVERYONE = "alle"
REFERRAL_FIELDS = ("referral_link", "referral_code")


def audience_problems(project: Project, newsletter: Newsletter) -> list[Problem]:
    """An ``audience`` (or one of ``other_audiences``) that is no known segment: a typo would
    send to nobody."""
    known = (EVERYONE, *project.settings.members.segments)
    document = newsletter.document
    return [
        Problem(
            document.rel,
            document.line_of(key),
            _(
                "{key}: unknown segment '{segment}'; known: {known} (members.segments in "
                "rundbrief.yml)"
            ).format(key=key, segment=segment, known=", ".join(known)),
        )
        for key, segments in (
            ("audience", (newsletter.audience,)),
            ("other_audiences", newsletter.other_audiences),
        )
        for segment in segments
        if segment not in known
    ]


IN_NO_EMAIL = frozenset({"iframe", "frame", "form", "base"})
"""Elements the email may not hold even in a harmless form: mail clients strip or flag them."""


def active_content_problems(newsletter: Newsletter, html: str) -> list[Problem]:
    """Scripts, frames, forms, event handlers and script links: mail clients strip or flag
    them, and on the archive page they would run on the help site's domain.

    The email is read by the final scanner (``core/activecontent.py``), as a browser reads it;
    the subject and the preheader are text, so any element that acts is refused there.
    """
    document = newsletter.document
    found: list[tuple[Finding, int | None]] = [
        (f, None) for f in findings(html, refuse=IN_NO_EMAIL)
    ]
    for field in ("subject", "preheader"):
        text = getattr(newsletter, field)
        found += [(f, document.line_of(field)) for f in findings(text, content=True)]
    problems = []
    seen = set()
    for finding, at in found:
        line = (
            at
            or body_line_of(document.body, finding.needles, first_line=document.body_line)
            or document.body_line
        )
        key = (finding.what.lower(), line)
        if key in seen:
            continue
        seen.add(key)
        problems.append(
            Problem(
                document.rel,
                line,
                _(
                    "'{what}' is not allowed in a newsletter (scripts, frames, forms, event "
                    "attributes and script links are refused)"
                ).format(what=finding.what),
            )
        )
    return problems


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
