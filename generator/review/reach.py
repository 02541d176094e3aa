"""How many members a newsletter would reach, counted in the last members file.

The count uses the selection of ``send`` (``open_members`` + ``recipients.select``):
consent, unsubscribes and the audience. Only numbers leave this module; member data never
reaches the review page. The file lives outside git; its place comes from the environment
(``RUNDBRIEF_MEMBERS_FILE``) or from ``review.members_file`` in ``rundbrief.yml``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.core.gitinfo import is_tracked
from generator.core.i18n import _
from generator.core.settings import Project
from generator.members.recipients import Audience, select
from generator.members.source import MembersFile, Unreadable, open_members

VARIABLE = "RUNDBRIEF_MEMBERS_FILE"


@dataclass(frozen=True)
class Reach:
    """What the members file says about one audience."""

    audience: str
    recipients: int | None
    summary: str
    """``send``'s summary: '1.204 Empfänger, 37 ausgeschlossen: …', or why there is no count."""
    file: str
    as_of: dt.date | None


def members_file(project: Project, env: Mapping[str, str] | None = None) -> Path | None:
    """The configured members file: the environment first, then the setting; None if neither."""
    given = (os.environ if env is None else env).get(
        VARIABLE
    ) or project.settings.review.members_file
    if not given:
        return None
    path = Path(given).expanduser()
    return path if path.is_absolute() else project.root / path


class MemberCounts:
    """Reads the members file as ``send`` does and counts the recipients of each audience."""

    def __init__(self, path: Path, project: Project | None = None) -> None:
        self.path = path
        self.display = path.name  # the review page names the file, never where it lies
        self.source = open_members(project, path) if project else MembersFile(path, path.name)
        self.broken: str | None = None
        self.as_of: dt.date | None = None
        try:
            self.as_of = dt.date.fromtimestamp(path.stat().st_mtime)
        except OSError as error:
            self.broken = _(
                "cannot read the members file: {reason}; check the path given with --members"
            ).format(reason=error.strerror)
            return
        if self.source.warnings:  # tracked by git: review does not count it
            self.broken = self.source.warnings[0].message
        elif project is None and is_tracked(path):
            self.broken = _("the members file is tracked by git: keep member data out of git")

    def reach(self, audience: str) -> Reach:
        """The recipients of ``audience`` as ``send`` would select them (no suppression list)."""
        if self.broken is not None:
            return Reach(audience, None, self.broken, self.display, self.as_of)
        try:
            selection = select(self.source, Audience(audience))
        except Unreadable as error:
            return Reach(audience, None, error.problem.message, self.display, self.as_of)
        return Reach(audience, selection.recipients, selection.summary(), self.display, self.as_of)
