"""Rendered emails cached by content hash: a rebuild renders only what changed."""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from pathlib import Path

from generator.core.fingerprint import fingerprint
from generator.core.output import write_atomic
from generator.core.problems import Problem
from generator.core.settings import Project
from generator.core.sources import SourceFile
from generator.newsletter.checks import preflight
from generator.newsletter.email import RenderedEmail, render_email
from generator.newsletter.source import Newsletter

Rendered = tuple[Newsletter, RenderedEmail, list[Problem]]


def context_digest(project: Project, articles: frozenset[str]) -> bytes:
    """What every newsletter's rendering depends on: code, settings, the help articles."""
    digest = hashlib.sha256(fingerprint("newsletter").encode())
    digest.update(repr((project.settings, project.site_url)).encode())
    # A link to an article that appeared or vanished changes the result.
    digest.update("\n".join(sorted(articles)).encode())
    return digest.digest()


def _path(project: Project, context: bytes, source: SourceFile) -> Path:
    digest = hashlib.sha256(context)
    digest.update(source.rel.encode())
    digest.update(source.text.encode())
    return project.state_dir / "cache" / "newsletters" / f"{digest.hexdigest()}.pickle"


def help_articles(project: Project) -> frozenset[str]:
    """Paths of every file in content/: articles (links must resolve), assets (images must exist)."""
    folder = project.content_dir
    if not folder.is_dir():
        return frozenset()
    return frozenset(
        path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()
    )


def cached(project: Project, source: SourceFile, context: bytes) -> Rendered | None:
    """The newsletter, its email and preflight problems if this exact source was rendered before."""
    try:
        entry = pickle.loads(_path(project, context, source).read_bytes())  # noqa: S301 - ours
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return None
    return entry if isinstance(entry, tuple) and len(entry) == 3 else None


def render_checked(
    project: Project, newsletter: Newsletter, context: bytes | None = None
) -> tuple[RenderedEmail, list[Problem]]:
    """The rendered email and its preflight problems, from the cache when nothing changed."""
    if context is None:
        context = context_digest(project, help_articles(project))
    source = newsletter.document.source
    hit = cached(project, source, context)
    if hit is not None:
        return hit[1], hit[2]
    email = render_email(project, newsletter)
    problems = preflight(project, newsletter, email)
    entry = (newsletter, email, problems)
    with contextlib.suppress(OSError):  # a read-only checkout still builds, only slower
        write_atomic(
            _path(project, context, source), pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        )
    return email, problems
