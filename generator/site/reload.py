"""What the preview tells its open pages after a save: which pages of the site changed.

Each version of the served site has an epoch (MkDocs' live reload counts in milliseconds). A
save that re-renders a few pages records them under its version; a whole build records none
(``None``: everything may have changed). A page asks with the version it was loaded at and
learns whether it is among the changed ones — if not, it stays as it is.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Protocol

KEPT = 200
"""Versions remembered; a page older than all of them is told to load everything again."""


def url_path(rel: str) -> str:
    """The URL path a file of the site is shown at: ``a/index.html`` → ``/a/``."""
    if posixpath.basename(rel) == "index.html":
        rel = posixpath.dirname(rel) + "/" if posixpath.dirname(rel) else ""
    return "/" + rel


class Browsers(Protocol):
    """The pages open in browsers, as a rebuild tells them what it has written."""

    def show(self, rels: Iterable[str]) -> None:
        """The files ``rels`` of the site are written: the pages showing them load them."""

    def hold(self) -> None:
        """Serve no file until the rebuild is over (a whole build follows), then reload all."""


@dataclass
class Versions:
    """The versions of the served site since the preview started, with the pages each changed."""

    changed: dict[int, frozenset[str] | None] = field(default_factory=dict)

    def record(self, epoch: int, rels: Iterable[str] | None) -> None:
        """Version ``epoch`` changed the files ``rels`` of the site (``None``: any of them)."""
        self.changed[epoch] = None if rels is None else frozenset(map(url_path, rels))
        for old in sorted(self.changed)[:-KEPT]:
            del self.changed[old]

    def since(self, epoch: int, current: int) -> list[str] | None:
        """The URL paths changed after version ``epoch`` up to ``current``; ``None``: all."""
        if not self.changed or epoch < min(self.changed) or current not in self.changed:
            return None
        paths: set[str] = set()
        for version, changed in self.changed.items():
            if epoch < version <= current:
                if changed is None:
                    return None
                paths |= changed
        return sorted(paths)


def script(epoch: int, request: int) -> str:
    """The live-reload script put into every page the preview serves, for version ``epoch``."""
    code = resources.files("generator.site").joinpath("livereload.js").read_text(encoding="utf-8")
    return f"{code}\nrundbriefReload({epoch:d}, {request:d});\n"
