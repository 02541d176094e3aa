"""Outputs appear whole or not at all, and nothing is deleted that rundbrief did not write.

A build writes into a staging folder beside its outputs and swaps it in. Every folder
rundbrief may later replace or empty — ``site/``, the folders of ``build/``, a kit, an
outbox, a staging folder — carries a marker file; a folder without it (the user's documents,
a repository given as ``--outbox .``) is refused, never cleaned. The marker of a folder
written whole also lists every file and folder in it: anything else found there later (a
note put into ``site/``) is the user's, and the folder is refused with its name, not replaced.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.core.files import RefusedFile, read_output, write_text
from generator.core.i18n import _, ngettext
from generator.core.problems import RundbriefError, UsageError

STAGE_PREFIX = ".rundbrief-stage-"
MARKER = ".rundbrief-output"
"""Written into every folder rundbrief owns: what the folder is, then what rundbrief wrote."""
LISTED = "# written by rundbrief (anything else here is yours, and rundbrief then leaves the folder alone):"
"""The marker's second line; the paths follow, one a line, folders ending in ``/``.

A marker without it was written by rundbrief before the list existed (see ``foreign_entries``).
"""
SHOWN = 5
"""Foreign entries named in a message; the rest are counted."""


class ForeignFolder(RundbriefError):
    """A folder rundbrief would replace or empty holds something rundbrief did not write."""


def mark(folder: Path, kind: str) -> None:
    """Mark ``folder`` as rundbrief's output of ``kind``, listing everything in it now.

    Called when the folder is complete (a staged output about to be swapped in), or while it
    is still empty (an outbox or a staging folder, which rundbrief fills file by file).
    """
    lines = [f"rundbrief {kind}", LISTED, *(_escape(path) for path in sorted(_listing(folder)))]
    # Through the door: a marker that is a link to .git/config is refused, never written through.
    write_text(folder / MARKER, "\n".join(lines) + "\n", within=folder)


def is_marked(folder: Path) -> bool:
    """Whether ``folder`` is a real folder (no symlink) that rundbrief made (its marker no link)."""
    if not folder.is_dir() or folder.is_symlink():
        return False
    try:
        return stat.S_ISREG((folder / MARKER).lstat().st_mode)
    except OSError:
        return False


def _listing(folder: Path, prefix: str = "") -> Iterator[str]:
    """Every path under ``folder`` (the marker aside), folders with a trailing ``/``; no links followed."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if not prefix and entry.name == MARKER:
                continue
            if entry.is_dir(follow_symlinks=False):
                yield f"{prefix}{entry.name}/"
                yield from _listing(Path(entry.path), f"{prefix}{entry.name}/")
            else:
                yield prefix + entry.name


def _escape(path: str) -> str:
    return path.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def _unescape(line: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m[1], m[1]), line)


def _listed(folder: Path) -> set[str] | None:
    """The paths the marker lists, or None for a marker without a list (an earlier version's)."""
    try:
        text = read_output(folder / MARKER).decode("utf-8", errors="surrogateescape")
    except (OSError, UnicodeError, RefusedFile):
        return None
    lines = text.split("\n")
    if len(lines) < 2 or lines[1] != LISTED:
        return None
    return {_unescape(line) for line in lines[2:] if line}


def foreign_entries(folder: Path, *, stamp: str = MARKER) -> tuple[list[str], bool]:
    """What in the marked ``folder`` rundbrief did not write, and whether the marker is an old one.

    The entries are paths relative to ``folder``, sorted; a folder of the user's is one entry
    (``eigene/``), not every file in it. A file rundbrief listed stays rundbrief's even when it
    was edited since. Markers written before the list existed (only their first line; for
    kits, ``stamp`` names their ``.inputs``) were written after everything else in the folder:
    there, whatever was created or changed after the marker is foreign (the file system's
    change time, which copying or moving a file in sets and no tool sets back).
    """
    listed = _listed(folder)
    if listed is not None:
        return _unlisted(folder, listed), False
    try:
        written = (folder / stamp).lstat().st_ctime_ns
    except OSError:  # no marker at all: nothing in the folder is rundbrief's
        return _changed_since(folder, -1, ""), False
    return _changed_since(folder, written, ""), True


def _unlisted(folder: Path, listed: set[str]) -> list[str]:
    found: list[str] = []
    for path in sorted(_listing(folder)):  # (a folder sorts right before what it holds)
        inside_found = found and found[-1].endswith("/") and path.startswith(found[-1])
        if path not in listed and not inside_found:
            found.append(path)
    return found


def _changed_since(folder: Path, written: int, prefix: str) -> list[str]:
    """Entries added or changed after ``written`` (a folder's time changes when it is moved
    in or something in it is added, removed or renamed: such a folder is named whole, since
    what in it is whose cannot be told apart)."""
    found: list[str] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if not prefix and entry.name == MARKER:
                continue
            changed = entry.stat(follow_symlinks=False).st_ctime_ns > written
            if entry.is_dir(follow_symlinks=False):
                path = f"{prefix}{entry.name}/"
                found += [path] if changed else _changed_since(Path(entry.path), written, path)
            elif changed:
                found.append(prefix + entry.name)
    return sorted(found)


def foreign_message(folder: Path | str, entries: list[str], *, earlier: bool) -> str:
    """Why ``folder`` is refused: the foreign ``entries`` named, up to a few, the rest counted."""
    names = ", ".join(entries[:SHOWN])
    if len(entries) > SHOWN:
        names += ngettext(" and {count} more", " and {count} more", len(entries) - SHOWN).format(
            count=len(entries) - SHOWN
        )
    if earlier:
        return ngettext(
            "{folder} was written by an earlier rundbrief that did not list its files, and "
            "{names} was added or changed since; move what is yours out of the folder (or "
            "delete the folder yourself) and run the command again",
            "{folder} was written by an earlier rundbrief that did not list its files, and "
            "{names} were added or changed since; move what is yours out of the folder (or "
            "delete the folder yourself) and run the command again",
            len(entries),
        ).format(folder=folder, names=names)
    return ngettext(
        "{folder} holds {names}, which rundbrief did not write; move it out of the folder and "
        "run the command again: rundbrief replaces and deletes only what it wrote",
        "{folder} holds {names}, which rundbrief did not write; move them out of the folder and "
        "run the command again: rundbrief replaces and deletes only what it wrote",
        len(entries),
    ).format(folder=folder, names=names)


def refusal(folder: Path, shown: Path | str, *, stamp: str = MARKER) -> str | None:
    """Why rundbrief may not replace or delete the marked ``folder`` (named ``shown``), or None."""
    entries, earlier = foreign_entries(folder, stamp=stamp)
    return foreign_message(shown, entries, earlier=earlier) if entries else None


@contextmanager
def staging_dir(parent: Path) -> Iterator[Path]:
    """A fresh folder beside the outputs in ``parent``; removed afterwards.

    Beside, not in the state folder: a rename swaps it in only on the same file system,
    and the state folder may be elsewhere. Folders left by a killed build (their process
    is gone) are removed first.
    """
    parent.mkdir(parents=True, exist_ok=True)
    remove_stale_stages(parent)
    folder = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-", dir=parent))
    mark(folder, "stage")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale_stages(parent: Path) -> int:
    """Delete staging folders whose build process no longer runs; return how many."""
    removed = 0
    for folder in parent.glob(f"{STAGE_PREFIX}*"):
        pid = folder.name.removeprefix(STAGE_PREFIX).split("-", 1)[0]
        if is_marked(folder) and pid.isdigit() and not process_running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def process_running(pid: int) -> bool:
    """Whether a process ``pid`` runs on this machine (one of another user's counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_replaceable(targets: Iterable[Path]) -> None:
    """Raise ForeignFolder unless every existing target holds only what rundbrief wrote there."""
    for target in targets:
        if not (target.exists() or target.is_symlink()):
            continue
        if not is_marked(target):
            raise ForeignFolder(
                _(
                    "{folder} was not written by rundbrief (no {marker} in it); move or delete "
                    "it yourself, rundbrief replaces only its own outputs"
                ).format(folder=target, marker=MARKER)
            )
        reason = refusal(target, target)
        if reason:
            raise ForeignFolder(reason)


def publish(swaps: Iterable[tuple[Path, Path]], retired: Path) -> None:
    """Move each finished folder onto its target; old targets go into ``retired``.

    ``retired`` is a folder of this run (the staging folder) on the same file system, so a
    replaced output disappears with it and nothing else is ever deleted. Every target must
    be a folder rundbrief made before holding nothing else (see ``check_replaceable``); each
    new folder's marker lists what it holds.
    """
    swaps = list(swaps)
    check_replaceable(target for _, target in swaps)
    for number, (new, target) in enumerate(swaps):
        mark(new, target.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() and _exchange(new, target):
            # ``new`` now names the old output: a web server reading ``site/`` never finds it
            # missing, not even between two renames.
            os.replace(new, retired / f"retired-{number}-{target.name}")
            continue
        if target.exists():
            os.replace(target, retired / f"retired-{number}-{target.name}")
        os.replace(new, target)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2``); false where that is not possible.

    Elsewhere (another system, a file system without the flag) the caller falls back to two
    renames, with a moment in which the target does not exist.
    """
    if sys.platform != "linux":
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return bool(done == 0)


def claim_folder(folder: Path, kind: str, owned: re.Pattern[str]) -> None:
    """Make ``folder`` ready for a fresh output of ``kind`` without deleting anything foreign.

    A new or empty folder is marked; a folder rundbrief marked before loses the files it
    wrote there (names matching ``owned``). Anything else — a folder without the marker, or
    a file rundbrief did not write — is refused and left as it is.
    """
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UsageError(
            _(
                "{folder} is not a folder rundbrief can write into; remove or rename "
                "the file of that name"
            ).format(folder=folder)
        )
    folder.mkdir(parents=True, exist_ok=True)
    entries = [entry for entry in folder.iterdir() if entry.name != MARKER]
    if entries and not is_marked(folder):
        raise UsageError(
            _(
                "{folder} already holds files rundbrief did not write (e.g. {example}); "
                "name a new or empty folder"
            ).format(folder=folder, example=entries[0].name)
        )
    foreign = [
        e for e in entries if e.is_symlink() or not e.is_file() or not owned.fullmatch(e.name)
    ]
    if foreign:
        raise UsageError(
            _(
                "{folder} holds {example}, which rundbrief did not write; move it away or name "
                "a new folder"
            ).format(folder=folder, example=foreign[0].name)
        )
    for entry in entries:
        entry.unlink()
    mark(folder, kind)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
