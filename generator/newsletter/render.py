"""The one checked render: a newsletter's email together with every problem it has.

Build, check, preview, review and send all go through ``check_newsletter``: the front
matter, the links, the merge fields, the rendering and the preflight checks, all reported in
one pass. The result is cached under the fingerprint of everything that shaped it, so an
unchanged newsletter is neither parsed nor rendered again.
"""

from __future__ import annotations

import contextlib
import pickle
from dataclasses import dataclass
from pathlib import Path

from generator.core import i18n
from generator.core.facts import load_facts
from generator.core.fingerprint import fingerprint
from generator.core.output import write_atomic
from generator.core.problems import Problem
from generator.core.settings import Project
from generator.core.sources import SourceFile
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


def check_newsletter(
    project: Project, index: SiteIndex, source: SourceFile, *, write_cache: bool = True
) -> Checked:
    """Parse, render and check one newsletter; from the cache when nothing that shapes it changed."""
    facts = load_facts(project)
    path = _cache_path(project, index, source, facts.digest)
    hit = _read(path)
    if hit is not None and hit.source == source:
        return hit
    newsletter, problems = parse_newsletter(source)
    email = None
    if newsletter is not None:
        newsletter, found = with_facts(newsletter, facts)  # first: the rest sees the values
        problems += found
        email, found = render_email(project, index, newsletter)
        problems += found
        problems += preflight(project, index, newsletter, email)
    checked = Checked(source, newsletter, email, tuple(sorted(problems)))
    if write_cache:
        with contextlib.suppress(OSError):  # a read-only checkout still works, only slower
            write_atomic(path, pickle.dumps(checked, protocol=pickle.HIGHEST_PROTOCOL))
    return checked


def check_newsletters(
    project: Project, index: SiteIndex, *, write_cache: bool = True
) -> tuple[list[Checked], list[Problem]]:
    """Every ``newsletters/*.md`` checked, newest first, and the files that could not be read."""
    sources, unreadable = newsletter_sources(project)
    checked = [check_newsletter(project, index, s, write_cache=write_cache) for s in sources]
    checked.sort(key=_newest_first)
    return checked, unreadable


def _newest_first(checked: Checked) -> tuple[int, int, str]:
    newsletter = checked.newsletter
    if newsletter is None:  # unreadable front matter: last, by path
        return (1, 0, checked.source.rel)
    return (
        0,
        -newsletter.date.toordinal(),
        "".join(chr(0x10FFFF - ord(c)) for c in newsletter.slug),
    )


def _cache_path(project: Project, index: SiteIndex, source: SourceFile, facts: str) -> Path:
    key = fingerprint(
        "newsletter",
        repr(project.settings),
        index.digest,
        facts,  # the digest of fakten.yml (and of the facts rundbrief.yml defines)
        i18n.language(),
        source.rel,
        source.text,
        _image_stamps(index, source.text),
    )
    return project.state_dir / CACHE / f"{key}.pickle"


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
        entry = pickle.loads(path.read_bytes())  # noqa: S301 - written by this module
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return None
    return entry if isinstance(entry, Checked) else None
