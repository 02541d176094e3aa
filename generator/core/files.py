"""The one door for files: every file rundbrief reads from the repository or writes into an output.

Reading: a source is a regular file inside its source folder (``content/``, ``newsletters/``,
``marketing-assets/``, ``overrides/``; the repository itself for ``rundbrief.yml``, ``fakten.yml``
and ``mkdocs.yml``). A symbolic link may only name another file of the same folder, with no
hidden part on the way: a link to ``.git/config`` (where the CI checkout keeps its token) or to
``/etc/passwd`` would otherwise be published. A pipe, device or socket is never opened for
reading as a source: it would hang the run or read forever.

Writing: a file is created in an output folder without following a symbolic link at its own
name or on the way to it (``O_NOFOLLOW``, folders checked one by one), and only over a
regular file: a marker or outbox file that is a link to ``.git/config`` keeps its target. Many
new files in one folder (the outbox) go through :class:`NewFiles`: the folder is checked and
opened once, each file is created in it, new.

The one named exception is :func:`open_named_file`: a file the user names on the command
line (the members file), which may lie anywhere but must be a regular file.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from generator.core.i18n import _
from generator.core.problems import Problem, RundbriefError

_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class RefusedFile(RundbriefError):
    """A file rundbrief was asked to read or write that the door does not let through."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message
        """Why, without the path (for a problem that names the file itself)."""


def shown(path: Path, root: Path) -> str:
    """``path`` as people see it in a message: relative to ``root`` if it lies there."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def source_folder(path: Path, root: Path) -> Path:
    """The source folder ``path`` belongs to: the top folder of the repository it lies in."""
    try:
        parts = _normal(path).relative_to(_normal(root)).parts
    except ValueError:
        return root
    return root / parts[0] if len(parts) > 1 else root


def _normal(path: Path) -> Path:
    """``path`` with ``.`` and ``..`` taken away by name (links are judged afterwards)."""
    return Path(os.path.normpath(path))


def _outside(real: Path, folder: Path) -> bool:
    """Whether the resolved ``real`` is not a file of ``folder`` (a hidden part counts as out)."""
    if not real.is_relative_to(folder):
        return True
    return any(part.startswith(".") for part in real.relative_to(folder).parts)


def _folder_name(folder: Path, root: Path) -> str:
    rel = shown(folder, root)
    return "./" if rel == "." else rel + "/"


def refusal(path: Path, root: Path, folder: Path | None = None) -> str | None:
    """Why the door does not read ``path`` (a file of ``folder``, by default its source folder)."""
    folder = folder if folder is not None else source_folder(path, root)
    if "\0" in str(path) or not _normal(path).is_relative_to(_normal(folder)):
        return _("lies outside {folder}; not read").format(folder=_folder_name(folder, root))
    if (
        _normal(path).is_relative_to(_normal(root))
        and ".git" in _normal(path).relative_to(_normal(root)).parts
    ):  # git's own files (CI's token in .git/config) are never a source
        return _("lies in the repository's .git folder; not read")
    try:
        mode = path.lstat().st_mode
        real = Path(os.path.realpath(path, strict=True))
    except (OSError, RuntimeError, ValueError):  # gone, a link to nothing, links naming each other
        if path.is_symlink():
            return _("symbolic link that leads to no file; not published")
        return None  # (not there: the reader says so with the reason)
    inside = Path(os.path.realpath(folder))
    if _outside(real, inside):
        name = _folder_name(folder, root)
        if stat.S_ISLNK(mode):
            return _("symbolic link to a file outside {folder}; not published").format(folder=name)
        return _("reached through a symbolic link to outside {folder}; not read").format(
            folder=name
        )
    if not stat.S_ISREG(os.stat(real).st_mode):
        return _("not a regular file (a pipe, device, socket or folder); not read")
    return None


def read_bytes(path: Path, root: Path, folder: Path | None = None) -> bytes | Problem:
    """The bytes of the repository file ``path``, or the problem why the door refuses it."""
    rel = shown(path, root)
    reason = refusal(path, root, folder)
    if reason:
        return Problem(rel, 0, reason)
    try:
        # The target by its resolved name, never following a link swapped in since the check.
        handle = os.open(os.path.realpath(path, strict=True), _READ_FLAGS)
    except OSError as error:
        return Problem(
            rel,
            0,
            _("cannot read file: {reason}; check the path given with --signups").format(
                reason=error.strerror
            ),
        )
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        return Problem(rel, 0, _("not a regular file (a pipe, device, socket or folder); not read"))
    with os.fdopen(handle, "rb") as stream:
        return stream.read()


def walk(root: Path, folder: Path, pattern: str = "*") -> tuple[list[Path], list[Problem]]:
    """Every file below ``folder`` matching ``pattern``, hidden ones aside, sorted by path.

    A link to a file elsewhere would publish it: a members file, ``/etc/passwd``, or
    ``.git/config``. A link may only name another file of ``folder`` (no hidden part on the
    way); a linked folder is not followed at all. Every refused entry of the folder is a
    problem, whatever its name: a source folder holds nothing that leads out of it.
    """
    files: list[Path] = []
    problems: list[Problem] = []
    name = _folder_name(folder, root)
    if folder.is_symlink():  # the folder itself could name any folder, .git/ included
        return [], [
            Problem(shown(folder, root), 0, _("folder is a symbolic link; make it a real folder"))
        ]
    for top, folders, names in os.walk(folder) if folder.is_dir() else []:
        here = Path(top)
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for sub in list(folders):
            if (here / sub).is_symlink():
                folders.remove(sub)
                problems.append(
                    Problem(
                        shown(here / sub, root),
                        0,
                        _("folder is a symbolic link; copy the files into {folder} instead").format(
                            folder=name
                        ),
                    )
                )
        for entry in sorted(n for n in names if not n.startswith(".")):
            path = here / entry
            reason = _entry_refusal(path, root, folder)
            if reason:
                problems.append(Problem(shown(path, root), 0, reason))
            elif fnmatch.fnmatch(entry, pattern):
                files.append(path)
    files.sort()
    return files, problems


def _entry_refusal(path: Path, root: Path, folder: Path) -> str | None:
    """``refusal`` for an entry the walk found: its folders are no links, so a regular file
    that is no link itself needs no resolving (the walk costs one ``lstat`` per file)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    return refusal(path, root, folder)


def read_walked(path: Path, root: Path, folder: Path) -> bytes | Problem:
    """``read_bytes`` for a file ``walk`` returned: opened without following a link; a link
    the walk let through (to a file of the same folder) is checked again in full."""
    try:
        handle = os.open(path, _READ_FLAGS)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return read_bytes(path, root, folder)
        return Problem(
            shown(path, root),
            0,
            _("cannot read file: {reason}; check the path given with --signups").format(
                reason=error.strerror
            ),
        )
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        return Problem(
            shown(path, root),
            0,
            _("not a regular file (a pipe, device, socket or folder); not read"),
        )
    with os.fdopen(handle, "rb") as stream:
        return stream.read()


def inside(root: Path, reference: str, folder: Path | None = None) -> Path | None:
    """The file a path typed in a source names, relative to ``root``; None if the door refuses it.

    Absolute paths, a NUL, ``..`` out of the repository and links leading out of ``folder``
    (by default the reference's source folder) are refused.
    """
    if not reference or "\0" in reference or reference.startswith(("/", "\\")):
        return None
    path = Path(os.path.normpath(root / reference))
    if not path.is_relative_to(root) or path == root:
        return None
    if refusal(path, root, folder) is not None or not path.is_file():
        return None
    return path


def _folders_to(target: Path, within: Path) -> None:
    """Create the folders from ``within`` to ``target``; refuse a link or a file on the way."""
    try:
        if "\0" in str(target):
            raise ValueError(target)
        parts = _normal(target).relative_to(_normal(within)).parts
    except ValueError:
        raise RefusedFile(
            _(
                "{path} lies outside {folder}; rundbrief does not write there: choose a"
                " path inside {folder}"
            ).format(path=target, folder=within)
        ) from None
    here = _normal(within)
    for part in ("", *parts):
        here = here / part if part else here
        try:
            mode = here.lstat().st_mode
        except FileNotFoundError:
            here.mkdir()
            continue
        if not stat.S_ISDIR(mode):
            raise RefusedFile(
                _(
                    "{path} is a symbolic link or a file, not a folder; rundbrief does not "
                    "write through it: replace it by a real folder"
                ).format(path=here)
            )


def write_bytes(
    path: Path, data: bytes, *, within: Path | None = None, exclusive: bool = False
) -> None:
    """Write ``data`` to ``path`` (created, or a regular file replaced), never through a link.

    ``within`` is the output folder: no folder between it and ``path`` may be a link.
    ``exclusive``: the file must not exist yet.
    """
    if path.name in ("", ".", "..") or "\0" in str(path):
        raise RefusedFile(_not_regular(path))
    path = _normal(path)  # (by name: the kernel would take ".." after a link from its target)
    if within is None:
        path.parent.mkdir(parents=True, exist_ok=True)
    _folders_to(path.parent, within if within is not None else path.parent)
    with _opened(path, exclusive) as stream:
        stream.write(data)


class NewFiles:
    """An output folder opened once, in which new files are created by name (the outbox).

    The folders on the way are checked once, as for ``write_bytes``; the folder is then held
    open, and each file is created relative to it, new (``O_EXCL``: never over a file or a
    link of that name). A folder swapped for a link after the check is not followed: the files
    go into the folder that was checked. Costs one system call per file instead of a check of
    the whole path.
    """

    def __init__(self, folder: Path, *, within: Path | None = None) -> None:
        self.folder = _normal(folder)
        _folders_to(self.folder, within if within is not None else self.folder)
        try:
            self._handle: int | None = os.open(self.folder, _FOLDER_FLAGS)
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.ENOTDIR):
                raise RefusedFile(_not_regular(self.folder)) from None
            raise

    def create(self, name: str, data: bytes) -> None:
        """Write ``data`` to the new file ``name`` of the folder; raises if it exists."""
        if self._handle is None:
            raise ValueError(f"{self.folder} is closed")
        if not name or "/" in name or "\0" in name or name in (".", ".."):
            raise RefusedFile(_not_regular(self.folder / name))
        flags = _WRITE_FLAGS | os.O_EXCL
        try:
            handle = os.open(name, flags, 0o644, dir_fd=self._handle)
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
                raise RefusedFile(_not_regular(self.folder / name)) from None
            raise
        with os.fdopen(handle, "wb") as stream:  # (new with O_EXCL: a regular file, empty)
            stream.write(data)

    def close(self) -> None:
        """Let go of the folder."""
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None

    def __enter__(self) -> NewFiles:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def write_text(path: Path, text: str, *, within: Path | None = None) -> None:
    """Write UTF-8 ``text`` to ``path`` through the door (see ``write_bytes``)."""
    write_bytes(path, text.encode("utf-8", "surrogateescape"), within=within)


def _not_regular(path: Path) -> str:
    return _(
        "{path} is a symbolic link or not a regular file; rundbrief does not read or write "
        "through it"
    ).format(path=path)


@contextmanager
def _opened(path: Path, exclusive: bool) -> Iterator[BinaryIO]:
    flags = _WRITE_FLAGS | (os.O_EXCL if exclusive else 0)
    try:
        handle = os.open(path, flags, 0o644)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
            raise RefusedFile(_not_regular(path)) from None
        raise
    stream = os.fdopen(handle, "wb")
    with stream:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise RefusedFile(_not_regular(path))
        os.ftruncate(handle, 0)  # (only now: truncating on open would empty a refused file)
        yield stream


def copy_file(source: Path, target: Path, *, within: Path) -> None:
    """Copy a source file the walk let through into the output ``target`` (regular files only)."""
    write_bytes(target, read_output(Path(os.path.realpath(source))), within=within)


def read_output(path: Path) -> bytes:
    """The bytes of a file rundbrief wrote (a marker, a cache entry): never through a link."""
    try:
        handle = os.open(path, _READ_FLAGS)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise RefusedFile(_not_regular(path)) from None
        raise
    with os.fdopen(handle, "rb") as stream:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise RefusedFile(_not_regular(path))
        return stream.read()


def open_named_file(path: Path) -> BinaryIO:
    """Open a file the user named (the members file) for reading: anywhere, but a regular file.

    The one exception to the repository rule: the user chose the path. A named pipe or device
    would hang the run or never end; it is refused before anything is read from it (opened
    without blocking, then asked what it is). Raises OSError if it cannot be opened at all.
    """
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        reason = _("not a regular file (a pipe, device, socket or folder); name a file")
        raise RefusedFile(f"{path}: {reason}", reason)
    os.set_blocking(handle, True)
    return os.fdopen(handle, "rb")
