"""The site builder: the one module that imports MkDocs.

``build_site`` runs a full MkDocs build of a staged docs tree. ``validate_site`` runs the
same configuration, plugins and Markdown rendering but no theme templates, so that
``rundbrief check`` finds everything a build would refuse (a missing anchor, say) at a
fraction of the cost. Both return what MkDocs complained about; ``site/pages.py`` turns
that into problems at the source file's line.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import os
import re
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jinja2
import watchdog.events
import watchdog.observers
from mkdocs.commands import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files, get_files, set_exclusions
from mkdocs.structure.nav import get_navigation
from mkdocs.structure.pages import Page as MkdocsPage

from generator.core.i18n import _
from generator.core.problems import Problem
from generator.site import searchindex
from generator.site.reload import Browsers, Versions
from generator.site.reload import script as reload_script
from generator.site.stage import NavItem


class _Collect(logging.Handler):
    """Keeps the warnings MkDocs logs, so they become problems instead of console noise."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str | Problem] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith("Aborted with"):
            self.messages.append(message)


@contextmanager
def _captured_warnings() -> Iterator[_Collect]:
    logger = logging.getLogger("mkdocs")
    handler = _Collect()
    saved = logger.handlers[:], logger.propagate, logger.level
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.handlers, logger.propagate, _ = saved
        logger.setLevel(saved[2])


@dataclass(frozen=True)
class SearchPage:
    """What Material's search index reads of a page: sent to the build's second process."""

    url: str
    title: str | None
    content: str
    toc: Any  # (MkDocs' TableOfContents: plain objects, they travel to the worker)
    meta: dict[str, Any]


class PageSink(Protocol):
    """What a second process does with each page while MkDocs renders the next (``beside.py``)."""

    def written(self, rel: str, html: str) -> None:
        """The page at site path ``rel`` with the HTML MkDocs is about to write."""

    def searching(self, config: dict[str, Any]) -> None:
        """From now on Material's search hands its pages to ``searched``, not to its index
        (``config``: the search plugin's, as its index has it)."""

    def searched(self, page: SearchPage) -> None:
        """A page for the search index, as Material's search plugin would index it."""

    def index(self) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
        """The compact search index of every page ``searched`` (``searchindex.Sections``);
        None without ``searching``: Material's index holds the pages."""


def search_entries(page: SearchPage, config: dict[str, Any]) -> list[dict[str, Any]]:
    """Material's search index entries of one page: its sections, split by Material's parser
    (``config``: the search plugin's, as its own index has it)."""
    from material.plugins.search.plugin import SearchIndex

    index = SearchIndex(**config)
    index.add_entry_from_context(page)
    return index.entries


class _ToSink(BasePlugin):
    """Hands every page MkDocs is about to write to ``sink``, and what Material would index."""

    def __init__(self, sink: PageSink) -> None:
        super().__init__()
        self.sink = sink

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        # Material's search plugin made its index in on_config: from now on it hands each page
        # here instead of splitting it itself (the same code runs in the second process). Not
        # with Material's offline plugin, which packs the index Material writes as it is.
        search = config.plugins.get("material/search")
        index = getattr(search, "search_index", None)
        if index is not None and "material/offline" not in config.plugins:
            index.add_entry_from_context = self._searched
            self.sink.searching(dict(index.config))

    def _searched(self, page: MkdocsPage) -> None:
        self.sink.searched(
            SearchPage(page.url, page.title, page.content or "", page.toc, dict(page.meta))
        )

    @event_priority(-1000)  # after every plugin that changes the page (privacy: -50)
    def on_post_page(self, output: str, *, page: MkdocsPage, config: MkDocsConfig) -> str:
        self.sink.written(page.file.dest_uri, output)
        return output


def _run(
    config_file: Path,
    docs_dir: Path,
    site_dir: Path,
    nav: list[NavItem],
    step: Any,
    extra: Mapping[str, Any] | None = None,
    sink: PageSink | None = None,
) -> list[str | Problem]:
    with _captured_warnings() as captured:
        try:
            config = load_config(
                config_file=str(config_file),
                docs_dir=str(docs_dir),
                site_dir=str(site_dir),
                nav=nav,
                strict=True,
            )
            config.extra.update(extra or {})  # what the theme templates read (site/theme.py)
            if sink is not None:
                config.plugins["rundbrief-sink"] = _ToSink(sink)
            config.plugins.on_startup(command="build", dirty=False)
            try:
                step(config)
            finally:
                config.plugins.on_shutdown()
        except MkDocsException as error:
            # "Aborted with N warnings in strict mode!" only counts what was captured already.
            if not str(error).startswith("Aborted with"):
                captured.messages.append(str(error))
        except SystemExit as error:  # MkDocs' config validation aborts with SystemExit
            captured.messages.append(_("configuration invalid ({error})").format(error=error))
        except jinja2.TemplateError as error:  # a theme override that does not render
            logged = [m for m in captured.messages if not str(m).startswith("Error building page")]
            return [*logged, template_problem(error, config_file.parent)]
    return captured.messages


def template_problem(error: jinja2.TemplateError, root: Path) -> Problem:
    """A theme template's error at its file and line (the innermost template frame)."""
    path, line = getattr(error, "filename", None), getattr(error, "lineno", None)
    if path is None:  # an error while rendering: Jinja puts template lines in the traceback
        for frame, frame_line in traceback.walk_tb(error.__traceback__):
            name = frame.f_code.co_filename
            if not name.endswith(".py") and Path(name).is_relative_to(root):  # a template
                path, line = name, frame_line
    rel = path or "mkdocs.yml"
    if path and Path(path).is_absolute() and Path(path).is_relative_to(root):
        rel = Path(path).relative_to(root).as_posix()
    return Problem(
        rel, line or 0, _("theme template: {message}").format(message=error.message or error)
    )


def build_site(
    config_file: Path,
    docs_dir: Path,
    site_dir: Path,
    nav: list[NavItem],
    extra: Mapping[str, Any] | None = None,
    sink: PageSink | None = None,
) -> list[str | Problem]:
    """Build the staged docs tree into ``site_dir``; return every warning of the site builder.

    ``extra`` is added to the configuration's ``extra`` (what the theme templates read). The
    search index MkDocs wrote is replaced by the compact one the site's search worker reads.
    ``sink`` gets each page as MkDocs is about to write it, and what the search indexes of it.
    """
    messages = _run(config_file, docs_dir, site_dir, nav, mkdocs_build.build, extra, sink)
    if not messages:
        searchindex.compact(site_dir, None if sink is None else sink.index())
    return messages


def theme_scripts() -> list[Path]:
    """Every script file of the installed Material theme (the site's allowed scripts)."""
    import material

    folder = Path(material.__file__).parent / "templates" / "assets" / "javascripts"
    return sorted(folder.rglob("*.js"))


def validate_site(
    config_file: Path, docs_dir: Path, site_dir: Path, nav: list[NavItem]
) -> list[str | Problem]:
    """Everything ``build_site`` would warn about, without rendering the theme or writing a site.

    The theme's own templates (``custom_dir``, the overrides) are compiled: one that does not
    parse is reported at its line, as the build would stop at it.
    """
    broken: list[Problem] = []

    def step(config: Any) -> None:
        _validate(config)
        broken.extend(_template_problems(config, config_file.parent))

    return [*_run(config_file, docs_dir, site_dir, nav, step), *broken]


def _template_problems(config: Any, root: Path) -> list[Problem]:
    custom = config.theme.custom_dir
    if not custom:
        return []
    environment = config.theme.get_env()
    names = {path.relative_to(custom).as_posix() for path in Path(custom).rglob("*.html")}
    # Static templates too (robots.txt, sitemap.xml, …): rendered by the build like pages.
    names |= {name for name in config.theme.static_templates if (Path(custom) / name).is_file()}
    problems = []
    for name in sorted(names):
        try:
            environment.get_template(name)
        except jinja2.TemplateError as error:
            problems.append(template_problem(error, root))
    return problems


def _validate(config: Any) -> None:
    """The reading half of ``mkdocs.commands.build.build``: config, files, nav, Markdown, anchors."""
    config = config.plugins.on_config(config)
    config.plugins.on_pre_build(config=config)
    files = get_files(config)
    files = config.plugins.on_files(files, config=config)
    set_exclusions(files, config)
    nav = get_navigation(files, config)
    config.plugins.on_nav(nav, config=config, files=files)
    pages = files.documentation_pages()
    for file in pages:
        if file.page is None:
            MkdocsPage(None, file, config)
        assert file.page is not None
        mkdocs_build._populate_page(file.page, config, files)
    for file in pages:
        assert file.page is not None
        file.page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)


class PageSession:
    """A MkDocs build held in memory, so that the preview re-renders one changed page in ms.

    Configuration, files, navigation and the compiled theme templates stay from one full build
    to the next; ``render`` reads and renders only the pages named. Whatever else changes (the
    navigation, the theme's data, a file that is not a page) needs a full build and a new
    session: ``fits`` says whether this one still serves.
    """

    def __init__(
        self,
        config_file: Path,
        docs_dir: Path,
        site_dir: Path,
        nav: list[NavItem],
        extra: Mapping[str, Any],
    ) -> None:
        self.nav, self.extra = nav, dict(extra)
        with _captured_warnings():
            config = load_config(
                config_file=str(config_file),
                docs_dir=str(docs_dir),
                site_dir=str(site_dir),
                nav=nav,
                strict=True,
            )
            config.extra.update(extra)
            config.plugins.on_startup(command="build", dirty=False)
            config = config.plugins.on_config(config)
            config.plugins.on_pre_build(config=config)
            files = get_files(config)
            env = config.theme.get_env()
            files.add_files_from_theme(env, config)
            files = config.plugins.on_files(files, config=config)
            set_exclusions(files, config)
            navigation = config.plugins.on_nav(
                get_navigation(files, config), config=config, files=files
            )
            for file in files.documentation_pages():
                if file.page is None:
                    MkdocsPage(None, file, config)
                # Read every page once, as the build does: plugins learn what they link to
                # (the tags plugin its index page, for one).
                assert file.page is not None
                mkdocs_build._populate_page(file.page, config, files)
            self.env = config.plugins.on_env(env, config=config, files=files)
            # Compile the theme's templates now (in the background, after a full build), not
            # at the first save: that would take a second.
            for name in self.env.list_templates(filter_func=lambda name: name.endswith(".html")):
                with contextlib.suppress(jinja2.TemplateError):
                    self.env.get_template(name)
        self.config: MkDocsConfig = config
        self.files: Files = files
        self.navigation = navigation

    def fits(self, nav: list[NavItem], extra: Mapping[str, Any]) -> bool:
        """Whether pages rendered now would fit the site the full build made."""
        return nav == self.nav and dict(extra) == self.extra

    def render(self, paths: list[str]) -> list[str | Problem]:
        """Read and render the staged pages ``paths`` into the site; return MkDocs' warnings."""
        with _captured_warnings() as captured:
            pages = self.files.documentation_pages()
            for path in paths:
                file = self.files.get_file_from_path(path)
                if file is None or file.page is None:
                    captured.messages.append(path)  # not a page of this session: build it all
                    continue
                try:
                    mkdocs_build._populate_page(file.page, self.config, self.files)
                    mkdocs_build._build_page(
                        file.page, self.config, pages, self.navigation, self.env
                    )
                except (MkDocsException, jinja2.TemplateError) as error:
                    captured.messages.append(str(error))
        return captured.messages


CHANGES = [
    watchdog.events.FileModifiedEvent,
    watchdog.events.FileCreatedEvent,
    watchdog.events.FileDeletedEvent,
    watchdog.events.FileMovedEvent,
    watchdog.events.DirCreatedEvent,
    watchdog.events.DirDeletedEvent,
    watchdog.events.DirMovedEvent,
]
"""What counts as a change: the system also reports every file opened and closed unchanged."""


class _ChangeObserver(watchdog.observers.Observer):  # type: ignore[misc,valid-type]
    """The system's file events (inotify, FSEvents, …), only those that change a file.

    Without the filter every source the rebuild reads would ask for the next rebuild.
    """

    def schedule(self, handler: Any, path: str, *, recursive: bool = False, **_: Any) -> Any:
        return super().schedule(handler, path, recursive=recursive, event_filter=CHANGES)


class _Server(LiveReloadServer):
    """MkDocs' live-reload server, told which pages a save changed as soon as they are written.

    MkDocs announces a new version when the whole rebuild is done and every page reloads; here
    the rebuild announces the pages it wrote (``show``) and goes on with the rest (the problem
    report, the other newsletters) while the browser already shows them. It works with MkDocs
    1.6's own epochs (``_wanted_epoch``, ``_visible_epoch`` under ``_epoch_cond``): the browser
    tests (``tests/test_preview_browser.py``) fail if a new MkDocs changes them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions = Versions()
        self.versions.record(self._visible_epoch, None)

    def show(self, rels: Iterable[str]) -> None:
        """A new version of the site with ``rels`` changed, served and announced from now on."""
        with self._epoch_cond:
            epoch = self._next()
            self.versions.record(epoch, rels)
            # (MkDocs' server holds every request while the wanted version is not the visible one)
            self._wanted_epoch = self._visible_epoch = epoch
            self._epoch_cond.notify_all()

    def hold(self) -> None:
        """No file served until the rebuild is over; then every page reloads (``built``)."""
        with self._epoch_cond:
            self._wanted_epoch = self._next()

    def _next(self) -> int:
        return max(round(time.monotonic() * 1000), self._wanted_epoch + 1, self._visible_epoch + 1)

    def built(self) -> None:
        """The rebuild is over: a version it did not announce changed anything."""
        with self._epoch_cond:
            if self._wanted_epoch not in self.versions.changed:
                self.versions.record(self._wanted_epoch, None)

    def _serve_request(self, environ: dict[str, Any], start_response: Any) -> Any:
        found = re.fullmatch(r"/livereload/([0-9]+)/[0-9]+", environ.get("PATH_INFO", ""))
        if found is None:
            return super()._serve_request(environ, start_response)
        epoch = int(found[1])
        with self._epoch_cond:
            # Held until there is something new (or a minute has passed), as MkDocs does.
            self._epoch_cond.wait_for(
                lambda: self._visible_epoch > epoch, timeout=self.poll_response_timeout
            )
            current = self._visible_epoch
            pages = self.versions.since(epoch, current) if current > epoch else []
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"epoch": current, "pages": pages}).encode()]

    def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
        end = content.rfind(b"</body>")
        end = len(content) if end < 0 else end
        code = reload_script(epoch, round(time.monotonic() * 1000)).encode()
        return b"%b<script>%b</script>%b" % (content[:end], code, content[end:])


def serve(
    site_dir: Path,
    rebuild: Callable[[set[Path], Browsers], None],
    watch: list[Path],
    host: str,
    port: int,
) -> None:
    """Serve ``site_dir`` with live reload; ``rebuild`` is told the paths that changed.

    The system's file events (inotify, FSEvents, …) replace MkDocs' polling every 0.5 s, and
    changes 50 ms apart count as one save. ``rebuild`` may announce the pages it has written
    before it is done (``Browsers.show``): a saved page shows as fast as it renders.
    """
    changed: set[Path] = set()
    lock = threading.Lock()

    def build() -> None:
        with lock:
            paths = set(changed)
            changed.clear()
        try:
            rebuild(paths, server)
        finally:
            server.built()

    def note(event: watchdog.events.FileSystemEvent) -> None:
        with lock:
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if path:
                    changed.add(Path(os.fsdecode(path)))

    server = _Server(builder=build, host=host, port=port, root=str(site_dir))
    server.observer = _ChangeObserver()  # not MkDocs' polling every 0.5 s
    server.build_delay = 0.05
    server.set_app(host_checked(bundles_cached(server.serve_request), host, port))
    handler = watchdog.events.FileSystemEventHandler()
    handler.on_any_event = note  # type: ignore[method-assign]
    for path in watch:
        if path.exists():
            # Both handlers see each event; the server rebuilds build_delay after it, by which
            # time ours has long noted the path.
            server.observer.schedule(handler, str(path), recursive=True)
            server.watch(str(path))
    try:
        server.serve()
    finally:
        server.shutdown()


BUNDLE = re.compile(r"/assets/.+\.[0-9a-f]{8}\.min\.(?:js|css)")
"""The theme's scripts and styles, named by their content's hash: what a reload may keep."""


def bundles_cached(app: Any) -> Any:
    """Let the browser keep the theme's hashed bundles across the reloads of the preview.

    MkDocs' server sends no caching headers, so every reload fetched and parsed them again
    (250 KB): a new bundle has a new name, so keeping them never shows a stale one.
    """

    def app_with_cache(environ: dict[str, Any], start_response: Any) -> Any:
        if not BUNDLE.fullmatch(environ.get("PATH_INFO", "")):
            return app(environ, start_response)

        def cached(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            if status.startswith("200"):
                headers = [*headers, ("Cache-Control", "max-age=86400, immutable")]
            return start_response(status, headers, *rest)

        return app(environ, cached)

    return app_with_cache


def host_checked(app: Any, bound: str, port: int = 0) -> Any:
    """Answer only requests addressed to this machine by address, as localhost or as ``bound``
    (and, in GitHub Codespaces, under the name the codespace forwards the port as).

    A web page elsewhere can make the browser send requests to 127.0.0.1 under its own
    name (DNS rebinding) and read the preview — drafts, unpublished newsletters. Such a
    request carries that name in its Host header: it gets 403.
    """
    allowed = {"localhost", bound.lower().strip("[]")}
    codespace = os.environ.get("CODESPACE_NAME")
    forwarding = os.environ.get("GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN")
    if codespace and forwarding:  # GitHub Codespaces forwards the port under this one name
        allowed.add(f"{codespace}-{port}.{forwarding}".lower())

    def app_with_check(environ: dict[str, Any], start_response: Any) -> Any:
        if not _host_allowed(environ.get("HTTP_HOST", ""), allowed):
            start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"403 Forbidden: unknown host name; open the preview as 127.0.0.1\n"]
        return app(environ, start_response)

    return app_with_check


def _host_allowed(header: str, allowed: set[str]) -> bool:
    name = header.lower()
    if name.startswith("["):
        name = name[1 : name.find("]")] if "]" in name else name
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    if not name or name in allowed:
        return bool(name)
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
