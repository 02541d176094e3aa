"""Facts files in the review: which YAML files hold facts, and where a fact is used.

A facts file (``fakten.yml``: fees, dates, addresses written once and used on many pages,
in newsletters and in campaign texts) is reviewed like every setting, key by key. A changed
fact changes every text that uses it, so the review also lists — and compares — those.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator.core.settings import Project

FACTS_FILES = ("fakten.yml",)
"""Repository paths of facts files."""


@dataclass(frozen=True, order=True)
class Use:
    """A place that shows a fact: a help page, a newsletter or a campaign (its source file)."""

    kind: Literal["page", "newsletter", "campaign"]
    source: str
    line: int = 0


def where_fact_is_used(project: Project, key: str) -> list[Use]:
    """HOOK: every help page, newsletter and campaign text of ``project`` that uses fact ``key``.

    To be wired to the facts module (``generator/core/facts.py``) once it is merged: return
    its places of use for the dotted ``key`` (e.g. ``beitrag.monatlich``). The review then
    lists them under the changed key, compares those pages word by word and shows those
    newsletters. Until then no use is known.
    """
    return []
