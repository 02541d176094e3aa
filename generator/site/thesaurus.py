"""OpenThesaurus folded once per machine: its groups as the search compares words, cached.

Reading and folding the 2.3 MB file took 0.3 s of every build (a third of the compact search
index at 1,000 pages), though it changes only with its Debian package. The folded groups are
kept as plain text beside this machine's cache key (``~/.cache/rundbrief/``, outside every
repository, shared by all of them; see ``core/sealed.py``), keyed by the file's path, size and
modification time, the folding code (``synonyms.py``, the module of ``fold``, this module) and
Python's Unicode tables. An entry counts only with this machine's seal and only if it holds
nothing but words; nothing in it is executed. Any other entry is no entry: the thesaurus is
folded again and the entry rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

from generator.core.output import write_atomic
from generator.core.sealed import key_file, seal, unseal
from generator.site import synonyms

CACHE = "openthesaurus-folded.txt"
"""The one entry, beside the machine's cache key: its key, then one group a line."""
ENTRY = re.compile(r"(?:[^\W_]+(?:=[^\W_]+)?(?: [^\W_]+(?:=[^\W_]+)?)*\n)*")
"""An entry's groups: words ``root=form`` (or ``form``, its own root), space-separated."""


def cache_file() -> Path:
    """Where the folded thesaurus is kept: beside the machine's cache key."""
    return key_file().parent / CACHE


def thesaurus_groups(
    fold: Callable[[str], str], path: Path = synonyms.THESAURUS
) -> list[dict[str, str]]:
    """OpenThesaurus' groups as ``synonyms.folded_groups`` gives them ([] if not installed)."""
    try:
        stat = path.stat()
    except OSError:
        return []
    key = _key(path, stat.st_size, stat.st_mtime_ns, fold)
    try:
        where: Path | None = cache_file()
    except OSError:  # no home folder for the machine's key: folded every time
        where = None
    cached = _read(where, key) if where is not None else None
    if cached is not None:
        return cached
    found = synonyms.folded_groups(synonyms.groups(path.read_text(encoding="utf-8")), fold)
    if where is not None:
        with contextlib.suppress(OSError):  # a cache: the next build folds again
            write_atomic(where, seal(_text(key, found).encode("utf-8")))
    return found


def _key(path: Path, size: int, mtime_ns: int, fold: Callable[[str], str]) -> str:
    digest = hashlib.sha256(f"{path}\0{size}\0{mtime_ns}\0{unicodedata.unidata_version}".encode())
    folding = sys.modules[fold.__module__]  # (searchindex.py, which imports this module)
    for code in sorted({str(synonyms.__file__), str(folding.__file__), __file__}):
        digest.update(Path(code).read_bytes())
    return digest.hexdigest()


def _text(key: str, found: list[dict[str, str]]) -> str:
    lines = (
        " ".join(form if root == form else f"{root}={form}" for root, form in forms.items())
        for forms in found
    )
    return key + "\n" + "".join(line + "\n" for line in lines)


def _read(file: Path, key: str) -> list[dict[str, str]] | None:
    try:
        data = unseal(file.read_bytes())
        text = data.decode("utf-8") if data is not None else ""
    except (OSError, UnicodeDecodeError):
        return None
    head, _, body = text.partition("\n")
    if head != key or not ENTRY.fullmatch(body):
        return None
    return [dict(map(_pair, line.split(" "))) for line in body.splitlines()]


def _pair(word: str) -> tuple[str, str]:
    root, _, form = word.partition("=")
    return root, form or root
