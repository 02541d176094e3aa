"""Kits only from approved campaigns: every file that shapes a kit as on the remote's main.

As for ``send`` (``sending/send.py``): the founder approves by merging into main on the
remote, so the campaign files, their templates and pictures, the settings and the facts must be
byte for byte what ``<remote>/main`` holds. The remote is fetched first; ``offline`` compares
with the state fetched last, says so, and is written to the kits log. The gate itself is
``core.gitinfo.approved_main``, the same for send, ``send --due`` and kits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.core import gitinfo
from generator.core.facts import FACTS_FILE
from generator.core.problems import Problem
from generator.core.settings import SETTINGS_FILE, Project

LOG = "kits.log"
"""In the state folder: one line per kits run, with the commit it was checked against."""


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
    main = gitinfo.approved_main(project.root, remote, command="kits", offline=offline)
    problems = main.differences(project.root, shaping_files(project))
    return KitApproval(
        main.commit, main.offline, tuple(problems), tuple(main.warnings(SETTINGS_FILE))
    )


def log_run(project: Project, approval: KitApproval, written: int) -> None:
    """Append the run to the kits log: when, against which commit, and whether offline."""
    line = (
        f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}\t"
        f"{approval.commit}\t{'offline' if approval.offline else 'fetched'}\t{written}\n"
    )
    project.state_dir.mkdir(parents=True, exist_ok=True)
    with (project.state_dir / LOG).open("a", encoding="utf-8") as stream:
        stream.write(line)
