"""Kits only from approved campaigns: every file that shapes a kit as on the remote's main.

As for ``send`` (``sending/send.py``): the founder approves by merging into main on the
remote, so the campaign files, their templates and pictures, the settings and the facts must be
byte for byte what ``<remote>/main`` holds. The remote is fetched first; ``offline`` compares
with the state fetched last, says so, and is written to the kits log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.core import gitinfo
from generator.core.facts import FACTS_FILE
from generator.core.i18n import _
from generator.core.problems import Problem, RundbriefError
from generator.core.settings import SETTINGS_FILE, Project

LOG = "kits.log"
"""In the state folder: one line per kits run, with the commit it was checked against."""


class NotApproved(RundbriefError):
    """The approved state cannot be compared with (no remote, no connection)."""


@dataclass(frozen=True)
class KitApproval:
    """What the kits were checked against, and what differs from it."""

    commit: str
    offline: bool
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


def shaping_files(project: Project) -> list[str]:
    """Every file that shapes a kit: campaigns, templates, pictures, settings and facts."""
    root = project.root
    folder = project.assets_dir
    files = [SETTINGS_FILE]
    if (root / FACTS_FILE).is_file():
        files.append(FACTS_FILE)
    for path in sorted(folder.rglob("*")):
        # Markdown pages of the section are not in a kit; everything else there may be.
        if path.is_file() and path.suffix != ".md":
            files.append(path.relative_to(root).as_posix())
    return files


def approve_kits(project: Project, *, offline: bool = False) -> KitApproval:
    """Compare what shapes the kits with the remote's main branch (fetched first)."""
    remote = project.settings.sending.remote
    if not offline:
        failure = gitinfo.fetch_main(project.root, remote)
        if failure is not None:
            raise NotApproved(
                _(
                    "the main branch of {remote} cannot be reached to check that the campaigns "
                    "are approved ({reason}); check the connection, or run kits with --offline "
                    "to compare with {remote}/main as fetched last (logged)"
                ).format(remote=remote, reason=failure)
            )
    commit = gitinfo.commit_of(project.root, gitinfo.remote_ref(remote))
    if commit is None:
        raise NotApproved(
            _(
                "the main branch of {remote} is not known here; fetch it (git fetch {remote}) "
                "or set sending.remote in rundbrief.yml"
            ).format(remote=remote)
        )
    warnings = []
    if offline:
        warnings.append(
            Problem(
                SETTINGS_FILE,
                0,
                _(
                    "--offline: compared with {remote}/main as fetched last (commit {commit}), "
                    "not with the server"
                ).format(remote=remote, commit=commit[:12]),
                "warning",
            )
        )
    problems = []
    for state in gitinfo.compare_with(project.root, commit, shaping_files(project)):
        if state.uncommitted:
            message = _(
                "the file has uncommitted changes: commit it and merge it into main; kits are "
                "made only from approved campaigns"
            )
        elif not state.same:
            message = _(
                "the file is not on the main branch of {remote} as it is here ({remote}/main, "
                "what the founder approved): kits are made only from approved campaigns"
            ).format(remote=remote)
        else:
            continue
        problems.append(Problem(state.rel, 1, message))
    return KitApproval(commit, offline, tuple(problems), tuple(warnings))


def log_run(project: Project, approval: KitApproval, written: int) -> None:
    """Append the run to the kits log: when, against which commit, and whether offline."""
    line = (
        f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}\t"
        f"{approval.commit}\t{'offline' if approval.offline else 'fetched'}\t{written}\n"
    )
    project.state_dir.mkdir(parents=True, exist_ok=True)
    with (project.state_dir / LOG).open("a", encoding="utf-8") as stream:
        stream.write(line)
