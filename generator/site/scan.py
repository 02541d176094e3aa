"""The last step before anything is published: every written HTML file scanned for active content.

A finding is a problem at the source that brought it (the article, newsletter or campaign
line that holds it), else at the written file; the build then stops and the previous outputs
stay. The site's own scripts are an allow-list of exact files: Material's, the project's in
``overrides/`` and the Werbemittel copy button, each recognised by its content's hash at the
path it was written to.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from generator.core.activecontent import Finding, findings, line_of, refusal
from generator.core.fingerprint import fingerprint
from generator.core.output import write_atomic
from generator.core.problems import Problem
from generator.core.sealed import seal, unseal
from generator.site.builder import theme_scripts

SCANNED = (".html", ".htm", ".svg", ".xhtml")
SEARCH_INDEX = "search/search_index.json"
MEMO = "cache/scan-clean.txt"
"""The keys of the files the last scan found clean, in the state folder (``.rundbrief/``).

Sealed with this machine's key (``core/sealed.py``): a key is computable by anyone who can
build the page, so a memo a pull request committed would let its page skip the scan."""


@dataclass(frozen=True)
class Source:
    """A source file a finding may come from: its path in the repository and its text."""

    rel: str
    text: str


@dataclass
class Memo:
    """Keys of the files found clean: by the build before (read) and by this one (to keep)."""

    before: frozenset[str] = frozenset()
    now: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, state_dir: Path) -> Memo:
        """The keys the last build kept (none if there is no memo or it cannot be read)."""
        try:
            data = unseal((state_dir / MEMO).read_bytes())
            text = data.decode("ascii") if data is not None else ""
        except (OSError, UnicodeDecodeError):
            return cls()
        return cls(frozenset(text.split()))

    def write(self, state_dir: Path) -> None:
        """Keep this build's keys (only they: the memo never grows beyond one site)."""
        with contextlib.suppress(OSError):  # a cache: the next build scans everything again
            write_atomic(state_dir / MEMO, seal("\n".join(sorted(self.now)).encode("ascii")))


def own_script_hashes(root: Path, extra: Iterable[bytes] = ()) -> frozenset[str]:
    """SHA-256 of every script file the site may load: the theme's, ``overrides/``, the package's
    (the Werbemittel copy button, and ``extra``: the editor's at ``/admin/``)."""
    files = [*theme_scripts(), *sorted((root / "overrides").rglob("*.js"))]
    digests = {_digest(path.read_bytes()) for path in files if path.is_file()}
    script = resources.files("generator.marketing").joinpath("kopieren.js").read_bytes()
    return frozenset({*digests, _digest(script), *(_digest(data) for data in extra)})


def scan_folder(
    folder: Path,
    label: str,
    sources: Sequence[Source],
    own: frozenset[str],
    memo: Memo | None = None,
) -> list[Problem]:
    """Every finding in the HTML and SVG files under ``folder`` (shown as ``label``), as problems.

    A file ``memo`` knows as clean (the same bytes at the same path, the same allowed scripts,
    the same scanner) is not parsed again; the keys of the clean files are added to it.
    """
    if not folder.is_dir():
        return []
    rels = [
        path.relative_to(folder).as_posix()
        for path in sorted(folder.rglob("*"))
        if path.suffix.lower() in SCANNED and path.is_file()
    ]
    found = scan_files(folder, rels, label, sources, allowed_scripts(folder, own), memo)
    problems = [problem for problems in found.values() for problem in problems]
    problems += search_index_problems(folder, label)
    return sorted(set(problems))


def allowed_scripts(folder: Path, own: frozenset[str]) -> frozenset[str]:
    """The script files under ``folder`` that are the site's own (by their content's hash)."""
    return frozenset(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*.js")
        if _digest(path.read_bytes()) in own
    )


def scan_files(
    folder: Path,
    rels: Iterable[str],
    label: str,
    sources: Sequence[Source],
    allowed: frozenset[str],
    memo: Memo | None = None,
) -> dict[str, list[Problem]]:
    """The files ``rels`` of ``folder`` that hold active content, each with its problems.

    ``allowed`` are the folder's own scripts (``allowed_scripts``); a missing file is clean.
    """
    memo = memo if memo is not None else Memo()
    prefix = _prefix(allowed)
    refused: dict[str, list[Problem]] = {}
    for rel in rels:
        try:
            data = (folder / rel).read_bytes()
        except FileNotFoundError:  # (any other error stops the build: never passed unread)
            continue
        key = _key(prefix, rel, data)
        if key in memo.before:
            memo.now.add(key)
            continue
        found = findings(data, page=rel, scripts=allowed)
        if not found:
            memo.now.add(key)
            continue
        text = data.decode("utf-8", "replace")
        refused[rel] = [
            _problem(item, f"{label}/{rel}", text, _candidates(rel, sources)) for item in found
        ]
    return refused


def _allowed(folder: Path, own: frozenset[str]) -> tuple[frozenset[str], bytes]:
    """The site paths of the site's own scripts in ``folder``, and the prefix of the memo keys."""
    allowed = allowed_scripts(folder, own)
    return allowed, _prefix(allowed)


def _prefix(allowed: frozenset[str]) -> bytes:
    """The memo keys' prefix: the scripts allowed (the findings depend on nothing else)."""
    return fingerprint("site", *sorted(allowed)).encode()


def _key(prefix: bytes, rel: str, data: bytes) -> str:
    """A file's memo key: its bytes at its path, with the same scripts allowed, the same scanner."""
    return hashlib.sha256(prefix + rel.encode() + b"\0" + data).hexdigest()


_seen: dict[Path, tuple[frozenset[str], bytes]] = {}
"""A worker's ``_allowed`` for each folder: the scripts are copied before the first page."""


def scan_pages(
    state: tuple[Path, frozenset[str], frozenset[str]], pages: list[tuple[str, str]]
) -> list[str]:
    """In a worker beside MkDocs: the memo keys of the clean ones of pages about to be written.

    ``state`` is the site folder, the own scripts' hashes and the keys the memo knows as clean
    (not parsed again); ``pages`` are site paths and HTML. A key is of the bytes MkDocs
    writes, with the scripts in the folder now: the final scan (``scan_folder``) passes over a
    file only if that key is its key, so a page changed after this, or a script that differs
    at the end, is scanned again there.
    """
    folder, own, known = state
    if folder not in _seen:
        _seen[folder] = _allowed(folder, own)
    allowed, prefix = _seen[folder]
    keys = []
    for rel, output in pages:
        data = output.encode("utf-8", errors="xmlcharrefreplace")  # (as MkDocs writes it)
        key = _key(prefix, rel, data)
        if key in known or not findings(data, page=rel, scripts=allowed):
            keys.append(key)
    return keys


def search_index_problems(folder: Path, label: str) -> list[Problem]:
    """The search index: Material's bundle shows its titles and excerpts as HTML."""
    path = folder / SEARCH_INDEX
    try:
        docs = json.loads(path.read_text(encoding="utf-8"))["docs"]
    except (OSError, ValueError, KeyError, TypeError):
        return []  # no index (a site without search), or not ours to read
    problems = []
    for doc in docs:
        for key in ("title", "text"):
            for item in findings(str(doc.get(key) or ""), content=True):
                problems.append(
                    Problem(
                        f"{label}/{SEARCH_INDEX}", 0, refusal(item.what, f"{label}/{SEARCH_INDEX}")
                    )
                )
    return problems


def _candidates(rel: str, sources: Sequence[Source]) -> list[Source]:
    """The sources to look in, the likeliest first (a page's own Markdown file)."""
    stem = rel.removesuffix("index.html").rstrip("/").rsplit("/", 1)[-1]
    named = [s for s in sources if stem and Path(s.rel).stem == stem]
    return [*named, *(s for s in sources if s not in named)]


def _problem(item: Finding, output: str, text: str, sources: Iterable[Source]) -> Problem:
    message = refusal(item.what, output)
    for source in sources:
        line = line_of(source.text, item.needles)
        if line is not None:
            return Problem(source.rel, line, message)
    return Problem(output, line_of(text, item.needles) or 0, message)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_sources(root: Path, rels: Iterable[str]) -> list[Source]:
    """The texts of the source files ``rels`` (relative to ``root``); unreadable ones are left out."""
    found = []
    for rel in dict.fromkeys(rels):
        try:
            found.append(Source(rel, (root / rel).read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue  # (reported where the file is read as a source)
    return found
