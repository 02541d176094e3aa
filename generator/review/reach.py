"""How many members a newsletter would reach, counted in the last members file.

The count uses the selection of ``send`` (``sending/members.py`` + ``recipients.select``):
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
from generator.core.problems import Problem
from generator.core.settings import Project
from generator.sending.members import Member, read_members
from generator.sending.recipients import select

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
    """Reads the members file once and counts the recipients of each audience."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.display = path.name
        self.members: list[Member] = []
        self.problems: list[Problem] = []
        self.broken: str | None = None
        self.as_of: dt.date | None = None
        try:
            self.as_of = dt.date.fromtimestamp(path.stat().st_mtime)
        except OSError as error:
            self.broken = _("cannot read the members file: {reason}").format(reason=error.strerror)
            return
        if is_tracked(path):
            self.broken = _("the members file is tracked by git: keep member data out of git")
            return
        self.members, self.problems = read_members(path, self.display, row_severity="warning")
        file_errors = [p for p in self.problems if p.severity == "error"]
        if file_errors:
            self.broken = file_errors[0].message

    def reach(self, audience: str) -> Reach:
        """The recipients of ``audience`` as ``send`` would select them (no suppression list)."""
        if self.broken is not None:
            return Reach(audience, None, self.broken, self.display, self.as_of)
        selection = select(
            self.members, self.problems, display=self.display, audience=audience, suppressed=set()
        )
        return Reach(
            audience, len(selection.recipients), selection.summary(), self.display, self.as_of
        )
