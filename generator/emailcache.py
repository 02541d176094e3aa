"""Rendered emails cached by content hash: a rebuild renders only what changed."""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from functools import cache
from pathlib import Path

from generator.config import Project
from generator.emails import RenderedEmail, render_email
from generator.newsletters import Newsletter
from generator.output import write_atomic
from generator.preflight import preflight
from generator.problems import Problem

# Everything the rendering depends on besides the newsletter and the settings.
_CODE = (
    "emails.py",
    "emailmarkdown.py",
    "plaintext.py",
    "merge.py",
    "inline.py",
    "message.py",
    "preflight.py",
    "templates/email/layout.html.j2",
    "templates/email/email.css",
)


@cache
def _code_fingerprint() -> bytes:
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for name in _CODE:
        digest.update((package / name).read_bytes())
    return digest.digest()


def _key(project: Project, newsletter: Newsletter, articles: frozenset[str]) -> str:
    digest = hashlib.sha256(_code_fingerprint())
    digest.update(repr((project.settings, project.site_url)).encode())
    digest.update(newsletter.document.rel.encode())
    digest.update(newsletter.document.source.text.encode())
    # A link to an article that appeared or vanished changes the result.
    digest.update("\n".join(sorted(articles)).encode())
    return digest.hexdigest()


def help_articles(project: Project) -> frozenset[str]:
    """Paths of the help articles (links to them must resolve)."""
    folder = project.content_dir
    if not folder.is_dir():
        return frozenset()
    return frozenset(path.relative_to(folder).as_posix() for path in folder.rglob("*.md"))


def render_checked(
    project: Project, newsletter: Newsletter, articles: frozenset[str] | None = None
) -> tuple[RenderedEmail, list[Problem]]:
    """The rendered email and its preflight problems, from the cache when nothing changed."""
    if articles is None:
        articles = help_articles(project)
    path = (
        project.state_dir
        / "cache"
        / "newsletters"
        / f"{_key(project, newsletter, articles)}.pickle"
    )
    try:
        email, problems = pickle.loads(path.read_bytes())  # noqa: S301 - our own cache file
        return email, problems
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        pass
    email = render_email(project, newsletter)
    problems = preflight(project, newsletter, email)
    with contextlib.suppress(OSError):  # a read-only checkout still builds, only slower
        write_atomic(path, pickle.dumps((email, problems), protocol=pickle.HIGHEST_PROTOCOL))
    return email, problems
