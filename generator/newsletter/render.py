"""The one checked render: a newsletter's email together with every problem it has.

Build, check, preview, review and send all go through ``check_newsletter``: the front
matter, the links, the merge fields, the rendering and the preflight checks, all reported in
one pass. The result is cached under the fingerprint of everything that shaped it, so an
unchanged newsletter is neither parsed nor rendered again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import threading
from dataclasses import dataclass
from pathlib import Path

from generator.core import i18n
from generator.core.facts import Facts, load_facts
from generator.core.fingerprint import email_inputs, fingerprint
from generator.core.output import write_atomic
from generator.core.problems import Problem
from generator.core.sealed import seal, unseal
from generator.core.settings import Project
from generator.core.sources import SourceFile
from generator.core.workers import in_workers
from generator.newsletter.checks import preflight
from generator.newsletter.email import RenderedEmail, render_email
from generator.newsletter.facts import with_facts
from generator.newsletter.source import Newsletter, newsletter_sources, parse_newsletter
from generator.site.index import SiteIndex

CACHE = "cache/newsletters"


@dataclass(frozen=True)
class Checked:
    """One newsletter source after rendering and checking."""

    source: SourceFile
    newsletter: Newsletter | None
    email: RenderedEmail | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that stop a build or a send."""
        return tuple(p for p in self.problems if p.severity == "error")


@dataclass(frozen=True)
class _Run:
    """What every newsletter of one run is checked against, read and hashed once."""

    project: Project
    index: SiteIndex
    facts: Facts
    key: str
    """The cache key of all of it: code and libraries, settings, site, facts, language."""
    write_cache: bool


def _run(project: Project, index: SiteIndex, facts: Facts | None, write_cache: bool) -> _Run:
    facts = facts if facts is not None else load_facts(project)
    key = fingerprint(
        "newsletter",
        email_inputs(project.settings),  # exactly the settings marked shapes_email
        index.digest,
        facts.digest,  # the digest of fakten.yml (and of the facts rundbrief.yml defines)
        i18n.language(),
    )
    return _Run(project, index, facts, key, write_cache)


def check_newsletter(
    project: Project,
    index: SiteIndex,
    source: SourceFile,
    *,
    write_cache: bool = True,
    facts: Facts | None = None,
) -> Checked:
    """Parse, render and check one newsletter; from the cache when nothing that shapes it changed.

    ``facts`` are read from ``fakten.yml`` unless given (once for many newsletters).
    """
    run = _run(project, index, facts, write_cache)
    return _cached(run, source) or _check(run, source)


def check_newsletters(
    project: Project, index: SiteIndex, *, write_cache: bool = True
) -> tuple[list[Checked], list[Problem]]:
    """Every ``newsletters/*.md`` checked, newest first, and the files that could not be read.

    Many newsletters to render (a first build, a changed template) are rendered by one worker
    process per core: rendering is pure Python and C, and each newsletter stands alone.
    """
    sources, unreadable = newsletter_sources(project)
    run = _run(project, index, None, write_cache)
    found = {source.rel: _cached(run, source) for source in sources}
    due = [source for source in sources if found[source.rel] is None]
    for item in _check_all(run, due):
        found[item.source.rel] = item
    checked = [item for item in found.values() if item is not None]
    checked.sort(key=_newest_first)
    return checked, unreadable


PARALLEL_FROM = 16
"""Fewer newsletters to render than this are rendered in-process (workers cost more)."""


def _check_all(run: _Run, sources: list[SourceFile]) -> list[Checked]:
    workers = min(os.cpu_count() or 1, len(sources) // (PARALLEL_FROM // 2) or 1)
    # fork keeps the loaded libraries; never fork a process that runs threads (the preview).
    if workers < 2 or len(sources) < PARALLEL_FROM or threading.active_count() > 1:
        return [_check(run, source) for source in sources]
    return list(in_workers(_check, run, sources, workers))


def _cached(run: _Run, source: SourceFile) -> Checked | None:
    hit = _read(_cache_path(run, source))
    return hit if hit is not None and hit.source == source else None


def _check(run: _Run, source: SourceFile) -> Checked:
    """Parse, fill in the facts, render and check one newsletter; keep it in the cache."""
    newsletter, problems = parse_newsletter(source)
    email = None
    if newsletter is not None:
        newsletter, found = with_facts(newsletter, run.facts)  # first: the rest sees the values
        problems += found
        email, found = render_email(run.project, run.index, newsletter)
        problems += found
        problems += preflight(run.project, run.index, newsletter, email)
    checked = Checked(source, newsletter, email, tuple(sorted(problems)))
    if run.write_cache:
        with contextlib.suppress(OSError):  # a read-only checkout still works, only slower
            path = _cache_path(run, source)
            write_atomic(path, seal(pickle.dumps(checked, protocol=pickle.HIGHEST_PROTOCOL)))
    return checked


def _newest_first(checked: Checked) -> tuple[int, int, str]:
    newsletter = checked.newsletter
    if newsletter is None:  # unreadable front matter: last, by path
        return (1, 0, checked.source.rel)
    return (
        0,
        -newsletter.date.toordinal(),
        "".join(chr(0x10FFFF - ord(c)) for c in newsletter.slug),
    )


def _cache_path(run: _Run, source: SourceFile) -> Path:
    digest = hashlib.sha256(run.key.encode())
    for part in (source.rel, source.text, _image_stamps(run.index, source.text)):
        data = part.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big") + data)
    return run.project.state_dir / CACHE / f"{digest.hexdigest()}.pickle"


def _image_stamps(index: SiteIndex, text: str) -> str:
    """Size and time of the content/ files a newsletter names: an image's pixels set its height."""
    stamps = []
    for asset in index.assets:
        if asset.path.rpartition("/")[2] in text:
            try:
                stat = asset.file.stat()
            except OSError:
                continue
            stamps.append(f"{asset.rel}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return "\n".join(stamps)


def _read(path: Path) -> Checked | None:
    try:
        data = unseal(path.read_bytes())  # (a planted entry has no valid seal: never unpickled)
        if data is None:
            return None
        entry = pickle.loads(data)  # noqa: S301 - written and sealed by this module
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return None
    return entry if isinstance(entry, Checked) else None
