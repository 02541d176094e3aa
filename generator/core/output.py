"""Outputs appear whole or not at all, and nothing is deleted that rundbrief did not write.

A build writes into a staging folder beside its outputs and swaps it in. Every folder
rundbrief may later replace or empty — ``site/``, the folders of ``build/``, an outbox, a
staging folder — carries a marker file; a folder without it (the user's documents, a
repository given as ``--outbox .``) is refused, never cleaned.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.core.i18n import _
from generator.core.problems import RundbriefError, UsageError

STAGE_PREFIX = ".rundbrief-stage-"
MARKER = ".rundbrief-output"
"""Written into every folder rundbrief owns; its one line says what the folder is."""


class ForeignFolder(RundbriefError):
    """A folder rundbrief would replace or empty holds something rundbrief did not write."""


def mark(folder: Path, kind: str) -> None:
    """Mark ``folder`` as rundbrief's output of ``kind`` (site, build, outbox, stage)."""
    (folder / MARKER).write_text(f"rundbrief {kind}\n", encoding="utf-8")


def is_marked(folder: Path) -> bool:
    """Whether ``folder`` is a real folder (no symlink) that rundbrief made."""
    return folder.is_dir() and not folder.is_symlink() and (folder / MARKER).is_file()


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
        if is_marked(folder) and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_replaceable(targets: Iterable[Path]) -> None:
    """Raise ForeignFolder unless every existing target is an output rundbrief made."""
    for target in targets:
        if (target.exists() or target.is_symlink()) and not is_marked(target):
            raise ForeignFolder(
                _(
                    "{folder} was not written by rundbrief (no {marker} in it); move or delete "
                    "it yourself, rundbrief replaces only its own outputs"
                ).format(folder=target, marker=MARKER)
            )


def publish(swaps: Iterable[tuple[Path, Path]], retired: Path) -> None:
    """Move each finished folder onto its target; old targets go into ``retired``.

    ``retired`` is a folder of this run (the staging folder) on the same file system, so a
    replaced output disappears with it and nothing else is ever deleted. Every target must
    be a folder rundbrief made before (see ``check_replaceable``).
    """
    swaps = list(swaps)
    check_replaceable(target for _, target in swaps)
    for number, (new, target) in enumerate(swaps):
        mark(new, target.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.replace(target, retired / f"retired-{number}-{target.name}")
        os.replace(new, target)


def claim_folder(folder: Path, kind: str, owned: re.Pattern[str]) -> None:
    """Make ``folder`` ready for a fresh output of ``kind`` without deleting anything foreign.

    A new or empty folder is marked; a folder rundbrief marked before loses the files it
    wrote there (names matching ``owned``). Anything else — a folder without the marker, or
    a file rundbrief did not write — is refused and left as it is.
    """
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UsageError(
            _("{folder} is not a folder rundbrief can write into").format(folder=folder)
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
