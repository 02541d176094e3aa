"""The site index: every fact about ``content/``, gathered once per run and handed to every stage.

Help-page link checks, newsletter link mapping and image checks, the Werbemittel pages, the
preview and the cache keys all ask this index; nothing else walks ``content/`` or puts a site
URL together by hand.
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.core.files import walk
from generator.core.problems import Problem
from generator.core.settings import Project
from generator.core.sources import Document, SourceFile, read_source
from generator.site.articles import load_article

CONTENT = "content"


def page_path_url(path: str) -> str:
    """The URL path of a docs path, relative to the site root: ``a/b.md`` → ``a/b/``."""
    if not path.endswith(".md"):
        return path
    stem = path.removesuffix(".md")
    if posixpath.basename(stem) == "index":
        stem = posixpath.dirname(stem)
    return f"{stem}/" if stem else ""


@dataclass(frozen=True)
class Article:
    """A Markdown source of ``content/``: where it is, where it is published, what it is called."""

    source: SourceFile
    path: str
    url: str
    document: Document | None

    @property
    def rel(self) -> str:
        """The repository path, e.g. ``content/zahlungen/sepa-lastschrift.md``."""
        return self.source.rel

    @property
    def title(self) -> str:
        """The page title (the file name while its front matter is broken)."""
        meta = self.document.meta if self.document else {}
        title = meta.get("title")
        return title if isinstance(title, str) and title else posixpath.basename(self.path)

    @property
    def draft(self) -> bool:
        """Whether the article is still a draft (shown in preview only)."""
        return bool(self.document and self.document.meta.get("draft"))


@dataclass(frozen=True)
class Asset:
    """Any other file of ``content/`` (images, downloads), copied to the site as it is."""

    path: str
    file: Path

    @property
    def rel(self) -> str:
        """The repository path, e.g. ``content/assets/logo.png``."""
        return f"{CONTENT}/{self.path}"


@dataclass(frozen=True)
class SiteIndex:
    """Source paths, page URLs, titles, drafts and assets of the help site."""

    site_url: str
    articles: tuple[Article, ...]
    assets: tuple[Asset, ...]

    @cached_property
    def _by_rel(self) -> dict[str, Article | Asset]:
        items: list[Article | Asset] = [*self.articles, *self.assets]
        return {item.rel: item for item in items}

    def url(self, path: str) -> str:
        """The absolute URL of a path of the site (an article, an asset or a generated page)."""
        return self.site_url + page_path_url(path)

    def article(self, rel: str) -> Article | None:
        """The article at repository path ``rel`` (``content/…/x.md``), if there is one."""
        item = self._by_rel.get(rel)
        return item if isinstance(item, Article) else None

    def asset(self, rel: str) -> Asset | None:
        """The asset at repository path ``rel`` (``content/assets/x.png``), if there is one."""
        item = self._by_rel.get(rel)
        return item if isinstance(item, Asset) else None

    def has_folder(self, path: str) -> bool:
        """Whether ``content/<path>/`` holds any source (generated sections do not)."""
        prefix = f"{CONTENT}/{path.strip('/')}/"
        return any(rel.startswith(prefix) for rel in self._by_rel)

    def source_of_url(self, url: str) -> str | None:
        """The repository path an absolute site URL of a file points at (None: not on this site)."""
        if not url.startswith(self.site_url):
            return None
        path = unquote(urlsplit(url).path[len(urlsplit(self.site_url).path) :])
        return f"{CONTENT}/{path}" if path else None

    @cached_property
    def drafts(self) -> frozenset[str]:
        """Docs paths of the articles that are drafts."""
        return frozenset(article.path for article in self.articles if article.draft)

    @cached_property
    def digest(self) -> bytes:
        """What a rendering may depend on: every path, its URL and whether it is a draft."""
        digest = hashlib.sha256(self.site_url.encode())
        for article in self.articles:
            digest.update(f"\0{article.rel}\0{article.url}\0{article.draft}".encode())
        for asset in self.assets:
            digest.update(f"\0{asset.rel}".encode())
        return digest.digest()


def read_site(project: Project) -> tuple[SiteIndex, list[Problem]]:
    """Walk ``content/`` once: read and validate every article, list every other file."""
    folder = project.content_dir
    articles: list[Article] = []
    assets: list[Asset] = []
    files, problems = walk(project.root, folder)  # the door: no link leads out of content/
    for path in files:
        docs_path = path.relative_to(folder).as_posix()
        if path.suffix != ".md":
            assets.append(Asset(docs_path, path))
            continue
        source = read_source(path, project.root, folder, walked=True)
        if isinstance(source, Problem):
            problems.append(source)
            continue
        document, found = load_article(source)
        problems += found
        url = project.site_url + page_path_url(docs_path)
        articles.append(Article(source, docs_path, url, document))
    return SiteIndex(project.site_url, tuple(articles), tuple(assets)), problems
