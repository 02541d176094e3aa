"""The pull request a review runs for, as GitHub Actions describes it in the environment."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+")
PULL_REF = re.compile(r"refs/pull/([0-9]+)/(?:merge|head)")
COMMIT = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class PullRequest:
    """A pull request: its number, where to approve it, and its head commit if known."""

    number: int
    url: str
    head: str | None = None


def pull_request(env: Mapping[str, str] | None = None) -> PullRequest | None:
    """The pull request of this workflow run; None outside a pull request's run.

    The number comes from the event file (``GITHUB_EVENT_PATH``) or else from ``GITHUB_REF``
    (``refs/pull/N/merge``); the link leads to the pull request's changes, where GitHub's
    "Review changes" approves it.
    """
    env = os.environ if env is None else env
    server = env.get("GITHUB_SERVER_URL", "").rstrip("/")
    repository = env.get("GITHUB_REPOSITORY", "")
    if urlsplit(server).scheme != "https" or not REPOSITORY.fullmatch(repository):
        return None
    number, head = _from_event(env.get("GITHUB_EVENT_PATH", ""))
    if number is None:
        found = PULL_REF.fullmatch(env.get("GITHUB_REF", ""))
        number = int(found.group(1)) if found else None
    if number is None:
        return None
    return PullRequest(number, f"{server}/{repository}/pull/{number}/files", head)


def _from_event(path: str) -> tuple[int | None, str | None]:
    if not path:
        return None, None
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pull, dict):
        return None, None
    number = pull.get("number", event.get("number"))
    head = pull.get("head", {}).get("sha") if isinstance(pull.get("head"), dict) else None
    valid_number = number if isinstance(number, int) and number > 0 else None
    valid_head = head if isinstance(head, str) and COMMIT.fullmatch(head) else None
    return valid_number, valid_head
