"""Source files and their YAML front matter, parsed with line numbers of the file."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.core.files import read_bytes, read_walked, shown, walk
from generator.core.i18n import _
from generator.core.problems import Problem
from generator.core.schema import Schema
from generator.core.yamltree import parse_yaml

FENCE = "---"


@dataclass(frozen=True)
class SourceFile:
    """A text file of the repository: where it is and what it says."""

    path: Path
    rel: str
    text: str


@dataclass(frozen=True)
class Document:
    """A source file split into validated front matter and body."""

    source: SourceFile
    meta: Mapping[str, Any]
    lines: Mapping[str, int]
    body: str
    body_line: int

    @property
    def rel(self) -> str:
        """The path of the source, relative to the project, for messages."""
        return self.source.rel

    def line_of(self, key: str) -> int:
        """The line of the file that holds ``key`` (line 1 if it is absent)."""
        return self.lines.get(key, 1)


def read_source(
    path: Path, root: Path, folder: Path | None = None, *, walked: bool = False
) -> SourceFile | Problem:
    """Read a UTF-8 text file through the door; a file that is not UTF-8 is a problem, not a crash.

    ``walked``: ``path`` is a file ``walk`` returned for ``folder`` (checked there already).
    """
    rel = shown(path, root)
    if walked and folder is not None:
        raw = read_walked(path, root, folder)
    else:
        raw = read_bytes(path, root, folder)
    if isinstance(raw, Problem):
        return raw
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return Problem(
            rel,
            line,
            _("not UTF-8 text (byte {byte}); save the file as UTF-8").format(
                byte=f"0x{raw[error.start]:02x}"
            ),
        )
    return SourceFile(path, rel, text.replace("\r\n", "\n"))


def split_front_matter(source: SourceFile) -> tuple[str, str, int] | Problem:
    """Split into (yaml text, body, first body line); the front matter must open line 1."""
    lines = source.text.split("\n")
    if not source.text.strip():
        return Problem(source.rel, 1, _("file is empty; expected front matter between '---' lines"))
    if lines[0].rstrip() != FENCE:
        return Problem(
            source.rel, 1, _("missing front matter: the file must start with a '---' line")
        )
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in (FENCE, "..."):
            body = "\n".join(lines[number + 1 :])
            return "\n".join(lines[1:number]), body, number + 2
    return Problem(source.rel, 1, _("front matter is not closed: add a '---' line after it"))


def load_document(
    source: SourceFile, schema: Schema, *, body_required: bool = True
) -> tuple[Document | None, list[Problem]]:
    """Parse and validate a Markdown file with front matter, and return every problem.

    The document comes back whenever its body can be told apart, even if the front matter
    is wrong (missing keys take their defaults), so that the body's own problems — broken
    links, unknown merge fields — are reported in the same run. None only when the front
    matter is never closed.
    """
    split = split_front_matter(source)
    if isinstance(split, Problem):
        if source.text.strip() and source.text.split("\n", 1)[0].rstrip() != FENCE:
            # No front matter at all: the whole file is body, and is checked as such.
            return Document(source, schema.defaults(), {}, source.text, 1), [split]
        return None, [split]
    yaml_text, body, body_line = split
    tree = parse_yaml(yaml_text, source.rel, offset=1)
    if isinstance(tree, Problem):
        meta, problems = schema.defaults(), [tree]
        lines: dict[str, int] = {}
    else:
        meta, lines, problems = schema.validate(tree, source.rel, start_line=1)
    if body_required and not body.strip():
        problems.append(Problem(source.rel, body_line - 1, _("no text after the front matter")))
    return Document(source, meta, lines, body, body_line), problems


def load_yaml_file(
    source: SourceFile, schema: Schema
) -> tuple[tuple[dict[str, Any], dict[str, int]] | None, list[Problem]]:
    """Parse and validate a whole YAML file; return (values, lines) or problems."""
    if not source.text.strip():
        return None, [Problem(source.rel, 1, _("file is empty"))]
    tree = parse_yaml(source.text, source.rel)
    if isinstance(tree, Problem):
        return None, [tree]
    meta, lines, problems = schema.validate(tree, source.rel, start_line=1)
    return (None, problems) if problems else ((meta, lines), [])


def read_sources(folder: Path, root: Path, pattern: str) -> tuple[list[SourceFile], list[Problem]]:
    """Read every file under ``folder`` matching ``pattern``, sorted by path.

    The problems name every entry of ``folder`` the door refuses, whatever its name: a link
    to ``.git/config`` among the images is found by the walk that reads the texts.
    """
    paths, problems = walk(root, folder)
    sources: list[SourceFile] = []
    for path in paths:
        if fnmatch.fnmatch(path.name, pattern):
            result = read_source(path, root, folder, walked=True)
            if isinstance(result, Problem):
                problems.append(result)
            else:
                sources.append(result)
    return sources, problems
