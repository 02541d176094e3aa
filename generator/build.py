"""The whole pipeline on one screen: read, validate, generate, build, swap in."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from generator.core.facts import load_facts
from generator.core.gitinfo import revision_dates
from generator.core.output import check_replaceable, publish, staging_dir
from generator.core.problems import Problem, ProblemsFound, errors_in, raise_if_errors
from generator.core.settings import Project
from generator.core.sources import read_source
from generator.editor.pages import editor_scripts, stage_editor
from generator.marketing.pages import stage_marketing
from generator.newsletter.archive import email_outputs, stage_newsletters
from generator.newsletter.email import ARCHIVE
from generator.newsletter.render import Checked, check_newsletters
from generator.site import builder, theme
from generator.site.articles import load_article
from generator.site.beside import pages_beside
from generator.site.config import config_problems
from generator.site.facts import fill_pages
from generator.site.index import SiteIndex, read_site
from generator.site.pages import (
    builder_problems,
    check_links,
    section_problems,
    staged_files,
    staged_pages,
)
from generator.site.related import with_related
from generator.site.scan import Memo, own_script_hashes, read_sources, scan_folder
from generator.site.stage import (
    Page,
    StaticFile,
    build_nav,
    duplicate_paths,
    generated,
    stub,
    write_tree,
)
from generator.site.synonyms import thesaurus_problems


@dataclass(frozen=True)
class Staged:
    """Everything the site builder and the build folder will get, with every problem found."""

    index: SiteIndex
    newsletters: tuple[Checked, ...]
    unreadable: tuple[Problem, ...]
    pages: tuple[Page, ...]
    files: tuple[StaticFile, ...]
    outputs: tuple[StaticFile, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class BuildResult:
    """What a build produced, for the summary line."""

    pages: int
    warnings: tuple[Problem, ...]


def stage(
    project: Project, *, drafts: bool, write_cache: bool = True, editor: bool = True
) -> Staged:
    """Read and validate every source and generate the pages of the staged tree.

    ``editor=False`` leaves out the editor at /admin/ (the preview, re-rendering a saved text).
    """
    index, problems = read_site(project)  # content/, read once: the site index
    facts = load_facts(project)  # fakten.yml: newsletters and campaigns fill them in too
    problems += facts.problems
    dates = revision_dates(project.root, "content")
    pages = staged_pages(index, drafts=drafts, revision_dates=dates)
    files = staged_files(index)
    outputs: list[StaticFile] = []  # files under build/, e.g. marketing-assets/<slug>/…

    newsletters, unreadable = check_newsletters(project, index, write_cache=write_cache)
    problems += unreadable + [p for item in newsletters for p in item.problems]
    archive, archive_files = stage_newsletters(project, index, newsletters)
    pages += generated(theme.archived(archive))  # ranked below the articles in search
    files += archive_files

    marketing = stage_marketing(project, write_cache=write_cache)  # Werbemittel pages and files
    pages += generated(marketing.pages)
    files += marketing.files
    outputs += marketing.outputs
    problems += marketing.problems

    # The editor at /admin/ (the preview's links its newsletters to their real email).
    if editor:
        admin, found = stage_editor(project, index, preview=drafts)
        files += admin
        problems += found

    # Facts and hosting blocks of the hand-written pages, filled in line for line.
    pages, found = fill_pages(pages, facts, project.settings.hosting.provider)
    problems += found
    pages = with_related(pages)  # "Verwandte Artikel" under every article

    available = {page.path for page in pages} | {item.path for item in files}
    hidden = set() if drafts else index.drafts
    problems += check_links(pages, available, hidden) + section_problems(pages)
    problems += duplicate_paths(pages, files) + theme.check(project, available - hidden, facts)
    problems += config_problems(project.mkdocs_file)  # before MkDocs ever loads it
    problems += theme.own_files_problems(project, files)  # overrides/ through the door
    return Staged(
        index,
        tuple(newsletters),
        tuple(unreadable),
        tuple(pages),
        tuple(files),
        tuple(outputs),
        tuple(problems),
    )


def restage(project: Project, staged: Staged, saved: Iterable[Path]) -> list[Page] | None:
    """The pages of saved articles as ``stage`` (with drafts) would make them, read alone.

    Everything else is taken from ``staged``, the tree before the save: the preview shows
    these pages at once and stages the whole tree after. None when a save may change more than
    its own page: another title or draft state (the navigation, the links of other pages).
    """
    before = {page.source: page for page in staged.pages if page.source}
    known = {article.source.path.resolve(): article for article in staged.index.articles}
    articles = []
    for path in saved:
        article = known.get(path.resolve())
        if article is None or article.rel not in before:
            return None
        source = read_source(article.source.path, project.root, project.content_dir)
        if isinstance(source, Problem):
            return None
        document, _problems = load_article(source)  # (named when the whole tree is staged)
        new = replace(article, source=source, document=document)
        if (new.title, new.draft) != (article.title, article.draft):
            return None
        articles.append(new)
    # The day of the last commit: a save does not change it.
    dates = {
        rel: date.fromisoformat(page.meta["lastmod"])
        for rel, page in before.items()
        if page.meta.get("lastmod")
    }
    index = SiteIndex(staged.index.site_url, tuple(articles), ())
    pages = staged_pages(index, drafts=True, revision_dates=dates)
    pages, _problems = fill_pages(pages, load_facts(project), project.settings.hosting.provider)
    fresh = {page.path: page for page in pages}
    # Related articles are ranked among all of them, as the whole tree ranks them.
    related = with_related(fresh.get(page.path, page) for page in staged.pages)
    return [page for page in related if page.path in fresh]


def check(project: Project, *, strict: bool = False) -> list[Problem]:
    """Validate everything build would, site builder included; write nothing. Raise on errors."""
    staged = stage(project, drafts=False, write_cache=False)
    problems = [*staged.problems, *validate_site(project, staged), *thesaurus_problems()]
    raise_if_errors(problems, strict=strict)
    return problems


def build(project: Project, *, strict: bool = False, edit_links: bool = False) -> BuildResult:
    """Build ``site/`` and ``build/``; on any problem the previous outputs stay untouched."""
    staged = stage(project, drafts=False)
    if errors_in(staged.problems, strict=strict):
        raise ProblemsFound([*staged.problems, *validate_site(project, staged)])
    outputs = [*email_outputs(project, staged.newsletters), *staged.outputs]
    # build/ also holds outboxes and kits of other commands: swap only what build owns.
    owned = sorted({item.path.split("/")[0] for item in outputs})
    targets = [project.site_dir, *(project.build_dir / name for name in owned)]
    check_replaceable(targets)  # before the work: never replace what rundbrief did not write
    own = own_script_hashes(project.root, editor_scripts())
    with staging_dir(project.root) as folder:
        # Each page scanned and indexed in a second process while MkDocs writes the next; then
        # every written file checked, in place, against what that scan saw.
        with pages_beside(folder / "site", own, Memo.read(project.state_dir)) as second:
            site, docs = folder / "site", folder / "docs"
            build_site_into(project, staged, site, docs, edit_links=edit_links, sink=second)
            write_tree(folder / "build", (), outputs)
            clean = second.clean() if second is not None else set()
        raise_if_errors(scan_written(project, staged, site, folder / "build", clean=clean))
        news = [folder / "site", *(folder / "build" / name for name in owned)]
        publish(zip(news, targets, strict=True), retired=folder)
    return BuildResult(len(staged.pages), (*staged.problems, *thesaurus_problems()))


def theme_data(
    project: Project, staged: Staged, *, edit_links: bool = False, csp: bool = True
) -> dict[str, Any]:
    """Support block, announcement banner, feed link, edit buttons: what the theme shows."""
    facts = load_facts(project)
    extra = theme.site_extra(
        project,
        staged.pages,
        staged.files,
        facts,
        edit_links=edit_links,
        today=date.today(),
        csp=csp,
    )
    return {"rundbrief": extra}


def build_site_into(
    project: Project,
    staged: Staged,
    site_dir: Path,
    docs_dir: Path,
    *,
    edit_links: bool = False,
    csp: bool = True,
    sink: builder.PageSink | None = None,
) -> None:
    """Write the staged tree and run the site builder on it; raise if it complains.

    ``sink`` gets each page as the site builder is about to write it (``site/beside.py``).
    """
    unsafe = config_problems(project.mkdocs_file)
    if unsafe:  # (the preview builds with problems; never with a configuration that runs code)
        raise ProblemsFound(unsafe)
    write_tree(docs_dir, staged.pages, staged.files)
    extra = theme_data(project, staged, edit_links=edit_links, csp=csp)
    nav = build_nav(staged.pages)
    messages = builder.build_site(project.mkdocs_file, docs_dir, site_dir, nav, extra, sink)
    if messages:
        raise ProblemsFound(builder_problems(messages, staged.pages, "mkdocs.yml"))


def scan_written(
    project: Project, staged: Staged, site_dir: Path, build_dir: Path, clean: Iterable[str] = ()
) -> list[Problem]:
    """Active content in any written HTML or SVG file, at the source line that brought it.

    ``clean`` holds memo keys of files already found clean in this build (``site/beside.py``).
    """
    rels = [page.source for page in staged.pages if page.source]
    rels += [item.source.rel for item in staged.newsletters]
    rels += [
        path.relative_to(project.root).as_posix()
        for path in sorted(project.assets_dir.rglob("*"))
        if path.is_file()
    ]
    sources = read_sources(project.root, rels)
    own = own_script_hashes(project.root, editor_scripts())
    memo = Memo.read(project.state_dir)  # files unchanged since the last build: not parsed again
    memo.before |= frozenset(clean)
    problems = [
        *scan_folder(site_dir, "site", sources, own, memo),
        *scan_folder(build_dir, "build", sources, own, memo),
    ]
    memo.write(project.state_dir)
    return problems


def validate_site(project: Project, staged: Staged) -> list[Problem]:
    """What the site builder would refuse in the staged tree (anchors, config), at source lines.

    The newsletter archive is written by rundbrief itself from checked emails (and its links
    were checked with every other page's); only its index takes part, as a stub, so that a
    check costs the same with 2 or 200 newsletters.
    """
    if config_problems(project.mkdocs_file):
        return []  # reported by stage(); MkDocs must not load such a configuration
    archive_index = f"{ARCHIVE}/index.md"
    pages = [
        stub(page) if page.path == archive_index else page
        for page in staged.pages
        if page.path == archive_index or not page.path.startswith(ARCHIVE + "/")
    ]
    files = [item for item in staged.files if not item.path.startswith(ARCHIVE + "/")]
    with tempfile.TemporaryDirectory(prefix="rundbrief-check-") as temporary:
        folder = Path(temporary)
        write_tree(folder / "docs", pages, files)
        nav = build_nav(pages)
        messages = builder.validate_site(project.mkdocs_file, folder / "docs", folder / "site", nav)
    return builder_problems(messages, staged.pages, "mkdocs.yml")
