"""The final scanner: every script-capable thing in an HTML document, read as a browser reads it.

Every HTML file rundbrief writes passes through ``findings`` before it is published. The
document is parsed by a real HTML5 parser (Lexbor, through selectolax), so spellings that a
pattern misses — ``<img/src=x/onerror=…>``, ``java&#9;script:``, upper-case attributes,
``<template>`` contents — are seen exactly as the browser sees them.

What counts as script-capable: a ``<script>`` that is not one of the site's own files (an
allow-list of exact paths, checked against the files' hashes by the caller), any ``on…``
attribute, ``javascript:``/``vbscript:``/``data:`` in a URL that is navigated or loaded as a
document, ``srcdoc``, ``<object>``/``<embed>``/``<applet>``, a frame that is not sandboxed
without scripts, ``<base href>``, a form that posts somewhere, ``<meta http-equiv=refresh>``,
SVG animations that set a link, and CSS that runs code (``expression(``, script URLs,
``behavior``, ``-moz-binding``, ``@import``). Text from content (a subject, a title) is held
to more: there also any element that can change the page around it (``<style>``, frames,
forms, ``<base>``, ``<meta>``, ``<link>``) counts.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from selectolax.lexbor import LexborHTMLParser, LexborNode

from generator.core.i18n import _
from generator.core.problems import Problem

SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "livescript"})
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "xlink:href",
        "src",
        "action",
        "formaction",
        "data",
        "poster",
        "background",
        "cite",
        "longdesc",
        "ping",
        "lowsrc",
        "dynsrc",
        "codebase",
        "classid",
        "archive",
        "manifest",
        "icon",
        "to",
        "from",
        "values",
        "by",
    }
)
"""Attributes whose value a browser follows, loads or (SVG animations) writes into a link."""
IMAGE_DATA = frozenset({("img", "src"), ("source", "src"), ("video", "poster"), ("input", "src")})
"""Where a ``data:`` URL is only ever an image (an image runs no script, even an SVG one)."""
ALWAYS = frozenset({"object", "embed", "applet", "frameset", "portal"})
FROM_CONTENT = ALWAYS | {"style", "iframe", "frame", "form", "base", "meta", "link", "script"}
"""Elements text from content never brings, whatever their attributes."""
DATA_BLOCKS = frozenset({"application/json", "application/ld+json"})
"""Script types a browser never runs (data for the page's own scripts)."""
_DROPPED = re.compile(r"[\t\n\r]")
_EDGES = "".join(map(chr, range(33)))
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.DOTALL)
_CSS_ACTIVE = re.compile(
    r"expression\s*\(|(?:java|vb|live)script\s*:|behavior\s*:|-moz-binding|@import"
)
_ANIMATIONS = frozenset({"animate", "set", "animatemotion", "animatetransform", "animatecolor"})


@dataclass(frozen=True)
class Finding:
    """One script-capable thing: what it is, and the text to look for in a source to place it."""

    what: str
    needles: tuple[str, ...]


def findings(
    markup: str | bytes,
    *,
    page: str = "index.html",
    scripts: Iterable[str] = (),
    content: bool = False,
    refuse: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Every script-capable thing in an HTML document (or, with ``content``, a piece of text).

    ``page`` is the document's path in its site and ``scripts`` the site paths of the site's
    own script files: a ``<script src>`` is allowed only when it resolves to one of them.
    ``refuse`` names elements refused whatever their attributes (an email holds no frame).
    """
    if not _may_hold_markup(markup):
        return []  # text without a tag, entity or URL scheme: the usual case for a title
    found: list[Finding] = []
    if ("\x1b" in markup) if isinstance(markup, str) else (b"\x1b" in markup):
        # ISO-2022-JP, switched on by a meta charset, hides "onerror" behind escape sequences
        # that the browser drops and this (UTF-8) parser keeps.
        found.append(Finding("escape character", ("\x1b",)))
    tree = LexborHTMLParser(markup)
    own = frozenset(scripts)
    refused = refuse | FROM_CONTENT if content else refuse | ALWAYS
    for node, attributes in _elements(tree):
        found.extend(_element_findings(node, attributes, page, own, refused))
    return found


def _template_content(node: LexborNode) -> LexborHTMLParser:
    outer = node.html or ""
    return LexborHTMLParser(outer[outer.find(">") + 1 : outer.rfind("</")])


def _may_hold_markup(text: str | bytes) -> bool:
    if isinstance(text, str):
        return "<" in text
    return b"<" in text


_TAGS = ALWAYS | FROM_CONTENT | _ANIMATIONS | {"template"}
"""Elements a rule applies to whatever their attributes; any other needs an attribute."""


PLAIN_ATTRIBUTES = frozenset(
    {
        "class", "id", "title", "role", "tabindex", "alt", "width", "height", "lang", "dir",
        "rel", "type", "name", "for", "value", "loading", "colspan", "rowspan", "hreflang",
        "property", "content", "charset", "media", "sizes", "target", "download",
        "autocomplete", "autocapitalize", "autocorrect", "spellcheck", "placeholder",
        "required", "checked", "open", "start", "datetime", "viewbox", "xmlns", "d", "fill",
        "crossorigin", "integrity", "async", "defer", "align", "scope", "headers", "label",
        "viewBox", "hidden",
    }
)  # fmt: skip
"""Attributes that never run, load or hide anything (the bulk of a page): a quick pass."""


def _plain(attributes: dict[str, str | None]) -> bool:
    """Whether an element's attributes can be passed over without a closer look."""
    for name, value in attributes.items():  # (usually all plain, or one href)
        if name in PLAIN_ATTRIBUTES:
            continue
        if name == "href" or name == "src":  # a path or an https link: no scheme that could run
            if value and (":" in value or "%" in value) and not _WEB_LINK.match(value):
                return False
        elif not name.startswith(("aria-", "data-")) or not name.islower():
            return False
    return True


_WEB_LINK = re.compile(r"(?i)https?://")


def _elements(tree: LexborHTMLParser) -> Iterator[tuple[LexborNode, dict[str, str | None]]]:
    """Every element that may need a look, with its attributes (most of a page has none)."""
    root = tree.root
    if root is None:
        return
    for node in root.traverse(include_text=False):
        attributes = node.attributes
        tag = node.tag
        if tag not in _TAGS and (PLAIN_ATTRIBUTES.issuperset(attributes) or _plain(attributes)):
            continue
        yield node, attributes
        if tag == "template":  # its content is a fragment of its own (scripts clone it)
            yield from _elements(_template_content(node))


def _element_findings(
    node: LexborNode,
    given: dict[str, str | None],
    page: str,
    scripts: frozenset[str],
    refused: frozenset[str],
) -> Iterator[Finding]:
    tag = (node.tag or "").lower()
    attributes = {name.lower(): value or "" for name, value in given.items()}
    if tag in refused:
        yield Finding(tag, (f"<{tag}",))
    elif tag == "script":
        yield from _script_findings(attributes, page, scripts)
    elif tag in ("iframe", "frame"):
        sandbox = attributes.get("sandbox")
        if sandbox is None or "allow-scripts" in sandbox.lower().split():
            yield Finding(tag, (f"<{tag}",))
    elif tag == "base" and "href" in attributes:
        yield Finding("base href", ("<base", attributes["href"]))
    elif tag == "form" and attributes.get("action", "").strip():
        yield Finding("form action", ("<form", attributes["action"]))
    elif tag == "meta" and attributes.get("http-equiv", "").strip().lower() == "refresh":
        yield Finding("meta refresh", ("refresh", attributes.get("content", "")))
    elif tag == "meta" and _foreign_charset(attributes):
        yield Finding("meta charset", ("charset",))
    elif tag == "style":
        yield from _css_findings(node.text(deep=True) or "", "style")
    if tag in _ANIMATIONS and attributes.get("attributename", "").lower() in ("href", "xlink:href"):
        yield Finding(f"{tag} href", (f"<{tag}",))
    for name, value in attributes.items():
        if name.startswith("on"):
            yield Finding(name, (value, name) if len(value) >= 4 else (name,))
        elif name == "srcdoc":
            yield Finding("srcdoc", ("srcdoc",))
        elif name == "style":
            yield from _css_findings(value, "style=")
        elif name in URL_ATTRIBUTES:
            scheme = script_scheme(value, image=(tag, name) in IMAGE_DATA)
            if scheme:
                yield Finding(f"{scheme}:", _url_needles(value, scheme))


def _foreign_charset(attributes: dict[str, str]) -> bool:
    """Whether a meta element declares an encoding other than UTF-8 (what this parser reads)."""
    declared = attributes.get("charset", "")
    if attributes.get("http-equiv", "").strip().lower() == "content-type":
        declared = attributes.get("content", "").lower().partition("charset=")[2]
    declared = declared.strip().strip("\"';").lower()
    return bool(declared) and declared not in ("utf-8", "utf8")


def _script_findings(
    attributes: dict[str, str], page: str, scripts: frozenset[str]
) -> Iterator[Finding]:
    if any(name.endswith("href") for name in attributes):
        # SVG's <script> loads from href/xlink:href, whatever src says: never one of ours.
        yield Finding("script", ("<script",))
        return
    src = attributes.get("src")
    if src is None:
        kind = attributes.get("type", "").strip().lower()
        if kind not in DATA_BLOCKS:
            yield Finding("script", ("<script",))
        return
    if script_scheme(src):
        return  # reported with the URL attributes
    if _site_path(page, src) not in scripts:
        yield Finding("script", (src, "<script"))


def _site_path(page: str, src: str) -> str | None:
    """The path of ``src`` in the site, as seen from ``page``; None for another host."""
    src = src.strip().split("#")[0].split("?")[0]
    if not src or "//" in src or ":" in src.split("/")[0]:
        return None
    if src.startswith("/"):
        return posixpath.normpath(src.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), src))


def script_scheme(value: str, *, image: bool = False) -> str | None:
    """The scheme of a URL that would run or load a script (``javascript``, ``data`` …), or None.

    The value is read as a browser reads it: spaces and controls at the ends and tabs and line
    breaks inside are dropped. It is read once more percent-decoded, so that a link a later
    step decodes (``%6Aavascript:``) is refused too.
    """
    if ":" not in value and "%" not in value:
        return None  # no scheme at all, percent-encoded or not: a path (the usual case)
    if value[:8].lower().startswith(("https://", "http://")):
        return None  # (decoded once more, such a URL still begins the same)
    for candidate in (value, unquote(value), unquote(unquote(value))):
        text = _DROPPED.sub("", candidate).strip(_EDGES).lower()
        match = _SCHEME.match(text)
        if match is None:
            continue
        scheme = match.group(1)
        if scheme in SCRIPT_SCHEMES:
            return scheme
        if scheme == "data" and not (image and text.startswith("data:image/")):
            return scheme
    return None


def _url_needles(value: str, scheme: str) -> tuple[str, ...]:
    text = value.strip()
    rest = text.split(":", 1)[1] if ":" in text else ""
    return tuple(n for n in (text, rest if len(rest) >= 4 else "", f"{scheme}:") if n)


_CSS_WORDS = ("expression", "script", "behavior", "binding", "import", "\\", "/*")
"""What active CSS needs (or what could hide it): CSS without any of them is plain style."""


def _css_findings(css: str, where: str) -> Iterator[Finding]:
    lowered = css.lower()
    if not any(word in lowered for word in _CSS_WORDS):
        return
    text = _CSS_ESCAPE.sub(_unescape_css, _CSS_COMMENT.sub("", css)).lower()
    match = _CSS_ACTIVE.search(_DROPPED.sub("", text))
    if match:
        what = re.sub(r"\s+", "", match.group(0)).replace("behavior:", "behavior")
        yield Finding(f"{where} {what}", (what.rstrip("(:"), where.rstrip("=")))


def _unescape_css(match: re.Match[str]) -> str:
    if match.group(1):
        code = int(match.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF else ""
    return match.group(2)


def line_of(text: str, needles: Iterable[str], *, first_line: int = 1) -> int | None:
    """The line of ``text`` (numbered from ``first_line``) that first holds a needle, trying
    the needles in order (case-insensitive); None if none is there."""
    lowered = text.lower()
    for needle in needles:
        needle = needle.lower().strip()
        if not needle:
            continue
        at = lowered.find(needle)
        if at >= 0:
            return first_line + lowered.count("\n", 0, at)
    return None


SITE_POLICY = (
    "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)
"""The help site's Content-Security-Policy (a ``<meta>`` in every page; a web host may send it
as a header too): scripts only from the site's own files, no inline script, no handler."""
PAGE_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)
"""The policy of a self-contained page (the review page, the report): no script at all, no
request to any host; pictures are embedded, styles inline."""


def refusal(what: str, output: str) -> str:
    """The message for a finding in the written file ``output``."""
    return _(
        "'{what}' could run a script on the published page ({output}): scripts, event "
        "attributes, script links, frames, forms and embeds are refused"
    ).format(what=what, output=output)


def refused(markup: str, output: str) -> list[Problem]:
    """Every finding in a page rundbrief wrote itself (no script of its own), at its line."""
    return [
        Problem(output, line_of(markup, item.needles) or 0, refusal(item.what, output))
        for item in findings(markup)
    ]
