"""Links and images of a newsletter: help-article paths become site URLs, own links get UTM."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from generator.core.i18n import _
from generator.core.links import find_links, resolve
from generator.core.problems import Problem, Severity
from generator.core.referral import with_query
from generator.newsletter import merge
from generator.newsletter.source import Newsletter
from generator.site.index import SiteIndex


def is_own(url: str, domains: tuple[str, ...]) -> bool:
    """Whether ``url`` points to one of the platform's domains (subdomains included)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains)


def with_utm(url: str, campaign: str, domains: tuple[str, ...]) -> str:
    """``url`` with the newsletter's UTM fields if it points to one of the platform's domains."""
    if not is_own(url, domains):
        return url
    params = {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": campaign}
    return with_query(url, params)


_FOOTNOTE = re.compile(r"\s{0,3}\[\^[^\]]+\]:\s*<?(\S*?)>?(?:\s|$)")
"""A footnote definition, ``[^1]: text``: its first word is no link target."""


def link_targets(newsletter: Newsletter, index: SiteIndex) -> tuple[dict[str, str], list[Problem]]:
    """Source paths written in the newsletter → site URLs, and a problem for every other one.

    A link may name a help article (``../content/a/b.md``), an image a file of ``content/``
    (``../content/assets/bild.jpg``); both become their help-site URL. Any other relative
    target is a problem at its line, and so is a link to an article that is a draft (an
    error once the newsletter is approved, a warning before).
    """
    document = newsletter.document
    mapping: dict[str, str] = {}
    problems = []
    lines = document.body.split("\n")
    for link in find_links(document.body, document.body_line):
        if not link.is_relative or merge.ANY_TEMPLATE.match(link.target):
            continue
        footnote = _FOOTNOTE.match(lines[link.line - document.body_line])
        if footnote and footnote.group(1) == link.target and not link.is_image:
            continue
        if link.target.startswith("{"):
            continue
        target = resolve(document.rel, link.target)
        fragment = urlsplit(link.target).fragment
        message, severity = _target_problem(link.is_image, target, index, newsletter.approved)
        if message is not None:
            text = message.format(target=link.target)
            problems.append(Problem(document.rel, link.line, text, severity))
            if severity == "error":
                continue
        item = index.article(target) or index.asset(target)
        if item is not None:
            url = index.url(item.path)
            mapping[link.target] = f"{url}#{fragment}" if fragment else url
    return mapping, problems


def image_lines(newsletter: Newsletter, index: SiteIndex) -> dict[str, list[int]]:
    """The source of every image the body writes, as the email has it → its lines, in order.

    An image written by its source path (``../content/assets/bild.jpg``) is listed under its
    help-site URL, so that a problem with it found in the email is reported at its line.
    """
    document = newsletter.document
    lines: dict[str, list[int]] = {}
    for link in find_links(document.body, document.body_line):
        if not link.is_image:
            continue
        url = link.target
        if link.is_relative:
            asset = index.asset(resolve(document.rel, link.target))
            url = index.url(asset.path) if asset is not None else url
        lines.setdefault(url, []).append(link.line)
    return lines


def _target_problem(
    image: bool, target: str, index: SiteIndex, approved: bool
) -> tuple[str | None, Severity]:
    if image:
        if index.asset(target) is not None:
            return None, "error"
        if target.startswith("content/"):
            return _("broken image: {target} does not exist"), "error"
        return (
            _(
                "relative image '{target}': put the file into content/assets/ and write its "
                "path (../content/assets/….jpg), or use an absolute https:// URL"
            ),
            "error",
        )
    article = index.article(target)
    if article is not None:
        if article.draft:
            return _(
                "link to a draft article: {target} is not published yet"
            ), "error" if approved else "warning"
        return None, "error"
    if target.endswith(".md") and target.startswith("content/"):
        return _("broken link: {target} does not exist"), "error"
    return (
        _(
            "relative link '{target}': use a help article path (../content/….md) or an "
            "absolute https:// URL"
        ),
        "error",
    )
