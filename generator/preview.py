"""``rundbrief preview``: the site with drafts; a saved text's pages shown first, then the rest."""

from __future__ import annotations

import contextlib
import errno
import shutil
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import build as pipeline
from generator.core.facts import FACTS_FILE
from generator.core.files import write_text
from generator.core.i18n import _
from generator.core.output import write_atomic
from generator.core.problems import Problem, ProblemsFound, UsageError
from generator.core.settings import Project
from generator.core.sources import read_source
from generator.editor.config import editor_config
from generator.editor.pages import FOLDER, PROBLEMS, editor_scripts, problems_report
from generator.newsletter import preview as newsletter_preview
from generator.newsletter.render import check_newsletter
from generator.site import builder
from generator.site.index import page_path_url
from generator.site.reload import Browsers
from generator.site.scan import (
    SCANNED,
    Memo,
    allowed_scripts,
    own_script_hashes,
    read_sources,
    scan_files,
    search_index_problems,
)
from generator.site.stage import Page, StaticFile, build_nav


def claim_port(host: str, port: int) -> None:
    """Refuse, in words, an address the preview cannot listen on — before it prints one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        # (create_server sets SO_REUSEADDR like the server: only a listening program is in use)
        with socket.create_server((host, port), family=family):
            pass
    except socket.gaierror:
        raise UsageError(_not_here(host)) from None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(
                _(
                    "port {port} is already in use, probably by another preview that is still "
                    "running; stop that one (Ctrl+C in its window) or start this one with "
                    "--port {free}"
                ).format(port=port, free=_free_port(host, family))
            ) from None
        if error.errno in (errno.EACCES, errno.EPERM):
            raise UsageError(
                _(
                    "port {port} needs administrator rights; choose a port above 1023, "
                    "e.g. --port 8000"
                ).format(port=port)
            ) from None
        # (create_server hands on a name it cannot resolve as an OSError with a negative code)
        if error.errno == errno.EADDRNOTAVAIL or (error.errno or 0) < 0:
            raise UsageError(_not_here(host)) from None
        raise UsageError(
            _(
                "the preview cannot listen on {host}:{port} ({reason}); choose another --port"
            ).format(host=host, port=port, reason=error.strerror or error)
        ) from None


def _not_here(host: str) -> str:
    return _(
        "{host} is not an address of this computer; leave --host out (127.0.0.1), or use "
        "--host 0.0.0.0 in a container"
    ).format(host=host)


def _free_port(host: str, family: socket.AddressFamily) -> int:
    """A port the system hands out as free (a suggestion; the next run claims it again)."""
    with socket.socket(family) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass
class Live:
    """What the last full build of the preview left: the session and the staged tree it built."""

    session: builder.PageSession | None = None
    pages: dict[str, Page] = field(default_factory=dict)
    files: dict[str, StaticFile] = field(default_factory=dict)
    """The staged files but the editor's (a saved text does not change those)."""
    editor: dict[str, Any] | None = None
    """The editor's configuration (its collections find a file's problems), as last built."""
    allowed: frozenset[str] = frozenset()
    """The site's own scripts as the last full build wrote them (what a page may load)."""
    staged: pipeline.Staged | None = None
    """The tree as last staged (a saved text is first staged alone, against it)."""
    refused: dict[str, list[Problem]] = field(default_factory=dict)
    """Files of the site taken away for their active content, with the problems found."""
    warming: threading.Thread | None = None
    """Makes the session after a full build, while the browser already reloads."""

    def ready(self) -> None:
        """Wait for the session being made (MkDocs' logging is one for the whole process)."""
        if self.warming is not None:
            self.warming.join()
            self.warming = None


def run_preview(project: Project, host: str, port: int, log: Callable[[str], None]) -> None:
    """Build into a preview folder and serve it; a broken source shows its problems, not a crash."""
    folder = project.state_dir / "preview"
    site_dir, docs_dir = folder / "site", folder / "docs"
    live = Live()

    def rebuild(changed: set[Path], browsers: Browsers) -> None:
        try:
            rebuild_shown(changed, browsers)
        except BaseException:
            # MkDocs serves the folder as it is after a failed rebuild: nothing unscanned in it.
            _withhold_all(project, site_dir, live)
            raise

    def rebuild_shown(changed: set[Path], browsers: Browsers) -> None:
        live.ready()
        staged: pipeline.Staged | None = None
        written: list[str] | None = None
        broken: list[Problem] = []
        if _texts_only(project, changed) and live.session is not None:
            # The saved texts' own pages first, shown at once; then the whole tree is staged
            # and whatever else the save changed (a list, the archive) follows.
            first = _saved_first(project, changed, docs_dir, site_dir, live)
            if first and live.staged is not None:
                browsers.show(_withhold(project, live.staged, site_dir, first, live))
            browsers.hold()  # (the rest is written while no file is served, then scanned)
            staged = pipeline.stage(project, drafts=True, editor=False)
            written = _rerender(project, staged, docs_dir, site_dir, live)
        if staged is not None and written is not None:
            # What staging alone missed (a list, the archive, the archived email), or nothing:
            # a save that changed nothing must not reload the open pages either.
            browsers.show(_withhold(project, staged, site_dir, written, live))
        else:
            browsers.hold()  # (a page shown first would be served half rebuilt)
            staged = pipeline.stage(project, drafts=True)
            try:
                _build(project, staged, site_dir, docs_dir, live)
            except ProblemsFound as error:
                broken = list(error.problems)
            own = own_script_hashes(project.root, editor_scripts())
            live.allowed = allowed_scripts(site_dir, own)
            memo = Memo.read(project.state_dir)  # pages unchanged since the last build: not parsed
            _withhold(project, staged, site_dir, _pages_of(site_dir), live, memo)
            memo.write(project.state_dir)
        live.staged = staged
        problems = [*staged.problems, *broken]
        # What build would refuse as active content, named while the writer looks.
        problems += [p for found in live.refused.values() for p in found]
        problems += search_index_problems(site_dir, "site")
        for problem in problems:
            log(str(problem))
        # The editor at /admin/ shows the problems of the file it has open.
        report = problems_report(project, staged.index, problems, live.editor)
        write_atomic(site_dir / FOLDER / PROBLEMS, report)
        # Every newsletter at 600 and 375 px, drafts too, from the same checked render.
        if written is not None:
            browsers.hold()  # (after a whole build nothing is served until the end anyway)
        pages = _withhold(
            project, staged, site_dir, _newsletter_pages(project, staged, site_dir), live
        )
        if written is not None:
            browsers.show(pages)  # (after a whole build every page reloads at the end)
        log(_("Preview rebuilt."))

    rebuild(set(), _NoBrowser())
    watch = [
        project.content_dir,
        project.newsletters_dir,
        project.assets_dir,
        project.mkdocs_file,
        project.root / "overrides",
        project.root / FACTS_FILE,
    ]
    builder.serve(site_dir, rebuild, watch, host, port)


def _build(
    project: Project, staged: pipeline.Staged, site_dir: Path, docs_dir: Path, live: Live
) -> None:
    """The whole site, as `build` makes it (edit buttons added), and a session for what follows."""
    live.session = live.editor = None
    live.refused.clear()
    shutil.rmtree(docs_dir, ignore_errors=True)
    # Edit buttons in the preview only: members never see them on the published site.
    pipeline.build_site_into(project, staged, site_dir, docs_dir, edit_links=True, csp=False)
    live.pages = {page.path: page for page in staged.pages}
    live.files = {item.path: item for item in staged.files if not _editors(item.path)}
    extra = pipeline.theme_data(project, staged, edit_links=True, csp=False)
    nav = build_nav(staged.pages)

    def make() -> None:
        with contextlib.suppress(Exception):  # no session: the next save builds it all again
            live.editor = editor_config(project, staged.index, preview=True)
            live.session = builder.PageSession(project.mkdocs_file, docs_dir, site_dir, nav, extra)

    live.warming = threading.Thread(target=make, daemon=True)
    live.warming.start()


def _texts_only(project: Project, changed: set[Path]) -> bool:
    """Whether every change is a saved article or newsletter (nothing new, moved or deleted)."""
    texts = (project.content_dir.resolve(), project.newsletters_dir.resolve())
    return bool(changed) and all(
        path.suffix == ".md"
        and path.is_file()
        and any(path.resolve().is_relative_to(folder) for folder in texts)
        for path in changed
    )


def _editors(path: str) -> bool:
    return path.startswith(f"{FOLDER}/")


def _rerender(
    project: Project, staged: pipeline.Staged, docs_dir: Path, site_dir: Path, live: Live
) -> list[str] | None:
    """Render again only the pages whose text changed, if nothing else did; else None.

    A saved article or newsletter changes its own page (and perhaps a list on another, the
    archived email, the feed): those are written in milliseconds. A new, moved or deleted page,
    a new title in the navigation, an image, the settings or the theme: the whole site, as
    before. The search index follows at the next whole build. Returns the files written.
    """
    assert live.session is not None
    pages = {page.path: page for page in staged.pages}
    files = {item.path: item for item in staged.files}
    if pages.keys() != live.pages.keys() or files.keys() != live.files.keys():
        return None
    extra = pipeline.theme_data(project, staged, edit_links=True, csp=False)
    if not live.session.fits(build_nav(staged.pages), extra):
        return None
    renew = [name for name, page in pages.items() if live.pages[name] != page]
    for name in renew:
        write_text(docs_dir / name, pages[name].render(), within=docs_dir)
        live.pages[name] = pages[name]
    if live.session.render(renew):
        return None  # a warning: the whole build says it at its line
    written = [_site_path(name) for name in renew]
    for name, item in files.items():
        if item != live.files[name] and item.data is not None:  # the archived email, the feed
            write_atomic(docs_dir / name, item.data)
            write_atomic(site_dir / name, item.data)
            live.files[name] = item
            written.append(name)
    return written


def _saved_first(
    project: Project, changed: set[Path], docs_dir: Path, site_dir: Path, live: Live
) -> list[str]:
    """The saved texts' own pages, each staged alone against the tree before: the files written.

    A saved article's page, a saved newsletter's preview; nothing when a save may change more
    (a title, a draft state: the whole tree decides).
    """
    if live.session is None or live.staged is None:
        return []
    saved = {path.resolve() for path in changed}
    articles = [path for path in saved if path.is_relative_to(project.content_dir.resolve())]
    pages = (pipeline.restage(project, live.staged, articles) if articles else None) or []
    renew = [page for page in pages if live.pages.get(page.path) != page]
    for page in renew:
        write_text(docs_dir / page.path, page.render(), within=docs_dir)
        live.pages[page.path] = page
    if live.session.render([page.path for page in renew]):
        return []  # a warning: the whole tree is staged next and says it at its line
    written = [_site_path(page.path) for page in renew]
    for item in live.staged.newsletters:
        if item.source.path.resolve() in saved:
            source = read_source(item.source.path, project.root, project.newsletters_dir)
            if not isinstance(source, Problem):
                checked = check_newsletter(project, live.staged.index, source)
                written += newsletter_preview.write_newsletter(project, site_dir, checked)
    return written


class _NoBrowser:
    """The first build: no page is open yet."""

    def show(self, rels: Iterable[str]) -> None:
        """Nobody to tell."""

    def hold(self) -> None:
        """Nothing served yet."""


def _site_path(page: str) -> str:
    """Where the site builder writes a page: ``a/b.md`` → ``a/b/index.html``."""
    url = page_path_url(page)
    return f"{url}index.html" if url.endswith("/") or not url else url


def _withhold_all(project: Project, site_dir: Path, live: Live) -> None:
    """After a failed rebuild: every page with active content taken away (named at the next)."""
    allowed = allowed_scripts(site_dir, own_script_hashes(project.root, editor_scripts()))
    _take_away(site_dir, scan_files(site_dir, _pages_of(site_dir), "site", (), allowed), live)


def _newsletter_pages(project: Project, staged: pipeline.Staged, site_dir: Path) -> list[str]:
    return newsletter_preview.write_preview(
        project, site_dir, list(staged.newsletters), list(staged.unreadable)
    )


def _pages_of(site_dir: Path) -> list[str]:
    return [
        path.relative_to(site_dir).as_posix()
        for path in sorted(site_dir.rglob("*"))
        if path.suffix.lower() in SCANNED and path.is_file()
    ]


def _withhold(
    project: Project,
    staged: pipeline.Staged,
    site_dir: Path,
    written: list[str],
    live: Live,
    memo: Memo | None = None,
) -> list[str]:
    """Scan the files just written: one with active content is taken away, not served.

    Returns the files that may be shown; the refused ones, with their problems, stay in
    ``live.refused`` until they are written again without.
    """
    present = [rel for rel in written if (site_dir / rel).exists()]
    if len(present) < len(written):
        # Written elsewhere than expected (MkDocs writes a README as index.html; without
        # directory URLs a/b.md is a/b.html): every page is scanned, never a page unscanned.
        written = list(dict.fromkeys([*present, *_pages_of(site_dir)]))
    for rel in written:
        live.refused.pop(rel, None)
    refused = scan_files(site_dir, written, "site", (), live.allowed, memo)
    if refused:  # (placed at the source line only now: reading every source costs time)
        rels = [page.source for page in staged.pages if page.source]
        rels += [item.source.rel for item in staged.newsletters]
        sources = read_sources(project.root, rels)
        refused = scan_files(site_dir, list(refused), "site", sources, live.allowed)
    _take_away(site_dir, refused, live)
    return [rel for rel in written if rel not in refused]


def _take_away(site_dir: Path, refused: dict[str, list[Problem]], live: Live) -> None:
    """The refused files deleted and kept with their problems, named until written again."""
    for rel, problems in refused.items():
        # The writer reads why in the terminal and in the editor's panel; the browser, nothing.
        (site_dir / rel).unlink(missing_ok=True)
        live.refused[rel] = problems
