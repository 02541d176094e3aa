"""Outputs appear whole or not at all: build in a staging folder, then swap it in."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

STAGE_PREFIX = ".rundbrief-stage-"


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
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale_stages(parent: Path) -> int:
    """Delete staging folders whose build process no longer runs; return how many."""
    removed = 0
    for folder in parent.glob(f"{STAGE_PREFIX}*"):
        pid = folder.name.removeprefix(STAGE_PREFIX).split("-", 1)[0]
        if folder.is_dir() and not folder.is_symlink() and pid.isdigit() and not _alive(int(pid)):
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


def publish(swaps: Iterable[tuple[Path, Path]]) -> None:
    """Move each finished folder onto its target; an old target is removed only once replaced."""
    retired: list[Path] = []
    for new, target in swaps:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            if old.exists():
                shutil.rmtree(old)
            os.replace(target, old)
            retired.append(old)
        os.replace(new, target)
    for old in retired:
        shutil.rmtree(old, ignore_errors=True)


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
