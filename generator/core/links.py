"""Links in Markdown sources, with the line each stands on."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# Inline links and images: [text](target "title") and ![alt](src). Reference definitions too.
_INLINE = re.compile(r"(!?)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_CODE_SPAN = re.compile(r"`[^`]*`")


@dataclass(frozen=True)
class Link:
    """A link or image target written in a Markdown file."""

    target: str
    line: int
    is_image: bool

    @property
    def is_relative(self) -> bool:
        """True for a link to another file of the repository (no scheme, no host, not an anchor)."""
        parts = urlsplit(self.target)
        return not (
            parts.scheme or parts.netloc or self.target.startswith(("#", "/")) or not self.target
        )


def find_links(body: str, first_line: int) -> list[Link]:
    """Every link and image in ``body``; ``first_line`` is the file line the body starts on."""
    links: list[Link] = []
    in_fence = False
    for number, text in enumerate(body.split("\n"), start=first_line):
        if ("`" in text or "~" in text) and _FENCE.match(text):
            in_fence = not in_fence
            continue
        if in_fence or "[" not in text:  # (every link, image and reference has a "[")
            continue
        text = _CODE_SPAN.sub("", text) if "`" in text else text
        for match in _INLINE.finditer(text):
            links.append(Link(match.group(2), number, match.group(1) == "!"))
        reference = _REFERENCE.match(text)
        if reference:
            links.append(Link(reference.group(1), number, False))
    return links


def resolve(from_file: str, target: str) -> str:
    """The repository path a relative target points to, seen from ``from_file``."""
    path = urlsplit(target).path
    return posixpath.normpath(posixpath.join(posixpath.dirname(from_file), path))
