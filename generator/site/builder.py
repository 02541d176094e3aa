"""The site builder: the one module that imports MkDocs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException
from mkdocs.livereload import LiveReloadServer

from generator.core.problems import Problem
from generator.site import searchindex
from generator.site.stage import NavItem


class _Collect(logging.Handler):
    """Keeps the warnings MkDocs logs, so they become problems instead of console noise."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


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


def build_site(
    config_file: Path,
    docs_dir: Path,
    site_dir: Path,
    nav: list[NavItem],
    extra: Mapping[str, Any] | None = None,
) -> list[Problem]:
    """Build the staged docs tree into ``site_dir``; every builder warning is returned as an error.

    ``extra`` is added to the configuration's ``extra`` (what the theme templates read).
    """
    with _captured_warnings() as captured:
        try:
            config = load_config(
                config_file=str(config_file),
                docs_dir=str(docs_dir),
                site_dir=str(site_dir),
                nav=nav,
                strict=True,
            )
            config.extra.update(extra or {})
            config.plugins.on_startup(command="build", dirty=False)
            try:
                mkdocs_build(config)
            finally:
                config.plugins.on_shutdown()
            searchindex.compact(site_dir)  # what the browser downloads to search
        except MkDocsException as error:
            captured.messages.append(str(error))
        except SystemExit as error:  # MkDocs' config validation aborts with SystemExit
            captured.messages.append(f"configuration invalid ({error})")
    return [
        Problem(config_file.name, 0, f"site builder: {message}")
        for message in captured.messages
        if not message.startswith("Aborted with")
    ]


def serve(
    site_dir: Path, rebuild: Callable[[], None], watch: list[Path], host: str, port: int
) -> None:
    """Serve ``site_dir`` with live reload, calling ``rebuild`` whenever a watched path changes."""
    server = LiveReloadServer(builder=rebuild, host=host, port=port, root=str(site_dir))
    for path in watch:
        if path.exists():
            server.watch(str(path))
    try:
        server.serve()
    finally:
        server.shutdown()
