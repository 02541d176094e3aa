"""Links in Markdown sources: the quick path for lines without one finds what the patterns find."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.core import links as links_module
from generator.core.links import Link, find_links


def _links_by_definition(body: str, first_line: int) -> list[Link]:
    """``find_links`` without its quick path: every line through every pattern."""
    links, in_fence = [], False
    for number, text in enumerate(body.split("\n"), start=first_line):
        if links_module._FENCE.match(text):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        text = links_module._CODE_SPAN.sub("", text)
        for match in links_module._INLINE.finditer(text):
            links.append(Link(match.group(2), number, match.group(1) == "!"))
        reference = links_module._REFERENCE.match(text)
        if reference:
            links.append(Link(reference.group(1), number, False))
    return links


PIECES = st.sampled_from(["```", "~~~", "   ~~~", "[a](x.md)", "![b](y.png)", "[r]: z.md", "`"])
LINES = st.lists(st.one_of(PIECES, st.text(st.sampled_from("[]()!<>` \"'#:/ax.\\"))), max_size=5)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES.map("".join), max_size=8))
def test_links_are_found_as_defined_also_on_the_quick_path_for_lines_without_a_bracket(lines):
    body = "\n".join(lines)
    assert find_links(body, 3) == _links_by_definition(body, 3)
