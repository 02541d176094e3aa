"""What on a changed help page is more than text: the elements the founder must see.

A pull request can add a ``<script>``, a hidden ``<iframe>``, an event handler or a form
without changing one visible word. Every element of the built article that is not plain text
— scripts, frames, embeds, forms and their fields, styles, handlers, hidden parts — and every
link to a host the page did not link before is listed when it is new or changed.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from generator.site.index import page_path_url

ACTIVE_TAGS = frozenset(
    {
        "script", "iframe", "frame", "object", "embed", "applet", "form", "input", "button",
        "textarea", "select", "style", "link", "meta", "base", "svg", "math", "template",
        "audio", "video", "noscript",
    }
)  # fmt: skip
ACTIVE_ATTRIBUTES = frozenset({"style", "hidden", "srcdoc", "formaction", "action"})


def article_elements(site_dir: Path, docs_path: str) -> tuple[frozenset[str], frozenset[str]]:
    """(descriptions of the elements that are more than text, hosts linked) of a built page."""
    file = site_dir / page_path_url(docs_path) / "index.html"
    try:
        tree = LexborHTMLParser(file.read_bytes())
    except OSError:
        return frozenset(), frozenset()
    article = tree.css_first("article") or tree.body
    if article is None:
        return frozenset(), frozenset()
    elements, hosts = set(), set()
    for node in article.traverse(include_text=False):
        if _theirs(node):
            continue
        if node.tag in ("a", "area") and node.attributes.get("href"):
            host = urlsplit(node.attributes.get("href") or "").hostname
            if host:
                hosts.add(host)
        if _is_active(node):
            elements.add(_describe(node))
    return frozenset(elements), frozenset(hosts)


def added_active(old: Path | None, new: Path, before: str | None, after: str) -> tuple[str, ...]:
    """What is more than text on the new page and was not on the old one, sorted."""
    new_elements, new_hosts = article_elements(new, after)
    old_elements, old_hosts = (
        article_elements(old, before) if old and before else (frozenset(), frozenset())
    )
    listed = sorted(new_elements - old_elements)
    listed += [f"Link zu neuem Host: {host}" for host in sorted(new_hosts - old_hosts)]
    return tuple(listed)


def _is_active(node: LexborNode) -> bool:
    tag = node.tag or ""
    names = {name.lower() for name in node.attributes}
    if tag in ACTIVE_TAGS or names & ACTIVE_ATTRIBUTES:
        return True
    return any(name.startswith("on") for name in names)


THEME_PARTS = ("md-content__button", "md-tags", "md-source-file", "hilfe-support", "headerlink")
"""Parts of the article the theme writes (edit button, tags, dates, support block, permalinks)."""


def _theirs(node: LexborNode) -> bool:
    """Whether ``node`` belongs to a part of the article the theme writes, not the content."""
    current: LexborNode | None = node
    while current is not None and current.tag != "article":
        classes = (current.attributes.get("class") or "").split()
        if any(part in classes for part in THEME_PARTS):
            return True
        current = current.parent
    return False


def _describe(node: LexborNode) -> str:
    """The element's start tag, attributes in order (at most 200 characters)."""
    attributes = " ".join(
        f'{name}="{value}"' if value is not None else name
        for name, value in sorted(node.attributes.items())
    )
    text = f"<{node.tag}{' ' + attributes if attributes else ''}>"
    return text if len(text) <= 200 else text[:199] + "…"
