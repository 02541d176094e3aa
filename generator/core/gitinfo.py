"""What git knows about the sources: last-change dates, committed state, the approved main."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator.core.arguments import operand
from generator.core.i18n import _
from generator.core.problems import Problem, RundbriefError


def git(root: Path, *args: str) -> str | None:
    """Run git in ``root``; None if git is missing or the folder is no repository."""
    result = _run(root, *args)
    return result.stdout if result is not None and result.returncode == 0 else None


def _run(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str] | None:
    # Never ask for a password on a terminal: a send must fail clearly, not hang.
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": ""}
    try:
        return subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            env=env,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


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


def is_tracked(path: Path) -> bool:
    """Whether ``path`` is tracked by the git repository it lies in (if any)."""
    path = path.resolve()
    return git(path.parent, "ls-files", "--error-unmatch", "--", path.name) is not None


_PULL_REQUEST = re.compile(r"^Merge pull request #(\d+)\b|\(#(\d+)\)\s*$")
"""GitHub's subjects: a merge commit ("Merge pull request #12 from …") or a squash ("Titel (#12)")."""


def approving_commit(root: Path, rel: str, tip: str) -> str | None:
    """The commit on ``tip``'s first-parent line that last changed ``rel``: the merge that approved it."""
    out = git(
        root, "log", "-1", "--first-parent", "--format=%H", "--end-of-options", tip, "--", rel
    )
    out = (out or "").strip()
    return out or None


def pull_request_of(root: Path, commit: str) -> str | None:
    """'#12' when the subject of ``commit`` names the pull request that merged it, else None."""
    subject = git(root, "log", "-1", "--format=%s", "--end-of-options", commit, "--")
    match = _PULL_REQUEST.search(subject.strip()) if subject else None
    return f"#{match.group(1) or match.group(2)}" if match else None


def checkout_problem(root: Path) -> str | None:
    """Why git cannot answer for ``root``: git missing, or no git checkout; None if it can."""
    if shutil.which("git") is None:
        return _(
            "git is not installed (or not on PATH): rundbrief checks with git that what it "
            "sends or hands out is on the approved main branch; install git and run the "
            "command again"
        )
    if git(root, "rev-parse", "--git-dir") is None:
        return _(
            "{root} is not a git checkout: rundbrief compares what it sends or hands out with "
            "the approved main branch of the remote; run it in a clone of the repository"
        ).format(root=root)
    return None


class RemoteUnreachable(RundbriefError):
    """The remote's main branch, the approved state, cannot be fetched or is not known here."""


@dataclass(frozen=True)
class ApprovedMain:
    """What the founder approved: the commit of the remote's main, fetched now or last."""

    remote: str
    commit: str
    offline: bool = False

    def warnings(self, settings_file: str) -> list[Problem]:
        """The warning that an ``--offline`` check compared with the state fetched last."""
        if not self.offline:
            return []
        message = _(
            "--offline: compared with {remote}/main as fetched last (commit {commit}), "
            "not with the server"
        ).format(remote=self.remote, commit=self.commit[:12])
        return [Problem(settings_file, 0, message, "warning")]

    def differences(self, root: Path, files: list[str]) -> list[Problem]:
        """A problem for each file that is not byte for byte as on the approved commit."""
        problems = []
        for state in compare_with(root, self.commit, files):
            if state.uncommitted:
                message = _("the file has uncommitted changes: commit it and merge it into main")
            elif not state.same:
                message = _(
                    "the file is not on the main branch of {remote} as it is here "
                    "({remote}/main, what the founder approved): only what was approved "
                    "and merged goes out"
                ).format(remote=self.remote)
            else:
                continue
            problems.append(Problem(state.rel, 1, message))
        return problems


def approved_main(root: Path, remote: str, *, command: str, offline: bool = False) -> ApprovedMain:
    """The one approval gate's first half: fetch the remote's main, return its commit.

    The founder approves by merging into main on the remote (GitHub): that, not the local
    ``main`` (which may hold a commit nobody reviewed, or be another branch renamed), is what
    may go out. ``offline`` compares with the state fetched last; ``command`` is how the
    refusal names the command to run again with ``--offline``.
    """
    unusable = checkout_problem(root)  # (not "cannot be reached": say why)
    if unusable:
        raise RemoteUnreachable(unusable)
    if not offline:
        failure = fetch_main(root, remote)
        if failure is not None:
            raise RemoteUnreachable(
                _(
                    "the main branch of {remote} cannot be reached to check the approval "
                    "({reason}); check the connection, or run {command} with --offline to "
                    "compare with {remote}/main as fetched last (that is recorded)"
                ).format(remote=remote, reason=failure, command=command)
            )
    commit = commit_of(root, remote_ref(remote))
    if commit is None:
        raise RemoteUnreachable(
            _(
                "the main branch of {remote} is not known here; fetch it (git fetch {remote}) "
                "or set sending.remote in rundbrief.yml"
            ).format(remote=remote)
        )
    return ApprovedMain(remote, commit, offline)


def remote_ref(remote: str) -> str:
    """The remote-tracking ref of the remote's main branch."""
    return f"refs/remotes/{remote}/main"


def fetch_main(root: Path, remote: str) -> str | None:
    """Fetch the remote's main into its remote-tracking ref; the reason if that failed."""
    # "--": a remote named "--upload-pack=…" is a (missing) repository, never an option.
    refspec = f"+refs/heads/main:{remote_ref(remote)}"
    result = _run(root, "fetch", "--quiet", "--no-tags", "--", operand(remote), refspec)
    if result is None:
        return "git did not answer within 60 seconds"
    if result.returncode != 0:
        return " ".join(result.stderr.split()) or f"git fetch exited with {result.returncode}"
    return None


def commit_of(root: Path, ref: str) -> str | None:
    """The commit ``ref`` points at, or None."""
    out = git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    return out.strip() if out else None


def texts_at(root: Path, commit: str, folder: str, suffix: str) -> dict[str, str]:
    """The text of each regular file ending in ``suffix`` directly in ``folder`` at ``commit``.

    What the commit holds, not the work tree: ``send --due`` sends what main holds. Links
    and files that are not UTF-8 are left out (``check`` names them in the work tree).
    """
    listing = git(root, "ls-tree", "-z", "--end-of-options", commit, "--", f"{folder}/") or ""
    blobs = {}
    for entry in listing.split("\0"):
        info, _tab, rel = entry.partition("\t")
        mode, kind, sha = (info.split() + ["", "", ""])[:3]
        if kind == "blob" and mode in ("100644", "100755") and rel.endswith(suffix):
            blobs[rel] = sha
    if not blobs:
        return {}
    # One process for every file: ``cat-file --batch`` answers "<sha> blob <size>\n<data>\n".
    try:
        out = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=root,
            input="".join(f"{sha}\n" for sha in blobs.values()).encode("ascii"),
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    texts, position = {}, 0
    for rel in blobs:
        header_end = out.index(b"\n", position)
        header = out[position:header_end].split()
        if len(header) != 3:  # "<sha> missing": nothing follows the header
            position = header_end + 1
            continue
        size = int(header[2])
        data = out[header_end + 1 : header_end + 1 + size]
        position = header_end + 1 + size + 1
        try:
            texts[rel] = data.decode("utf-8-sig").replace("\r\n", "\n")
        except UnicodeDecodeError:
            continue
    return texts


@dataclass(frozen=True)
class FileState:
    """How one file of the work tree compares with a commit."""

    rel: str
    uncommitted: bool
    same: bool


def compare_with(root: Path, commit: str, rels: list[str]) -> list[FileState]:
    """Whether each file has uncommitted changes, and whether it is byte for byte as in ``commit``."""
    status = git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--", *rels)
    changed = set()
    entries = iter((status or "").split("\0"))
    for entry in entries:
        if len(entry) > 3:
            changed.add(entry[3:])
            if entry[0] in "RC":
                next(entries, None)  # the path it was renamed or copied from
    listing = git(root, "ls-tree", "-z", "--end-of-options", commit, "--", *rels) or ""
    committed = {}
    for entry in listing.split("\0"):
        if "\t" in entry:
            info, rel = entry.split("\t", 1)
            committed[rel] = info.split()[2]
    existing = [rel for rel in rels if (root / rel).is_file()]
    hashes = (git(root, "hash-object", "--", *existing) or "").split() if existing else []
    here = dict(zip(existing, hashes, strict=False))
    return [
        FileState(
            rel,
            uncommitted=status is None or rel in changed,
            same=rel in here and committed.get(rel) == here[rel],
        )
        for rel in rels
    ]
