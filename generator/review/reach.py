"""How many members a newsletter would reach, counted in the members source.

The count uses the selection of ``send`` (``open_members`` + ``recipients.select``):
consent, unsubscribes and the audience. Only numbers leave this module; member data never
reaches the review page. The source is the one every command reads (``members_source``): a file
outside git, an HTTPS export or ``members.query``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.core.i18n import _
from generator.members.origins import FileOrigin, UrlOrigin
from generator.members.recipients import Audience, select
from generator.members.source import MembersFile, Unreadable


@dataclass(frozen=True)
class Reach:
    """What the members source says about one audience."""

    audience: str
    recipients: int | None
    summary: str
    """``send``'s summary: '1.204 Empfänger, 37 ausgeschlossen: …', or why there is no count."""
    file: str
    as_of: dt.date | None


class MemberCounts:
    """Reads the members source as ``send`` does and counts the recipients of each audience."""

    def __init__(self, source: MembersFile) -> None:
        self.source = source
        self.broken: str | None = None
        self.as_of: dt.date | None = dt.date.today()  # an export or a query: read just now
        origin = source.origin
        # The review page names the file (or the export), never where it lies.
        self.display = source.display
        if isinstance(origin, FileOrigin):
            self.display = origin.path.name
        elif isinstance(origin, UrlOrigin):
            self.display = source.display.rstrip("/").rpartition("/")[2]
        if isinstance(origin, FileOrigin):
            try:
                self.as_of = dt.date.fromtimestamp(origin.path.stat().st_mtime)
            except OSError as error:
                self.as_of = None
                self.broken = _(
                    "cannot read the members file: {reason}; check the path given with --members"
                ).format(reason=error.strerror)
                return
        if source.warnings:  # tracked by git: review does not count it
            self.broken = source.warnings[0].message

    def reach(self, audience: str) -> Reach:
        """The recipients of ``audience`` as ``send`` would select them (no suppression list)."""
        if self.broken is not None:
            return Reach(audience, None, self.broken, self.display, self.as_of)
        try:
            selection = select(self.source, Audience(audience))
        except Unreadable as error:
            return Reach(audience, None, error.problem.message, self.display, self.as_of)
        return Reach(audience, selection.recipients, selection.summary(), self.display, self.as_of)
