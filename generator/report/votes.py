""" "War dieser Artikel hilfreich?" in the report: the votes per article, the least helpful first.

The votes are what `feedback` counted in the suppression store (``feedback/votes.py``): one per
sender, page and day, unverified (anyone can send such a mail), so they are a hint, not a
measurement. The article's title comes from the site index, read only when there are votes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ArticleVotes:
    """The votes on one article (its URL path, ``zahlungen/paypal/``)."""

    page: str
    yes: int
    no: int
    title: str = ""
    """'' while unknown, or when the article is gone from ``content/``."""

    @property
    def total(self) -> int:
        """All votes on the article."""
        return self.yes + self.no

    @property
    def share(self) -> float:
        """The share of votes that found the article helpful."""
        return self.yes / self.total if self.total else 0.0


def article_votes(counts: Sequence[tuple[str, int, int]]) -> tuple[ArticleVotes, ...]:
    """(page, yes, no) rows as the report shows them: the least helpful share first.

    Among equal shares the article with more "no" votes comes first (more members missed
    something), then the path.
    """
    votes = [ArticleVotes(page, int(yes), int(no)) for page, yes, no in counts]
    return tuple(sorted(votes, key=lambda v: (v.share, -v.no, v.page)))


def titled(votes: Sequence[ArticleVotes], titles: Mapping[str, str]) -> tuple[ArticleVotes, ...]:
    """The votes with each article's title (left '' for an article no longer there)."""
    return tuple(replace(v, title=titles.get(v.page, "")) for v in votes)
