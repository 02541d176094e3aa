"""A linkinator-style crawl of the built site over HTTP: no broken internal link or asset.

The crawl starts on an article two levels deep and follows every internal link, stylesheet,
script, image and icon, as a browser would resolve them. The 404 page is crawled too, served
(like a static host does) for a missing URL deep in the site, where relative links would break.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

START = "zahlungen/sepa-lastschrift/"
DEEP_MISSING = "zahlungen/gibt-es/nicht/mehr/"


class References(HTMLParser):
    """Every URL an HTML page refers to: links, stylesheets, scripts, images, icons, frames."""

    ATTRIBUTES = {"a": "href", "link": "href", "script": "src", "img": "src", "iframe": "src"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = self.ATTRIBUTES.get(tag)
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "canonical":
            return  # the public URL, not this server
        if wanted and values.get(wanted):
            self.urls.append(str(values[wanted]))
        if tag == "img" and values.get("srcset"):
            self.urls += [part.split()[0] for part in str(values["srcset"]).split(",")]


def fetch(url: str) -> tuple[int, bytes, str]:
    """Status, body and content type of ``url`` (errors are answers too)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get_content_type()


def crawl(base: str, starts: list[str]) -> tuple[set[str], dict[str, list[str]]]:
    """Visit every internal URL reachable from ``starts``; return the visited and the broken."""
    host = urlsplit(base).netloc
    queue = [(url, "(start)") for url in starts]
    seen: set[str] = set()
    broken: dict[str, list[str]] = {}
    while queue:
        url, referrer = queue.pop()
        url = urldefrag(url).url
        if url in seen:
            continue
        seen.add(url)
        status, body, kind = fetch(url)
        if status != 200 and not (status == 404 and referrer == "(start)"):
            broken.setdefault(url, []).append(referrer)
            continue
        if kind != "text/html":
            continue
        parser = References()
        parser.feed(body.decode("utf-8", "replace"))
        for ref in parser.urls:
            target = urljoin(url, ref)
            parts = urlsplit(target)
            if parts.scheme in ("http", "https") and parts.netloc == host:
                queue.append((target, url))
    return seen, broken


def test_every_internal_link_and_asset_resolves(example_site):
    seen, broken = crawl(example_site, [example_site + START])
    assert not broken, "\n".join(
        f"{url} (linked from {', '.join(refs)})" for url, refs in broken.items()
    )
    pages = {url for url in seen if url.endswith("/")}
    assert len(pages) >= 40  # the crawl really went through the site
    assert any(url.endswith("/newsletter/feed.xml") for url in seen)


def test_404_page_served_deep_in_the_site_has_working_links(example_site):
    status, body, _ = fetch(example_site + DEEP_MISSING)
    assert status == 404
    assert "Seite nicht gefunden" in body.decode("utf-8")
    parser = References()
    parser.feed(body.decode("utf-8"))
    internal = [urljoin(example_site + DEEP_MISSING, ref) for ref in parser.urls]
    internal = [url for url in internal if urlsplit(url).netloc == urlsplit(example_site).netloc]
    assert example_site + "support/kontakt/" in internal
    assert example_site in internal  # the start page
    broken = [url for url in internal if fetch(urldefrag(url).url)[0] != 200]
    assert not broken
    # and from there, the whole site is reachable without a broken link
    _, broken_after = crawl(example_site, [example_site + DEEP_MISSING])
    assert not broken_after
