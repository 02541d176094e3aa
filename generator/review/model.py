"""What a review found: the changes by product, as the page and the summary show them."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Literal

from generator.core.problems import Problem
from generator.review.changes import Base, Change, Status
from generator.review.facts import Use
from generator.review.reach import Reach
from generator.review.sides import NewsletterSide
from generator.review.texts import Segment
from generator.review.yamldiff import KeyChange

Note = Literal[
    "", "draft", "removed", "unbuilt", "was-draft", "old-unbuilt", "unchanged", "unchanged-active"
]
"""What the page says about a help page beside (or instead of) its diff."""


@dataclass(frozen=True)
class Picture:
    """An image embedded in the page (no file beside it, no request anywhere)."""

    data: bytes
    mime: str

    @property
    def uri(self) -> str:
        """The image as a data URI."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class Shots:
    """One width of a newsletter: the previous version's picture beside the new one's."""

    width: int
    old: Picture | None
    new: Picture | None


@dataclass(frozen=True)
class NewsletterReview:
    """A changed newsletter: both versions' facts, its reach, its checks and its pictures."""

    rel: str
    status: Status
    old: NewsletterSide | None
    new: NewsletterSide | None
    reach: Reach | None
    problems: tuple[Problem, ...]
    shots: tuple[Shots, ...] = ()
    facts: tuple[str, ...] = ()
    """Changed facts it uses (why it is shown when its own file did not change)."""
    message: bytes | None = None
    """The new version's message for the sample member, as members get it (``message.eml``)."""

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that stop a send."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def approved_now(self) -> bool:
        """Whether this change approves it: draft (or new) before, approved now."""
        was = self.old.status if self.old else ""
        return self.new is not None and self.new.status == "approved" and was != "approved"

    @property
    def title(self) -> str:
        """The subject as the sample member reads it (the file name without one)."""
        side = self.new or self.old
        return (side.subject if side else "") or self.rel


@dataclass(frozen=True)
class PageReview:
    """A help page added, removed or changed, with the words that changed."""

    source: str
    status: Status
    title: str
    link: str | None
    """The page in the built site, relative to the review page."""
    url: str | None
    diff: tuple[Segment, ...] | None
    note: Note = ""
    facts: tuple[str, ...] = ()
    active: tuple[str, ...] = ()
    """Elements that are more than text, new or changed on this page (review/active.py)."""


@dataclass(frozen=True)
class FileReview:
    """A built or source file shown old beside new (an image, the flyer) or as a text diff."""

    path: str
    status: Status
    old: Picture | None = None
    new: Picture | None = None
    diff: tuple[Segment, ...] | None = None


@dataclass(frozen=True)
class SettingReview:
    """A changed setting, template or facts file: its changed keys, or its changed lines."""

    path: str
    status: Status
    keys: tuple[KeyChange, ...] | None
    lines: tuple[int, int] | None
    """Lines added and removed, for files that are not YAML (templates)."""
    facts: bool = False
    uses: tuple[tuple[str, tuple[Use, ...]], ...] = ()
    """For a facts file: every changed key with the places that show it."""


@dataclass(frozen=True)
class SampleImage:
    """An image of a campaign that differs per member: generic beside the sample member's."""

    name: str
    title: str
    generic: Picture | None
    personal: Picture


@dataclass(frozen=True)
class CampaignSample:
    """A changed campaign as the sample member's kit shows it: link, QR code, own images."""

    slug: str
    title: str
    member: str
    code: str
    link: str
    qr: Picture
    images: tuple[SampleImage, ...]


@dataclass(frozen=True)
class Review:
    """Everything the review page and the job summary show."""

    base: Base
    changes: tuple[Change, ...]
    newsletters: tuple[NewsletterReview, ...] = ()
    pages: tuple[PageReview, ...] = ()
    site_files: tuple[FileReview, ...] = ()
    campaigns: tuple[Change, ...] = ()
    werbemittel: tuple[FileReview, ...] = ()
    samples: tuple[CampaignSample, ...] = ()
    """Each changed campaign personalised for the sample member (``kitsample.py``)."""
    settings: tuple[SettingReview, ...] = ()
    problems: tuple[Problem, ...] = ()
    steps: tuple[tuple[str, float], ...] = ()

    @property
    def relevant(self) -> tuple[Change, ...]:
        """The changed files members see something of (or that shape what they see)."""
        return tuple(c for c in self.changes if c.kind != "other")

    @property
    def others(self) -> tuple[Change, ...]:
        """Changed files outside the sources: code, tests, documentation."""
        return tuple(c for c in self.changes if c.kind == "other")

    @property
    def errors(self) -> tuple[Problem, ...]:
        """What ``check`` would refuse in the new version."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """What ``check`` warns about in the new version (``--strict`` would refuse it)."""
        return tuple(p for p in self.problems if p.severity == "warning")
