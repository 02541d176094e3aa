"""What git knows about the sources: last-change dates, committed state, branch."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path


def git(root: Path, *args: str) -> str | None:
    """Run git in ``root``; None if git is missing or the folder is no repository."""
    try:
        result = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def revision_dates(root: Path, folder: str) -> dict[str, dt.date]:
    """The day (UTC) of the last commit of each file under ``folder``, by repository path."""
    log = git(root, "log", "--format=%x00%ct", "--name-only", "--no-renames", "--", folder)
    dates: dict[str, dt.date] = {}
    stamp = 0
    for line in (log or "").splitlines():
        if line.startswith("\x00"):
            stamp = int(line[1:])
        elif line and line not in dates:
            dates[line] = dt.datetime.fromtimestamp(stamp, dt.UTC).date()
    return dates


def uncommitted(root: Path, rel: str) -> bool:
    """Whether the file differs from what is committed in HEAD (or is not committed at all)."""
    status = git(root, "status", "--porcelain", "--untracked-files=all", "--", rel)
    return status is None or bool(status.strip())


def main_commit(root: Path) -> str | None:
    """The commit the ``main`` branch points at, or None without one."""
    out = git(root, "rev-parse", "--verify", "--quiet", "refs/heads/main^{commit}")
    return out.strip() if out else None


def same_as_on_main(root: Path, rel: str) -> bool:
    """Whether the file in the work tree is byte for byte the version committed on ``main``."""
    on_main = git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/main:{rel}")
    here = git(root, "hash-object", "--", rel)
    return on_main is not None and here is not None and on_main.strip() == here.strip()


def is_tracked(path: Path) -> bool:
    """Whether ``path`` is tracked by the git repository it lies in (if any)."""
    path = path.resolve()
    return git(path.parent, "ls-files", "--error-unmatch", "--", path.name) is not None


_PULL_REQUEST = re.compile(r"^Merge pull request #(\d+)\b|\(#(\d+)\)\s*$")
"""GitHub's subjects: a merge commit ("Merge pull request #12 from …") or a squash ("Titel (#12)")."""


def approving_commit(root: Path, rel: str, tip: str) -> str | None:
    """The commit on ``tip``'s first-parent line that last changed ``rel``: the merge that approved it."""
    out = (git(root, "log", "-1", "--first-parent", "--format=%H", tip, "--", rel) or "").strip()
    return out or None


def pull_request_of(root: Path, commit: str) -> str | None:
    """'#12' when the subject of ``commit`` names the pull request that merged it, else None."""
    subject = git(root, "log", "-1", "--format=%s", commit, "--")
    match = _PULL_REQUEST.search(subject.strip()) if subject else None
    return f"#{match.group(1) or match.group(2)}" if match else None
