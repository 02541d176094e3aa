"""Both sides of a review, built by the one pipeline of ``generator/build.py``.

A side is a folder: the built help site (``site/``), the sample emails and Werbemittel files
as ``build`` writes them (``build/``), and ``manifest.json`` with what the comparison needs
(newsletters, page paths, titles, problems). The work tree is built into the review's
staging folder on every run. The base is checked out into a temporary git worktree, built
with the current package code and kept in ``.rundbrief/review-cache/<commit>/``: the next
review against the same base reuses it, so a review costs one build plus the changed files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import build as pipeline
from generator.core import i18n
from generator.core.dates import german_moment
from generator.core.fingerprint import PACKAGE, code_digest, fingerprint, library_versions
from generator.core.output import publish
from generator.core.problems import Problem, ProblemsFound
from generator.core.settings import Project, load_project
from generator.newsletter.archive import email_outputs
from generator.newsletter.email import personalise, sample_values
from generator.newsletter.source import Newsletter
from generator.review.changes import checkout
from generator.site.stage import write_tree

MANIFEST = "manifest.json"
CACHE = "review-cache"
KEEP = 3
"""Bases kept in the cache (the most recently used); a site of 1,000 pages takes ~75 MB."""
PICTURES = "pictures"
"""Pictures of a cached base (emails, flyer pages), by a hash of what they show."""


@dataclass(frozen=True)
class NewsletterSide:
    """A newsletter on one side: what the review shows of it."""

    rel: str
    slug: str
    subject: str
    preheader: str
    date: str
    status: str
    audience: str
    problems: tuple[Problem, ...]
    email: str | None
    """The sample member's HTML, relative to the side's folder (None: not rendered)."""
    send_at: str = ""
    """When ``send --due`` sends it (ISO 8601, in the settings' time zone); "" by hand."""

    @property
    def send_time(self) -> dt.datetime | None:
        """``send_at`` as a moment; None when it is sent by hand."""
        return dt.datetime.fromisoformat(self.send_at) if self.send_at else None

    @property
    def send_when(self) -> str:
        """When it goes out, as the founder reads it: ``Fr, 11. Dezember 2026, 9:00 Uhr``."""
        moment = self.send_time
        return german_moment(moment) if moment is not None else "von Hand"


@dataclass(frozen=True)
class Side:
    """One built side of a review."""

    folder: Path
    site_url: str
    built_site: bool
    pages: Mapping[str, str]
    """Docs path of every published page by its source (``content/a/b.md`` → ``a/b.md``)."""
    titles: Mapping[str, str]
    drafts: frozenset[str]
    newsletters: Mapping[str, NewsletterSide]
    outputs: tuple[str, ...]
    """Werbemittel files under ``build/`` (``marketing-assets/<slug>/<file>``)."""
    problems: tuple[Problem, ...]
    active: bool = False
    """Whether the scan found active content in what this side wrote: compared, never kept."""

    @property
    def site_dir(self) -> Path | None:
        """The built help site, if the site builder accepted it."""
        return self.folder / "site" if self.built_site else None

    def output(self, path: str) -> bytes | None:
        """The bytes of a Werbemittel file of this side."""
        with contextlib.suppress(OSError):
            return (self.folder / "build" / path).read_bytes()
        return None

    def email_html(self, rel: str) -> str | None:
        """The sample member's email of the newsletter ``rel``."""
        item = self.newsletters.get(rel)
        if item is None or item.email is None:
            return None
        with contextlib.suppress(OSError):
            return (self.folder / item.email).read_text(encoding="utf-8")
        return None

    def email_message(self, rel: str) -> bytes | None:
        """The sample member's whole message (``message.eml``) of the newsletter ``rel``."""
        item = self.newsletters.get(rel)
        if item is None or item.email is None:
            return None
        with contextlib.suppress(OSError):
            return (self.folder / item.email).with_name("message.eml").read_bytes()
        return None


EMPTY = Side(Path("/nonexistent"), "", False, {}, {}, frozenset(), {}, (), ())
"""A base without a rundbrief project (e.g. before the first commit of one)."""


def build_side(project: Project, folder: Path, *, write_cache: bool) -> Side:
    """Stage, build the site and write the outputs of ``project`` into ``folder``."""
    staged = pipeline.stage(project, drafts=False, write_cache=write_cache)
    problems = list(staged.problems)
    built = True
    try:
        # The reviewer's copy: with "edit this page" buttons, unlike the published site.
        pipeline.build_site_into(project, staged, folder / "site", folder / "docs", edit_links=True)
    except ProblemsFound as found:  # a broken page: the rest is still worth reviewing
        problems += found.problems
        built = False
        shutil.rmtree(folder / "site", ignore_errors=True)
    finally:
        shutil.rmtree(folder / "docs", ignore_errors=True)
    write_tree(folder / "build", (), [*email_outputs(project, staged.newsletters), *staged.outputs])
    # What build would refuse as active content; the page still lists it (review/active.py).
    refused = pipeline.scan_written(project, staged, folder / "site", folder / "build")
    problems += refused
    values = sample_values(project)
    newsletters = {}
    for item in staged.newsletters:
        newsletter, email = item.newsletter, item.email
        rel = item.source.rel
        subject = newsletter.subject if newsletter else ""
        if email is not None:
            subject = personalise(email, values)[0]
        newsletters[rel] = {
            "rel": rel,
            "slug": item.source.path.stem,
            "subject": subject,
            "preheader": newsletter.preheader if newsletter else "",
            "date": newsletter.date.isoformat() if newsletter else "",
            "status": newsletter.status if newsletter else "",
            "audience": newsletter.audience if newsletter else "",
            "send_at": _send_time(project, newsletter) if newsletter else "",
            "problems": [_problem_json(p) for p in item.problems],
            "email": f"build/newsletters/{newsletter.slug}/email.html"
            if newsletter and email
            else None,
        }
    manifest = {
        "site_url": project.site_url,
        "built_site": built,
        "pages": {page.source: page.path for page in staged.pages if page.source},
        "titles": {page.source: page.title for page in staged.pages if page.source},
        "drafts": sorted(a.rel for a in staged.index.articles if a.draft),
        "newsletters": newsletters,
        "outputs": sorted(item.path for item in staged.outputs),
        "problems": [_problem_json(p) for p in problems],
        "active": bool(refused),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return _side(folder, manifest)


def base_side(project: Project, commit: str) -> Side:
    """The base ``commit`` built with the current code: from the cache, else in a worktree."""
    cache = project.state_dir / CACHE
    folder = cache / commit
    key = cache_key()
    side = load_side(folder, key)
    if side is not None:
        os.utime(folder / MANIFEST)  # recently used: kept by the pruning below
        return side
    cache.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{commit[:12]}-", dir=cache))
    try:
        with checkout(project.root, commit) as root:
            _build_base(project, root, temporary)
        manifest = json.loads((temporary / MANIFEST).read_text(encoding="utf-8"))
        manifest["key"] = key
        (temporary / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
        retired = Path(tempfile.mkdtemp(prefix=".retired-", dir=cache))
        try:
            if folder.is_dir() and (folder / MANIFEST).is_file():
                # A base built by other code (its key differs): an entry of this cache, which
                # goes as pruned entries do, whatever version wrote it.
                os.replace(folder, retired / "stale")
            publish([(temporary, folder)], retired=retired)
        finally:
            shutil.rmtree(retired, ignore_errors=True)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    prune(cache, KEEP)
    side = load_side(folder, key)
    assert side is not None  # just written
    return side


def _build_base(project: Project, root: Path, folder: Path) -> None:
    # The base reads the project's caches (a campaign that did not change is not drawn again)
    # but never writes them: its entries would only push out the work tree's.
    shared = project.state_dir / "cache"
    link = root / ".rundbrief" / "cache"
    if shared.is_dir() and not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(shared, target_is_directory=True)
    try:
        try:
            base = load_project(root)
        except ProblemsFound as found:  # no rundbrief project at the base: everything is new
            manifest = _manifest_of(EMPTY)
            manifest["problems"] = [_problem_json(p) for p in found.problems]
            (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
            return
        build_side(base, folder, write_cache=False)
    finally:
        if link.is_symlink():
            link.unlink()


def cache_key() -> str:
    """What a cached base depends on besides its commit: the code that built it, the language."""
    return fingerprint(
        "review",
        code_digest("site"),
        code_digest("newsletter"),
        code_digest("marketing"),
        library_versions("site"),
        library_versions("newsletter"),
        library_versions("marketing"),
        (PACKAGE / "build.py").read_bytes(),
        i18n.language(),
    )


def load_side(folder: Path, key: str | None = None) -> Side | None:
    """The side built into ``folder``; None if absent or built by other code (``key``)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if key is not None and manifest.get("key") != key:
        return None
    return _side(folder, manifest)


def prune(cache: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently used bases."""
    entries = []
    for folder in cache.iterdir():
        if folder.is_dir() and not folder.name.startswith("."):
            with contextlib.suppress(OSError):
                entries.append(((folder / MANIFEST).stat().st_mtime, folder))
    for _mtime, folder in sorted(entries, reverse=True)[keep:]:
        shutil.rmtree(folder, ignore_errors=True)


def _send_time(project: Project, newsletter: Newsletter) -> str:
    """When ``send --due`` sends it, in the settings' time zone; "" without ``send_at``."""
    at = newsletter.send_time(project.settings.timezone)
    return at.isoformat() if at is not None else ""


def _side(folder: Path, manifest: dict[str, Any]) -> Side:
    newsletters = {
        rel: NewsletterSide(**{**item, "problems": tuple(Problem(*p) for p in item["problems"])})
        for rel, item in manifest["newsletters"].items()
    }
    return Side(
        folder=folder,
        site_url=manifest["site_url"],
        built_site=manifest["built_site"],
        pages=manifest["pages"],
        titles=manifest["titles"],
        drafts=frozenset(manifest["drafts"]),
        newsletters=newsletters,
        outputs=tuple(manifest["outputs"]),
        problems=tuple(Problem(*p) for p in manifest["problems"]),
        active=bool(manifest.get("active", False)),
    )


def _manifest_of(side: Side) -> dict[str, Any]:
    return {
        "site_url": side.site_url,
        "built_site": side.built_site,
        "pages": dict(side.pages),
        "titles": dict(side.titles),
        "drafts": sorted(side.drafts),
        "newsletters": {},
        "outputs": list(side.outputs),
        "problems": [],
    }


def _problem_json(problem: Problem) -> list[Any]:
    return [problem.path, problem.line, problem.message, problem.severity]
