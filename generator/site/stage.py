"""The staged docs tree: every page and file the site builder gets, and its navigation."""

from __future__ import annotations

import html
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from generator.core.files import NewFiles, copy_file, write_bytes
from generator.core.i18n import _
from generator.core.problems import Problem
from generator.site.index import page_path_url

NavItem = str | dict[str, Any]
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's emitter where PyYAML has it: a fifth of the time (0.4 s of a 1,000-page build). It
escapes some characters the Python emitter writes as they are (emoji): MkDocs reads the same."""


@dataclass(frozen=True)
class Page:
    """A Markdown page of the staged tree, from content/ or generated."""

    path: str
    title: str
    body: str
    meta: Mapping[str, Any] = field(default_factory=dict)
    order: int = 100
    in_nav: bool = True
    source: str | None = None
    body_line: int = 1

    def render(self) -> str:
        """The page as Markdown with front matter, as the site builder reads it."""
        front = yaml.dump(
            theme_meta(self.meta),
            Dumper=DUMPER,
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=False,
        )
        return f"---\n{front}---\n{self.body}"


@dataclass(frozen=True)
class StaticFile:
    """A file copied into the staged tree as it is (or written from bytes)."""

    path: str
    source: Path | None = None
    data: bytes | None = None


SHOWN_AS_HTML = ("title", "description", "tags")
"""Front matter the theme puts into the page unescaped: Material's templates treat a title, a
description and a tag as HTML (its environment has no autoescaping), so each is handed over as
escaped text. This is the one place titles and tags of the help site are escaped."""


def theme_text(text: str) -> str:
    """Plain text as the theme templates expect it: HTML-escaped, quotes included."""
    return html.escape(text, quote=True)


def theme_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    """``meta`` with every value the theme shows as HTML escaped (see ``SHOWN_AS_HTML``)."""
    shown = dict(meta)
    for key in SHOWN_AS_HTML:
        value = shown.get(key)
        if isinstance(value, str):
            shown[key] = theme_text(value)
        elif isinstance(value, list):
            shown[key] = [theme_text(item) if isinstance(item, str) else item for item in value]
    return shown


def generated(pages: Iterable[Page]) -> list[Page]:
    """Mark pages that rundbrief generates, so the theme shows no edit button for them."""
    return [replace(page, meta={**page.meta, "generated": True}) for page in pages]


def stub(page: Page) -> Page:
    """The page with its title and place but no body (for validating the pages around it)."""
    return replace(page, body=f"# {page.title}\n")


def write_tree(docs_dir: Path, pages: Iterable[Page], files: Iterable[StaticFile]) -> None:
    """Write the staged docs tree, every file through the door (content files read through it).

    Files are created in their folder as new files, the folder checked once (``NewFiles``):
    the tree goes into a new folder. A path written twice (the preview builds with problems)
    is replaced as before.
    """
    docs_dir.mkdir(parents=True, exist_ok=True)
    with _Tree(docs_dir) as tree:
        for page in pages:
            tree.write(page.path, page.render().encode("utf-8", "surrogateescape"))
        for item in files:
            if item.source is not None:
                copy_file(item.source, docs_dir / item.path, within=docs_dir)
            else:
                tree.write(item.path, item.data or b"")


class _Tree:
    """A new docs tree written folder by folder: the folder in hand is checked once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder: tuple[str, NewFiles] | None = None

    def write(self, path: str, data: bytes) -> None:
        parent, name = posixpath.split(path)
        if self.folder is None or self.folder[0] != parent:
            self.close()  # (pages come folder by folder: one folder held open at a time)
            self.folder = parent, NewFiles(self.root / parent, within=self.root)
        try:
            self.folder[1].create(name, data)
        except FileExistsError:
            write_bytes(self.root / path, data, within=self.root)

    def close(self) -> None:
        if self.folder is not None:
            self.folder[1].close()
            self.folder = None

    def __enter__(self) -> _Tree:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def build_nav(pages: Iterable[Page]) -> list[NavItem]:
    """Navigation from the folder structure: sections titled by their index page, sorted by order."""
    root: dict[str, Any] = {"pages": [], "dirs": {}}
    for page in pages:
        if not page.in_nav:
            continue
        node = root
        for part in posixpath.dirname(page.path).split("/") if "/" in page.path else []:
            node = node["dirs"].setdefault(part, {"pages": [], "dirs": {}})
        node["pages"].append(page)
    return [item for _, _, item in _nav_entries(root)]


def _nav_entries(node: dict[str, Any]) -> list[tuple[int, str, NavItem]]:
    entries: list[tuple[int, str, NavItem]] = []
    for page in node["pages"]:
        is_index = posixpath.basename(page.path) == "index.md"
        title = theme_text(page.title)
        entries.append((-1 if is_index else page.order, page.title, {title: page.path}))
    for sub in node["dirs"].values():
        children = _nav_entries(sub)
        index = next((p for p in sub["pages"] if posixpath.basename(p.path) == "index.md"), None)
        title = index.title if index else "?"  # (a problem: see pages.section_problems)
        order = index.order if index else 100
        entries.append((order, title, {theme_text(title): [item for _, _, item in children]}))
    entries.sort(key=lambda entry: (entry[0], entry[1].casefold()))
    return entries


def duplicate_paths(pages: Iterable[Page], files: Iterable[StaticFile]) -> list[Problem]:
    """Two sources that would become the same page or file of the site: neither silently wins.

    ``kontakt.md`` and ``kontakt/index.md`` both become ``/kontakt/``; an article under
    ``content/newsletter/`` would collide with the generated archive.
    """
    pages = list(pages)
    seen: dict[str, str] = {}
    problems = []
    # A folder rundbrief generates (the newsletter archive) is rundbrief's alone: an article
    # in it would sit among generated pages and could take the place of a future one.
    owned = {p.path.split("/")[0] for p in pages if p.meta.get("generated") and "/" in p.path}
    for page in pages:
        folder = page.path.split("/")[0]
        if page.source and page.source.startswith("content/") and folder in owned:
            problems.append(
                Problem(
                    page.source,
                    0,
                    _(
                        "lies in {folder}/, which rundbrief generates; move the page to another "
                        "folder"
                    ).format(folder=folder),
                )
            )
    # Keyed by the file each becomes: a page kontakt/ is written as kontakt/index.html, and a
    # file content/kontakt/index.html would silently replace it (or it the file).
    entries = [(page_path_url(page.path), page.source or page.path) for page in pages]
    entries += [(item.path, f"content/{item.path}" if item.source else item.path) for item in files]
    for url, origin in entries:
        written = url + "index.html" if url.endswith("/") or not url else url
        first = seen.setdefault(written, origin)
        if first != origin:
            place = origin if origin.startswith(("content/", "marketing-assets/")) else first
            other = first if place == origin else origin
            problems.append(
                Problem(
                    place,
                    0,
                    _(
                        "becomes the same page as {other} (/{url}); rename or move one of them"
                    ).format(other=other, url=url),
                )
            )
    return problems
