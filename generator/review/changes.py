"""Which base a change is compared with, which files it changes, and the base's files."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from generator.core.declare import build
from generator.core.gitinfo import git
from generator.core.i18n import _
from generator.core.output import STAGE_PREFIX
from generator.core.problems import RundbriefError, UsageError
from generator.core.settings import SETTINGS, SETTINGS_FILE, Project, Settings
from generator.core.sources import SourceFile, load_yaml_file

Kind = Literal["newsletter", "page", "content-file", "campaign", "setting", "other"]
"""What a changed file is to members: a newsletter, a help page, an image or download of the
help site, Werbemittel, a setting or template that shapes everything, or none of these."""
Status = Literal["added", "modified", "deleted"]

MAIN_REFS = (("origin/main", "refs/remotes/origin/main"), ("main", "refs/heads/main"))
"""Where the default base comes from: the remote's main (what a pull request merges into)
first, the local main branch otherwise."""
TEMPLATES = "marketing-assets/templates/"
OUTPUTS = frozenset(("site", "build", ".rundbrief", "test-artifacts"))


@dataclass(frozen=True)
class Base:
    """The commit a change is compared with, and the name it was given."""

    ref: str
    commit: str

    @property
    def short(self) -> str:
        """The commit abbreviated for people."""
        return self.commit[:12]


@dataclass(frozen=True, order=True)
class Change:
    """One file that differs between the base and the work tree."""

    path: str
    status: Status
    kind: Kind


def resolve_base(root: Path, given: str | None) -> Base:
    """The commit named ``given``, or the merge base of HEAD with the main branch."""
    if git(root, "rev-parse", "--git-dir") is None:
        raise UsageError(
            _(
                "{root} is not a git repository: review compares commits; run it in a "
                "clone of the repository"
            ).format(root=root)
        )
    if given:
        commit = _commit(root, given)
        if commit is None:
            raise UsageError(
                _("unknown commit '{base}': name a branch, a tag or a commit").format(base=given)
            )
        return Base(given, commit)
    for name, ref in MAIN_REFS:
        if _commit(root, ref) is not None:
            merge_base = git(root, "merge-base", "--end-of-options", "HEAD", ref)
            if merge_base:
                return Base(name, merge_base.strip())
    raise UsageError(
        _("no main branch to compare with: name the base, e.g. rundbrief review origin/main")
    )


def main_branch(root: Path) -> Base | None:
    """The main branch the founder merges into: the remote's, else the local one; None if neither."""
    for name, ref in MAIN_REFS:
        commit = _commit(root, ref)
        if commit is not None:
            return Base(name, commit)
    return None


def _commit(root: Path, name: str) -> str | None:
    out = git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{name}^{{commit}}")
    return out.strip() if out else None


def changed_files(root: Path, commit: str) -> list[Change]:
    """Every file of the work tree (uncommitted and untracked ones too) that differs from ``commit``."""
    diff = git(
        root,
        "diff",
        "--name-status",
        "--no-renames",
        "--relative",
        "-z",
        "--end-of-options",
        commit,
        "--",
    )
    untracked = git(root, "ls-files", "--others", "--exclude-standard", "-z")
    if diff is None or untracked is None:
        raise RundbriefError(
            _(
                "git could not compare the work tree with {commit}; check that {commit}"
                " exists (git fetch, git log)"
            ).format(commit=commit)
        )
    fields = diff.split("\0")
    statuses: dict[str, Status] = {"A": "added", "D": "deleted"}
    found = {
        path: statuses.get(code[:1], "modified")
        for code, path in zip(fields[0::2], fields[1::2], strict=False)
        if path
    }
    found.update({path: "added" for path in untracked.split("\0") if path})
    return sorted(
        Change(path, status, kind_of(path)) for path, status in found.items() if not _output(path)
    )


def _output(path: str) -> bool:
    """Whether ``path`` is rundbrief's own output or state, ignored by git or not."""
    top = path.split("/", 1)[0]
    return top in OUTPUTS or top.startswith(STAGE_PREFIX)


def kind_of(path: str) -> Kind:
    """What the file at repository path ``path`` is to members."""
    parts = path.split("/")
    if parts[0] == "newsletters":
        return "newsletter" if len(parts) == 2 and path.endswith(".md") else "other"
    if parts[0] == "content":
        return "page" if path.endswith(".md") else "content-file"
    if path.startswith(TEMPLATES) or parts[0] == "overrides":
        return "setting"
    if parts[0] == "marketing-assets":
        return "page" if len(parts) == 2 and path.endswith(".md") else "campaign"
    if len(parts) == 1 and path.endswith((".yml", ".yaml")):
        return "setting"  # rundbrief.yml, mkdocs.yml, a facts file
    return "other"


def file_at(root: Path, commit: str, path: str) -> bytes | None:
    """The bytes of ``path`` (relative to ``root``) in ``commit``; None where it does not exist."""
    try:
        result = subprocess.run(
            ["git", "cat-file", "blob", f"{commit}:./{path}"],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


@contextmanager
def checkout(root: Path, commit: str) -> Iterator[Path]:
    """``commit`` checked out in a temporary git worktree; yields the project root inside it."""
    prefix = (git(root, "rev-parse", "--show-prefix") or "").strip()
    parent = Path(tempfile.mkdtemp(prefix="rundbrief-base-"))
    folder = parent / "worktree"
    git(root, "worktree", "prune")  # forget worktrees of killed runs
    if git(root, "worktree", "add", "--detach", "--quiet", "--", str(folder), commit) is None:
        shutil.rmtree(parent, ignore_errors=True)
        raise RundbriefError(
            _(
                "git could not check out {commit}; check that {commit} exists (git fetch, git log)"
            ).format(commit=commit)
        )
    try:
        yield folder / prefix
    finally:
        git(root, "worktree", "remove", "--force", "--", str(folder))
        shutil.rmtree(parent, ignore_errors=True)
        git(root, "worktree", "prune")


def settings_at(project: Project, base: Base) -> Settings | None:
    """The settings as ``base`` has them (None if it has none, or they do not load).

    What a pull request may not choose for itself is read from main: who the review mail goes
    to, and where the members come from and how their columns are read (a query of the pull
    request's own would run on the platform's database before anyone approved it).
    """
    data = file_at(project.root, base.commit, SETTINGS_FILE)
    if data is None:
        return None
    source = SourceFile(
        project.root / SETTINGS_FILE, SETTINGS_FILE, data.decode("utf-8", "replace")
    )
    loaded, _problems = load_yaml_file(source, SETTINGS)
    return build(Settings, loaded[0]) if loaded is not None else None


def with_main_members(project: Project, base: Base) -> Project:
    """``project`` with the members source and columns as main has them (see ``settings_at``)."""
    main = settings_at(project, main_branch(project.root) or base)
    if main is None:  # no approved settings yet: no query, no file named in them
        members = replace(project.settings.members, query=None)
        review = replace(project.settings.review, members_file=None)
    else:
        members, review = (
            main.members,
            replace(project.settings.review, members_file=main.review.members_file),
        )
    return replace(project, settings=replace(project.settings, members=members, review=review))
